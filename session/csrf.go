package session

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
)

// csrfNonceSize is the size of an anonymous visitor's CSRF nonce.
const csrfNonceSize = 32

// CSRFSecret returns a random 32-byte CSRF secret for the request's
// browser, or nil without the Middleware or for a bearer request (see
// AcceptBearer), which carries no cookie a forged request could use.
//
// A browser with a session gets the session's secret, created on first use
// and saved with the session before the response's first byte (it is the
// secret the browser had as an anonymous visitor, below, when it had one,
// so that forms rendered before the session existed still verify); LogIn
// replaces it. If two first requests of one session race, the secret saved
// last wins and the other request's copy does not verify.
//
// A browser without a session (an anonymous visitor, a crawler) gets a
// secret that costs the store nothing: a random nonce kept in a second
// cookie (the session cookie's name plus "_csrf", with the same
// attributes), from which the secret is derived with a key of the Manager.
// Rendering a form for every anonymous page view therefore writes no
// session. The nonce cookie is set before the response's first byte; once
// the response has started, a browser that has none gets nil. Derivation
// uses the first of SealKeys, so rotating that key invalidates the forms
// anonymous visitors have open (they are refused once and reload).
func (m *Manager) CSRFSecret(c *gin.Context) []byte {
	st := m.req(c)
	if st == nil || st.bearer {
		return nil // an API client sends nothing ambiently: it needs no CSRF secret
	}
	rec, d := st.state()
	switch {
	case d != nil && len(d.csrf) == csrfSize:
		return bytes.Clone(d.csrf)
	case d == nil && rec != nil && len(rec.csrf) == csrfSize:
		return bytes.Clone(rec.csrf)
	case rec == nil && d == nil && st.token == "" && !st.hostChanged():
		return st.anonymousCSRF()
	}
	// A session's first secret is the one its browser had as an anonymous
	// visitor, when it has one: a form rendered before the session existed
	// (another tab started a login) still verifies.
	var secret []byte
	if v, _, unique := readCookie(st.c.Request.Header, m.csrfCookieName); unique && validNonce(v) {
		secret = m.anonymousSecret(v)
	} else {
		secret = make([]byte, csrfSize)
		_, _ = rand.Read(secret) // crypto/rand.Read never fails
	}
	nd := st.draft()
	nd.csrf = secret
	st.change(nd)
	return bytes.Clone(secret)
}

// anonymousCSRF derives the CSRF secret of a browser without a session
// from the nonce in its CSRF cookie, choosing a new nonce (and setting the
// cookie) when the browser sent none or a malformed one.
func (st *reqState) anonymousCSRF() []byte {
	nonce := st.csrfNonce
	if nonce == "" {
		if v, _, unique := readCookie(st.c.Request.Header, st.m.csrfCookieName); unique && validNonce(v) {
			nonce = v
		} else if st.started {
			return nil // the cookie can no longer be set
		} else {
			var b [csrfNonceSize]byte
			_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
			nonce = base64.RawURLEncoding.EncodeToString(b[:])
			st.newCSRFNonce = true
		}
		st.csrfNonce = nonce
	}
	return st.m.anonymousSecret(nonce)
}

// anonymousSecret derives the CSRF secret of the nonce in a CSRF cookie.
func (m *Manager) anonymousSecret(nonce string) []byte {
	mac := hmac.New(sha256.New, m.csrfKey)
	mac.Write([]byte(nonce))
	return mac.Sum(nil)
}

// hostChanged reports whether the host put values into a session that
// does not exist yet, which the end of the request will create.
func (st *reqState) hostChanged() bool {
	return st.scsUsed.Load() && st.m.Status(st.ctx) == scs.Modified
}

// validNonce reports whether v has the form of a CSRF nonce.
func validNonce(v string) bool {
	if len(v) != base64.RawURLEncoding.EncodedLen(csrfNonceSize) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil
}

// csrfCookie renders the anonymous CSRF cookie, with the session cookie's
// attributes; it ends with the browser session.
func (m *Manager) csrfCookie(nonce string) string {
	ck := http.Cookie{
		Name:     m.csrfCookieName,
		Value:    nonce,
		Path:     "/",
		HttpOnly: true,
		Secure:   !m.cfg.InsecureCookies,
		SameSite: http.SameSiteLaxMode,
	}
	return ck.String()
}

// deriveCSRFKey is the key of anonymous CSRF secrets: separate from the
// sealing key it comes from, so neither use can stand in for the other.
func deriveCSRFKey(sealKey []byte) []byte {
	mac := hmac.New(sha256.New, sealKey)
	mac.Write([]byte("kakaologin anonymous csrf key v1"))
	return mac.Sum(nil)
}
