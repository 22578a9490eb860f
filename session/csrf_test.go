package session

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/store/storetest"
)

// Issue 11 point 6; SECURITY C67, C54: a CSRF secret for a browser without
// a session costs the store nothing — it comes from a nonce in a cookie
// with the session cookie's attributes — and stays the browser's secret
// when a session is created later, so a form rendered before still
// verifies.
func TestAnonymousCSRFWritesNothing(t *testing.T) {
	e := newEnv(t)
	var secret []byte
	e.r.GET("/form", func(c *gin.Context) { secret = e.m.CSRFSecret(c) })
	e.r.GET("/put", func(c *gin.Context) {
		e.m.Put(c.Request.Context(), "k", "v")
		secret = e.m.CSRFSecret(c)
	})
	e.r.GET("/late", func(c *gin.Context) {
		c.String(http.StatusOK, "started")
		secret = e.m.CSRFSecret(c)
	})
	csrfName := e.m.cfg.CookieName + "_csrf"
	get := func(path, cookies string) (*http.Response, []byte) {
		t.Helper()
		secret = nil
		return e.do(http.MethodGet, path, "", "Cookie", cookies), secret
	}
	writes := func() int {
		return e.faulty.Calls(storetest.Commit) + e.faulty.Calls(storetest.CompareAndSwap) + e.faulty.Calls(storetest.AddUserSession)
	}

	e.faulty.ResetCalls()
	res, first := get("/form", "")
	if len(first) != csrfSize {
		t.Fatalf("secret of %d bytes", len(first))
	}
	if n := writes(); n != 0 {
		t.Fatalf("%d store writes for an anonymous form", n)
	}
	if _, ok := sessionCookie(res, e.m.cfg.CookieName); ok {
		t.Fatal("a session cookie for an anonymous form")
	}
	var nonce string
	for _, ck := range res.Cookies() {
		if ck.Name == csrfName {
			nonce = ck.Value
			if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge != 0 {
				t.Errorf("CSRF cookie attributes: %+v", ck)
			}
		}
	}
	if nonce == "" || bytes.Contains(first, []byte(nonce)) {
		t.Fatalf("CSRF cookie %q", nonce)
	}

	// The same browser gets the same secret and no new cookie; another
	// browser another secret.
	res, again := get("/form", csrfName+"="+nonce)
	if !bytes.Equal(again, first) || len(res.Cookies()) != 0 {
		t.Fatalf("second page view: same secret %v, cookies %v", bytes.Equal(again, first), res.Cookies())
	}
	if _, other := get("/form", ""); bytes.Equal(other, first) {
		t.Fatal("two browsers share a secret")
	}
	for name, cookies := range map[string]string{
		"malformed":  csrfName + "=" + nonce[:10],
		"two values": csrfName + "=" + nonce + "; " + csrfName + "=" + nonce[1:] + "A",
	} {
		if _, got := get("/form", cookies); bytes.Equal(got, first) || len(got) != csrfSize {
			t.Errorf("%s CSRF cookie: secret adopted or missing", name)
		}
	}
	if n := writes(); n != 0 {
		t.Fatalf("%d store writes for anonymous page views", n)
	}

	// A session created later (here by a host value) keeps the secret.
	res, kept := get("/put", csrfName+"="+nonce)
	tok, ok := sessionCookie(res, e.m.cfg.CookieName)
	if !ok || !bytes.Equal(kept, first) {
		t.Fatalf("session created: cookie %v, same secret %v", ok, bytes.Equal(kept, first))
	}
	b, _ := e.stored(tok)
	if rec, err := scanRecord(b); err != nil || !bytes.Equal(rec.csrf, first) {
		t.Fatalf("stored secret differs from the anonymous one (%v)", err)
	}

	// Once the response has started, no cookie can be set: no secret.
	if _, late := get("/late", ""); late != nil {
		t.Fatal("a secret whose cookie could not be set")
	}
}
