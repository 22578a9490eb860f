package session

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// BearerTokenHeader is the response header that carries a bearer
// session's new token when a request renewed it (LogIn, RenewToken,
// HoldPending): what the Set-Cookie header is to a browser. An API client
// that finds it must use the new token from then on; the old one is dead.
const BearerTokenHeader = "X-Session-Token"

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header. ok is false when the request has no Authorization header of the
// Bearer scheme; a repeated header, or one whose token is empty, is a
// bearer request whose token can name no session ("" never loads one).
func bearerToken(h http.Header) (tok string, ok bool) {
	vs := h["Authorization"]
	if len(vs) == 0 {
		return "", false
	}
	v := vs[0]
	if len(v) < 7 || !strings.EqualFold(v[:7], "Bearer ") {
		return "", false
	}
	if len(vs) > 1 {
		return "", true
	}
	return strings.TrimSpace(v[7:]), true
}

// IsBearer reports whether the request is an API client's: it carries an
// "Authorization: Bearer" header. The Middleware reads no cookie of such a
// request and writes none; its session is loaded only on routes that
// accept bearer sessions (AcceptBearer), and is anonymous elsewhere.
func (m *Manager) IsBearer(c *gin.Context) bool {
	st := m.req(c)
	return st != nil && st.bearer
}

// BearerRefused reports whether the request is an API client's on a route
// that does not accept bearer sessions: its token was not looked at, and
// the request is anonymous. Routes that need a login should refuse it with
// a clear error rather than ask the client to log in again.
func (m *Manager) BearerRefused(c *gin.Context) bool {
	st := m.req(c)
	return st != nil && st.bearer && !st.bearerAccepted
}

// BearerAccepted reports whether the request is an API client's on a
// route that accepts bearer sessions.
func (m *Manager) BearerAccepted(c *gin.Context) bool {
	st := m.req(c)
	return st != nil && st.bearer && st.bearerAccepted
}

// AcceptBearer loads the session named by the request's bearer token, for
// a route that accepts API clients; a request without one is left as it
// is (a browser's cookie session). A malformed, unknown, ended or expired
// token leaves the request anonymous, as a cookie of that kind does. From
// then on the session works as a cookie session does (Current, Tokens,
// LogOut, idle and absolute timeouts, the user index), except that no
// cookie and no CSRF secret is ever written: a renewed token is sent in the
// BearerTokenHeader header instead. Only a store failure is an error. It
// must be called before the response starts.
func (m *Manager) AcceptBearer(c *gin.Context) error {
	st := m.req(c)
	if st == nil {
		return ErrNoMiddleware
	}
	if !st.bearer || st.bearerAccepted {
		return nil
	}
	if st.started {
		return ErrHeadersWritten
	}
	st.bearerAccepted = true
	if !validToken(st.bearerRaw) || st.token != "" || st.cur != nil {
		return nil
	}
	st.sent = st.bearerRaw
	if err := st.load(); err != nil {
		st.sent = ""
		return err
	}
	// What an earlier handler asked (Current, Tokens) was answered for the
	// anonymous request this was until now.
	st.login, st.loginDone, st.tokens, st.tokRaw, st.tokKey = nil, false, nil, nil, ""
	return nil
}

// StartBearer makes the request an API client's with no session, whatever
// cookie or bearer token it carries, so that a following LogIn or
// HoldPending creates a new session whose token BearerToken returns and no
// cookie carries. It is for sign-in routes of API clients: a browser
// session that happens to come along is neither renewed nor touched. It
// must be called before the response starts.
func (m *Manager) StartBearer(c *gin.Context) error {
	st := m.req(c)
	if st == nil {
		return ErrNoMiddleware
	}
	if st.started {
		return ErrHeadersWritten
	}
	if st.token != "" || st.cur != nil || st.sent != "" {
		st.ended()
	}
	st.sent, st.endedHere, st.cookieSeen, st.newCSRFNonce = "", false, false, false
	st.bearer, st.bearerAccepted = true, true
	return nil
}

// BearerToken returns the token of the request's bearer session: the one
// LogIn or HoldPending created after StartBearer, or the renewed one. It is
// "" for a browser's request and for a bearer request without a session.
// It is a credential: send it to the client, never log it.
func (m *Manager) BearerToken(c *gin.Context) string {
	st := m.req(c)
	if st == nil || !st.bearer {
		return ""
	}
	return st.token
}

// writeBearerToken sends a bearer session's token when this request
// changed it; a bearer response is never cached.
func (st *reqState) writeBearerToken(h http.Header) {
	if st.token != "" && st.token != st.sent {
		h.Set(BearerTokenHeader, st.token)
	}
	if st.bearerAccepted {
		h.Set("Cache-Control", "no-store")
	}
}
