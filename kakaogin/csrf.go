package kakaogin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/session"
)

// CSRF form field and header names.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// CSRFToken returns the CSRF token of the request's session, to be sent
// back with every state-changing POST as the form field csrf_token or the
// header X-CSRF-Token. It is derived from the session's secret (which a
// login replaces), so it never appears in the store; a visitor without a
// session gets one derived from a nonce cookie instead, so rendering a
// form for anonymous visitors (and crawlers) stores nothing. It is ""
// without Kakao.Middleware, or when the visitor has no session and the
// response has already started (call it before writing the body).
func CSRFToken(c *gin.Context) string {
	m := session.Of(c)
	if m == nil {
		return ""
	}
	return csrfTokenOf(m, c)
}

// CSRFInput returns a hidden form input carrying the CSRF token, for host
// templates: {{ .CSRF }} inside a <form method="post">.
func CSRFInput(c *gin.Context) template.HTML {
	return template.HTML(`<input type="hidden" name="` + CSRFField + `" value="` +
		template.HTMLEscapeString(CSRFToken(c)) + `">`)
}

func (k *Kakao) csrfToken(c *gin.Context) string { return csrfTokenOf(k.sessions, c) }

// csrfTokenOf derives the CSRF token from the secret of the session sm
// loaded for c.
func csrfTokenOf(sm *session.Manager, c *gin.Context) string {
	secret := sm.CSRFSecret(c)
	if secret == nil {
		return ""
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("kakaologin csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// RequireCSRF protects a host's own state-changing routes the way the
// library protects its own: only POST (and PUT, PATCH, DELETE)
// are allowed, the browser must not report a cross-site request (Fetch
// metadata or Origin), and the session's CSRF token must be sent. Refused
// requests get 403 (405 for GET) and the handler does not run. An API
// client's request on a route that accepts bearer sessions (AllowBearer)
// needs no CSRF token: its credential is not sent by browsers on their
// own. On other routes a bearer request is refused (bearer_not_allowed).
func (k *Kakao) RequireCSRF() gin.HandlerFunc {
	return func(c *gin.Context) {
		if k.checkCSRF(c) {
			c.Next()
		}
	}
}

// checkCSRF applies the CSRF rules and answers the request when they fail.
func (k *Kakao) checkCSRF(c *gin.Context) bool {
	if k.sessions.BearerRefused(c) {
		k.refuseBearer(c)
		return false
	}
	switch c.Request.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		k.fail(c, newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, nil))
		return false
	}
	if k.sessions.BearerAccepted(c) {
		return true // a bearer token is never sent by a browser on its own: nothing to forge
	}
	if err := k.crossOrigin.Check(c.Request); err != nil {
		k.event(c.Request.Context(), "csrf rejected", "reason", "cross-origin request")
		k.fail(c, newError(http.StatusForbidden, CodeForbidden, err))
		return false
	}
	want := k.csrfToken(c)
	got := c.GetHeader(CSRFHeader)
	if got == "" {
		// Reading the form is bounded by Gin's MaxMultipartMemory and the
		// server's own limits; only one value is accepted.
		if err := c.Request.ParseForm(); err == nil {
			if vs := c.Request.PostForm[CSRFField]; len(vs) == 1 {
				got = vs[0]
			}
		}
	}
	if want == "" || got == "" || !hmac.Equal([]byte(got), []byte(want)) {
		if !k.sessions.CookieSent(c) && len(c.Request.Cookies()) == 0 {
			// No session cookie, nor any other: the browser keeps none of
			// this site's cookies, and reloading the page (the advice for
			// a wrong token) would only loop. A browser that sent some
			// other cookie keeps cookies; its token is just wrong.
			k.event(c.Request.Context(), "csrf rejected", "reason", "no cookies")
			k.fail(c, newError(http.StatusForbidden, CodeCookiesBlocked, errors.New("state-changing request without any cookie")))
			return false
		}
		k.event(c.Request.Context(), "csrf rejected", "reason", "missing or wrong token")
		k.fail(c, newError(http.StatusForbidden, CodeForbidden, errors.New("missing or wrong CSRF token")))
		return false
	}
	return true
}

// newCrossOrigin builds the Fetch-metadata / Origin check, trusting the
// app's own origin (from RedirectURL) and Login.AllowedReturnOrigins.
func newCrossOrigin(s *settings) (*http.CrossOriginProtection, error) {
	p := http.NewCrossOriginProtection()
	own := s.redirect.Scheme + "://" + s.redirect.Host
	if err := p.AddTrustedOrigin(own); err != nil {
		return nil, err
	}
	for _, o := range s.Login.AllowedReturnOrigins {
		if err := p.AddTrustedOrigin(strings.TrimSuffix(o, "/")); err != nil {
			return nil, err
		}
	}
	return p, nil
}
