package session

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
)

// A pending signup is a state of the session, never a login: Current is
// false while it lasts, the pending identity's tokens are kept, and LogIn
// clears it. Both changes renew the session token.
func TestPendingIsNotALogin(t *testing.T) {
	e := newEnv(t)
	e.r.POST("/hold", func(c *gin.Context) {
		p := &Pending{Kind: PendingSignup, Login: *typicalLogin(), Email: "ryan@example.com", EmailVerified: true}
		if err := e.m.HoldPending(c, p, typicalTokens()); err != nil {
			c.String(http.StatusInternalServerError, "%v", err)
			return
		}
		c.Status(http.StatusNoContent)
	})
	e.r.GET("/state", func(c *gin.Context) {
		_, loggedIn := e.m.Current(c)
		p, pending := e.m.Pending(c)
		ts, err := e.m.Tokens(c)
		out := gin.H{"logged_in": loggedIn, "pending": pending, "tokens": err == nil && ts.RefreshToken == typicalTokens().RefreshToken}
		if pending {
			out["kind"], out["user"], out["email"] = p.Kind, p.Login.UserID, p.Email
		}
		c.JSON(http.StatusOK, out)
	})
	state := func(tok string) map[string]any {
		t.Helper()
		var out map[string]any
		if err := json.Unmarshal([]byte(body(e.do(http.MethodGet, "/state", tok))), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	anon, _ := sessionCookie(e.do(http.MethodPost, "/hold", ""), e.m.cfg.CookieName)
	if anon == "" {
		t.Fatal("HoldPending set no cookie")
	}
	got := state(anon)
	if got["logged_in"] != false || got["pending"] != true || got["tokens"] != true || got["kind"] != PendingSignup || got["user"] != "" || got["email"] != "ryan@example.com" {
		t.Fatalf("pending session: %v", got)
	}
	res := e.do(http.MethodPost, "/login", anon)
	tok, _ := sessionCookie(res, e.m.cfg.CookieName)
	if tok == "" || tok == anon {
		t.Fatal("LogIn did not renew the token")
	}
	if got := state(tok); got["logged_in"] != true || got["pending"] != false {
		t.Fatalf("after LogIn: %v", got)
	}
	if got := state(anon); got["pending"] == true || got["logged_in"] == true {
		t.Fatalf("the pending token still works: %v", got)
	}
	e.clock.Advance(PendingLifetime) // a pending state lapses on its own
	e.r.POST("/hold-again", func(c *gin.Context) {
		if err := e.m.HoldPending(c, &Pending{Kind: PendingProof, Login: Login{KakaoID: 7}}, nil); err != nil {
			t.Error(err)
		}
	})
	again, _ := sessionCookie(e.do(http.MethodPost, "/hold-again", ""), e.m.cfg.CookieName)
	e.clock.Advance(PendingLifetime)
	if got := state(again); got["pending"] != false || got["logged_in"] != false {
		t.Fatalf("expired pending state: %v", got)
	}
}

// No lost update (issue 10). A request that loaded the session before a
// concurrent token refresh, and changes a host value after it, commits the
// whole scs record last; the rotated refresh token lives in its own side
// record and survives.
func TestStaleCommitKeepsRefreshedTokens(t *testing.T) {
	e := newEnv(t)
	loaded, release := make(chan struct{}), make(chan struct{})
	e.r.POST("/slow", func(c *gin.Context) {
		close(loaded)
		<-release
		e.m.Put(c.Request.Context(), "cart", "3 items")
		c.Status(http.StatusNoContent)
	})
	e.r.POST("/refresh", func(c *gin.Context) {
		ts := *typicalTokens()
		ts.RefreshToken = "rotated"
		if err := e.m.SetTokens(c, &ts); err != nil {
			t.Error(err)
		}
	})
	e.r.GET("/tokens", func(c *gin.Context) {
		ts, err := e.m.Tokens(c)
		if err != nil {
			c.String(http.StatusOK, "%v", err)
			return
		}
		c.String(http.StatusOK, "%s %s", ts.RefreshToken, e.m.GetString(c.Request.Context(), "cart"))
	})
	tok := e.login()
	done := make(chan struct{})
	go func() { defer close(done); e.do(http.MethodPost, "/slow", tok) }()
	<-loaded
	e.do(http.MethodPost, "/refresh", tok)
	close(release)
	<-done
	if got := body(e.do(http.MethodGet, "/tokens", tok)); got != "rotated 3 items" {
		t.Fatalf("after a stale commit: %q, want the rotated refresh token and the host value", got)
	}
}

// Host values live beside the login with scs's own API, survive LogIn
// and go with LogOut; a flash message is read once.
func TestHostValues(t *testing.T) {
	e := newEnv(t)
	e.r.POST("/flash", func(c *gin.Context) { e.m.Put(c.Request.Context(), "flash", "saved") })
	e.r.GET("/flash", func(c *gin.Context) { c.String(http.StatusOK, "%q", e.m.PopString(c.Request.Context(), "flash")) })
	tok, _ := sessionCookie(e.do(http.MethodPost, "/flash", ""), e.m.cfg.CookieName)
	if tok == "" {
		t.Fatal("a host value set no cookie")
	}
	res := e.do(http.MethodPost, "/login", tok)
	tok, _ = sessionCookie(res, e.m.cfg.CookieName)
	if got := body(e.do(http.MethodGet, "/flash", tok)); got != `"saved"` {
		t.Fatalf("flash after LogIn: %s", got)
	}
	if got := body(e.do(http.MethodGet, "/flash", tok)); got != `""` {
		t.Fatalf("flash read twice: %s", got)
	}
	e.do(http.MethodPost, "/flash", tok)
	e.do(http.MethodPost, "/logout", tok)
	if got := body(e.do(http.MethodGet, "/flash", tok)); got != `""` {
		t.Fatalf("flash after LogOut: %s", got)
	}
}

// TestHostValueThroughADerivedContext: a host value put with a context
// derived from the request's (as middleware and handlers make them) is
// saved too; a request that only reads the login changes nothing.
func TestHostValueThroughADerivedContext(t *testing.T) {
	e := newEnv(t)
	type traceKey struct{}
	e.r.POST("/cart", func(c *gin.Context) {
		ctx := context.WithValue(c.Request.Context(), traceKey{}, "t-1")
		e.m.Put(ctx, "cart", "apple")
	})
	e.r.GET("/cart", func(c *gin.Context) { c.String(http.StatusOK, "%s", e.m.GetString(c.Request.Context(), "cart")) })
	tok := e.login()
	before, _ := e.stored(tok)
	e.do(http.MethodGet, "/me", tok)
	if after, _ := e.stored(tok); string(after) != string(before) {
		t.Fatal("a read-only request rewrote the session")
	}
	e.do(http.MethodPost, "/cart", tok)
	if got := body(e.do(http.MethodGet, "/cart", tok)); got != "apple" {
		t.Fatalf("cart = %q after a Put through a derived context", got)
	}
}
