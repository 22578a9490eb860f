package session

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Middleware loads the session of each request with scs (scs.Load), puts
// scs's context on c.Request, and has scs commit the session, and writes
// its cookie, before the first byte of the response, whatever writes it:
// redirects, c.JSON/c.String/c.Data, streamed responses with Flush,
// c.AbortWithStatus, Hijack, or a handler that writes nothing. (scs's own
// LoadAndSave cannot be used with Gin: Gin's writer buffers WriteHeader,
// and Gin handlers write through c.Writer, not the http.ResponseWriter
// LoadAndSave wraps.)
//
// A malformed cookie is treated as no cookie, without a store lookup, so
// forged or oversized cookies are never adopted and cost nothing. When the
// store cannot be reached the request is answered by Config.ErrorHandler
// (503) instead of the handler's response, and no session cookie is sent.
// A read-only request writes to the store only to move the idle deadline,
// at most once per Config.TouchInterval.
//
// Install gin.Recovery before it (gin.Default does): a handler that panics
// then leaves no session change and no cookie behind.
func (m *Manager) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		st := &reqState{ResponseWriter: c.Writer, m: m, c: c, base: c.Request.Context()}
		if tok, ok := bearerToken(c.Request.Header); ok {
			// An API client: its session is loaded only where the route
			// accepts bearer sessions (AcceptBearer); its cookies are
			// ignored.
			st.bearer, st.bearerRaw = true, tok
		} else {
			raw, seen, unique := readCookie(c.Request.Header, m.cfg.CookieName)
			st.cookieSeen = seen
			if unique && validToken(raw) {
				st.sent = raw
			}
		}
		if err := st.load(); err != nil {
			st.started = true
			st.fail(err)
			return
		}
		c.Request = c.Request.WithContext(st) // st is scs's context and finds itself
		c.Writer = st
		finished := false
		defer func() {
			c.Writer = st.ResponseWriter
			if !finished {
				st.abandon()
			}
		}()
		c.Next()
		finished = true
		if !st.started {
			st.start(st.ResponseWriter.Status())
		}
	}
}

// req returns the request's session, or nil without the Middleware.
func (m *Manager) req(c *gin.Context) *reqState {
	if st := stateOf(c); st != nil && st.m == m {
		return st
	}
	return nil
}

// stateOf returns the session state the Middleware put on the request's
// context, or nil (also for a nil c, so that every Manager method called
// outside a request answers ErrNoMiddleware).
func stateOf(c *gin.Context) *reqState {
	if c == nil || c.Request == nil {
		return nil
	}
	st, _ := c.Request.Context().Value(stateKey{}).(*reqState)
	return st
}

// Of returns the Manager whose Middleware loaded the request's session, or
// nil when none did. It lets code that serves any Manager (such as
// kakaogin's CurrentUser) find the session without a value of its own on
// the Gin context.
func Of(c *gin.Context) *Manager {
	if st := stateOf(c); st != nil {
		return st.m
	}
	return nil
}

// CookieSent reports whether the request carried a cookie of the
// session's name at all, valid, unknown or ended alike. A request that
// needs a session and carries none comes from a browser that did not keep
// the cookie (one that blocks cookies, typically), which is a different
// problem, with a different remedy, from a session that is unknown or
// ended. It is false without the Middleware.
func (m *Manager) CookieSent(c *gin.Context) bool {
	st := m.req(c)
	return st != nil && st.cookieSeen
}

// start runs once, before the first byte of the response: it saves the
// session and writes or clears the cookie, or replaces the response with
// the error page when saving fails.
func (st *reqState) start(status int) {
	if st.started {
		return
	}
	err := st.flush(status)
	st.started = true
	if err != nil {
		st.fail(err)
		return
	}
	st.writeCookie()
}

// writeCookie sets the cookie when the token changed, and clears it when
// this request ended the session or the browser's cookie could never name
// one (malformed or repeated). A well-formed cookie that names no live
// session is left alone: it may be the token a concurrent request of the
// same browser has just renewed, and clearing it here would race with
// that response and could delete the new cookie. It costs one store read
// per request until the browser drops it or a new session replaces it.
func (st *reqState) writeCookie() {
	h := st.ResponseWriter.Header()
	if st.bearer {
		st.writeBearerToken(h)
		return
	}
	if st.newCSRFNonce {
		h["Set-Cookie"] = append(h["Set-Cookie"], st.m.csrfCookie(st.csrfNonce))
	}
	if st.cookieSeen || st.token != "" {
		if v := h["Vary"]; len(v) == 0 {
			st.vary[0] = "Cookie" // per request, never a shared slice: a later handler may edit it in place
			h["Vary"] = st.vary[:]
		} else {
			h["Vary"] = append(v, "Cookie")
		}
	}
	var v string
	switch {
	case st.token != "" && st.token != st.sent:
		v = st.m.cookie(st.token, st.deadline())
	case st.token == "" && st.cookieSeen && (st.endedHere || st.sent == ""):
		v = st.m.cookie("", 0)
	default:
		return
	}
	h["Set-Cookie"] = append(h["Set-Cookie"], v)
	h.Set("Cache-Control", "no-store") // no cache may keep or replay a session cookie
}

// cookie renders the session cookie: HttpOnly,
// SameSite=Lax, Path=/, no Domain, Secure with a __Host- name unless
// InsecureCookies; a session cookie unless Persist. token "" clears it.
func (m *Manager) cookie(token string, deadline int64) string {
	ck := http.Cookie{
		Name:     m.cfg.CookieName,
		Value:    token,
		Path:     "/",
		HttpOnly: true,
		Secure:   !m.cfg.InsecureCookies,
		SameSite: http.SameSiteLaxMode,
	}
	switch {
	case token == "":
		ck.Expires = time.Unix(1, 0)
		ck.MaxAge = -1
	case m.cfg.Persist:
		ck.Expires = time.Unix(deadline, 0)
		ck.MaxAge = int(max(deadline-m.now().Unix(), 1))
	}
	return ck.String()
}

// headers a failed request must not send with the error page.
var dropOnFail = [...]string{
	"Location", "Content-Type", "Content-Length", "Content-Encoding",
	"Content-Disposition", "Content-Range", "Set-Cookie", "Etag",
	"Last-Modified", "Refresh", "Vary",
}

// fail replaces the response with Config.ErrorHandler's page. Whatever
// the handler writes afterwards is discarded.
func (st *reqState) fail(err error) {
	st.failed = true
	st.m.log.Error("session: session store failed; answering with the error page", "err", err)
	h := st.ResponseWriter.Header()
	for _, k := range dropOnFail {
		delete(h, k)
	}
	st.passthrough = true
	st.m.cfg.ErrorHandler(st.c, http.StatusServiceUnavailable, err)
	st.passthrough = false
	st.c.Abort()
}

// abandon runs when the handler panicked before the response started: the
// deferred changes are dropped, and a session created by this request,
// whose cookie will never be sent, is deleted again.
func (st *reqState) abandon() {
	st.abandoned = true
	if st.started {
		return
	}
	st.started = true
	if st.token != "" && st.token != st.sent {
		if err := st.m.st.Delete(st.base, hashToken(st.token)); err != nil {
			st.m.log.Warn("session: could not delete the session of a panicked request", "err", err)
		}
	}
}

// hook runs start before a write; it reports whether the write goes on.
func (st *reqState) hook(status int) bool {
	if st.passthrough {
		return true
	}
	if !st.started {
		if status <= 0 {
			status = st.ResponseWriter.Status()
		}
		st.start(status)
	}
	return !st.failed
}

// WriteHeader saves the session before passing the status on. A code of
// zero or less is Gin's "no status yet" (c.Redirect passes -1 before the
// redirect writes its own): it starts nothing, so a value put after it,
// before the real status, is still saved.
func (st *reqState) WriteHeader(code int) {
	if code <= 0 && !st.started {
		st.ResponseWriter.WriteHeader(code)
		return
	}
	if st.hook(code) {
		st.ResponseWriter.WriteHeader(code)
	}
}

// WriteHeaderNow saves the session before the header is sent.
func (st *reqState) WriteHeaderNow() {
	if st.hook(0) {
		st.ResponseWriter.WriteHeaderNow()
	}
}

// Write saves the session before the first byte of the body.
func (st *reqState) Write(b []byte) (int, error) {
	if !st.hook(0) {
		return len(b), nil
	}
	return st.ResponseWriter.Write(b)
}

// WriteString saves the session before the first byte of the body.
func (st *reqState) WriteString(s string) (int, error) {
	if !st.hook(0) {
		return len(s), nil
	}
	return st.ResponseWriter.WriteString(s)
}

// Flush saves the session before the header is flushed.
func (st *reqState) Flush() {
	st.hook(0)
	st.ResponseWriter.Flush()
}

// Hijack saves the session before the connection is taken over. The
// cookie reaches the client only if the hijacker sends the header map.
func (st *reqState) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !st.hook(0) {
		return nil, nil, errors.New("session: response replaced by the error page")
	}
	return st.ResponseWriter.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer for
// deadlines; Flush and Hijack still go through the methods above.
func (st *reqState) Unwrap() http.ResponseWriter { return st.ResponseWriter }

// readCookie finds the cookie named name without allocating. seen reports
// whether any cookie of that name was sent; unique is false when several
// were sent with different values (then none is trusted).
func readCookie(h http.Header, name string) (value string, seen, unique bool) {
	unique = true
	for _, line := range h["Cookie"] {
		for len(line) > 0 {
			part := line
			if i := strings.IndexByte(line, ';'); i >= 0 {
				part, line = line[:i], line[i+1:]
			} else {
				line = ""
			}
			part = strings.TrimSpace(part)
			if len(part) <= len(name) || part[len(name)] != '=' || part[:len(name)] != name {
				continue
			}
			v := part[len(name)+1:]
			if seen && v != value {
				unique = false
			}
			value, seen = v, true
		}
	}
	return value, seen, seen && unique
}
