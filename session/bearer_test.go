package session

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/store/storetest"
)

// bearerEnv adds API-client routes to an env: /api/signin starts a bearer
// session and logs it in, /api/me accepts bearer sessions, /api/logout
// ends one, /api/renew renews its token. /me (from newEnv) does not accept
// them.
func bearerEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	accept := func(c *gin.Context) {
		if err := e.m.AcceptBearer(c); err != nil {
			c.AbortWithStatus(http.StatusServiceUnavailable)
		}
	}
	e.r.POST("/api/signin", func(c *gin.Context) {
		if err := e.m.StartBearer(c); err != nil {
			c.String(http.StatusInternalServerError, "start: %v", err)
			return
		}
		if err := e.m.LogIn(c, typicalLogin(), typicalTokens()); err != nil {
			c.String(http.StatusInternalServerError, "login: %v", err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"session_token": e.m.BearerToken(c)})
	})
	e.r.GET("/api/me", accept, func(c *gin.Context) {
		l, ok := e.m.Current(c)
		if !ok {
			c.JSON(http.StatusUnauthorized, gin.H{"error": "anonymous", "refused": e.m.BearerRefused(c)})
			return
		}
		ts, err := e.m.Tokens(c)
		if err != nil {
			c.String(http.StatusInternalServerError, "tokens: %v", err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"kakao_id": l.KakaoID, "access": ts.AccessToken == typicalTokens().AccessToken, "csrf": e.m.CSRFSecret(c) != nil})
	})
	e.r.POST("/api/logout", accept, func(c *gin.Context) {
		if err := e.m.LogOut(c); err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.Status(http.StatusNoContent)
	})
	e.r.POST("/api/renew", accept, func(c *gin.Context) {
		if err := e.m.RenewToken(c); err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.Status(http.StatusNoContent)
	})
	e.r.GET("/api/put", accept, func(c *gin.Context) {
		e.m.Put(c.Request.Context(), "k", "v")
		c.Status(http.StatusNoContent)
	})
	return e
}

// bearerSignIn signs in through /api/signin and returns the session token.
func (e *env) bearerSignIn(cookie string) string {
	e.t.Helper()
	res := e.do(http.MethodPost, "/api/signin", cookie)
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("signin: %d %s", res.StatusCode, body(res))
	}
	if len(res.Header.Values("Set-Cookie")) != 0 {
		e.t.Fatalf("a bearer sign-in set cookies: %q", res.Header.Values("Set-Cookie"))
	}
	tok := res.Header.Get(BearerTokenHeader)
	if !validToken(tok) {
		e.t.Fatalf("signin: no session token in %s", BearerTokenHeader)
	}
	return tok
}

func TestBearerSessionWorksWhereAccepted(t *testing.T) {
	e := bearerEnv(t)
	tok := e.bearerSignIn("")
	res := e.do(http.MethodGet, "/api/me", "", "Authorization", "Bearer "+tok)
	if got := body(res); res.StatusCode != http.StatusOK || got != `{"access":true,"csrf":false,"kakao_id":3141592653}` {
		t.Fatalf("GET /api/me with the bearer token: %d %s", res.StatusCode, got)
	}
	if len(res.Header.Values("Set-Cookie")) != 0 || res.Header.Get(BearerTokenHeader) != "" {
		t.Fatalf("a read-only bearer request set a cookie or a new token: %v", res.Header)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
	}
}

func TestBearerTokenIgnoredOnCookieOnlyRoute(t *testing.T) {
	e := bearerEnv(t)
	tok := e.bearerSignIn("")
	res := e.do(http.MethodGet, "/me", "", "Authorization", "Bearer "+tok)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("cookie-only route with a bearer token: %d, want the anonymous 401", res.StatusCode)
	}
	// A browser cookie that comes along with a bearer token is not used
	// either: the request is an API client's.
	cookie := e.login()
	res = e.do(http.MethodGet, "/me", cookie, "Authorization", "Bearer "+tok)
	if res.StatusCode != http.StatusUnauthorized || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("cookie plus bearer token on a cookie-only route: %d %v", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	res = e.do(http.MethodGet, "/api/me", "", "Authorization", "Bearer "+tok)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the token stopped working: %d", res.StatusCode)
	}
}

func TestBearerMalformedOrUnknownTokenIsAnonymous(t *testing.T) {
	e := bearerEnv(t)
	for _, h := range []string{"Bearer ", "Bearer abc", "bearer " + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Bearer " + string(make([]byte, 5000))} {
		res := e.do(http.MethodGet, "/api/me", "", "Authorization", h)
		if res.StatusCode != http.StatusUnauthorized || len(res.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("Authorization %.20q: %d %v", h, res.StatusCode, res.Header.Values("Set-Cookie"))
		}
	}
	// Writing host values in a bearer request without a session creates
	// no session nobody could name.
	e.faulty.ResetCalls()
	res := e.do(http.MethodGet, "/api/put", "", "Authorization", "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	writes := e.faulty.Calls(storetest.Commit) + e.faulty.Calls(storetest.CompareAndSwap) + e.faulty.Calls(storetest.AddUserSession)
	if res.StatusCode != http.StatusNoContent || writes != 0 || res.Header.Get(BearerTokenHeader) != "" {
		t.Fatalf("anonymous bearer request stored a session: %d, %d writes", res.StatusCode, writes)
	}
}

func TestBearerSignInLeavesBrowserSessionAlone(t *testing.T) {
	e := bearerEnv(t)
	cookie := e.login()
	tok := e.bearerSignIn(cookie)
	if tok == cookie {
		t.Fatal("the bearer sign-in reused the browser's session")
	}
	if res := e.do(http.MethodGet, "/me", cookie); res.StatusCode != http.StatusOK {
		t.Fatalf("the browser session ended: %d", res.StatusCode)
	}
}

func TestBearerRenewalSendsNewToken(t *testing.T) {
	e := bearerEnv(t)
	tok := e.bearerSignIn("")
	res := e.do(http.MethodPost, "/api/renew", "", "Authorization", "Bearer "+tok)
	nt := res.Header.Get(BearerTokenHeader)
	if res.StatusCode != http.StatusNoContent || !validToken(nt) || nt == tok || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("renew: %d, new token %v, cookies %v", res.StatusCode, nt != "", res.Header.Values("Set-Cookie"))
	}
	if res := e.do(http.MethodGet, "/api/me", "", "Authorization", "Bearer "+tok); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the old token still works: %d", res.StatusCode)
	}
	if res := e.do(http.MethodGet, "/api/me", "", "Authorization", "Bearer "+nt); res.StatusCode != http.StatusOK {
		t.Fatalf("the new token does not work: %d", res.StatusCode)
	}
}

func TestBearerSessionEnds(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(e *env, tok string)
	}{
		{"logout", func(e *env, tok string) {
			if res := e.do(http.MethodPost, "/api/logout", "", "Authorization", "Bearer "+tok); res.StatusCode != http.StatusNoContent {
				t.Fatalf("logout: %d", res.StatusCode)
			}
		}},
		{"revoke kakao user", func(e *env, _ string) {
			if n, err := e.m.RevokeKakaoUser(context.Background(), typicalLogin().KakaoID); err != nil || n == 0 {
				t.Fatalf("RevokeKakaoUser: %d %v", n, err)
			}
		}},
		{"revoke host user", func(e *env, _ string) {
			if n, err := e.m.RevokeHostUser(context.Background(), typicalLogin().UserID); err != nil || n == 0 {
				t.Fatalf("RevokeHostUser: %d %v", n, err)
			}
		}},
		{"idle timeout", func(e *env, _ string) { e.clock.Advance(DefaultIdleTimeout + time.Second) }},
		{"absolute timeout", func(e *env, tok string) {
			for range int(DefaultLifetime/(DefaultIdleTimeout/2)) + 1 {
				e.clock.Advance(DefaultIdleTimeout / 2)
				e.do(http.MethodGet, "/api/me", "", "Authorization", "Bearer "+tok)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := bearerEnv(t)
			tok := e.bearerSignIn("")
			tc.end(e, tok)
			res := e.do(http.MethodGet, "/api/me", "", "Authorization", "Bearer "+tok)
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("after %s the bearer session still works: %d", tc.name, res.StatusCode)
			}
		})
	}
}

func TestBearerTokenHeaderParsing(t *testing.T) {
	for _, tc := range []struct {
		hdr    []string
		tok    string
		bearer bool
	}{
		{nil, "", false},
		{[]string{"Basic dXNlcjpwYXNz"}, "", false},
		{[]string{"Bearer abc"}, "abc", true},
		{[]string{"bEaReR  abc "}, "abc", true},
		{[]string{"Bearer"}, "", false},
		{[]string{"Bearer a", "Bearer b"}, "", true},
	} {
		h := http.Header{}
		for _, v := range tc.hdr {
			h.Add("Authorization", v)
		}
		tok, ok := bearerToken(h)
		if tok != tc.tok || ok != tc.bearer {
			t.Errorf("%q: (%q, %v), want (%q, %v)", tc.hdr, tok, ok, tc.tok, tc.bearer)
		}
	}
}

func FuzzBearerToken(f *testing.F) {
	f.Add("Bearer abc")
	f.Add("bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("Basic x")
	f.Fuzz(func(t *testing.T, v string) {
		tok, ok := bearerToken(http.Header{"Authorization": {v}})
		if !ok && tok != "" {
			t.Fatalf("not a bearer header but token %q", tok)
		}
		if ok && len(tok) > len(v) {
			t.Fatal("token longer than the header")
		}
	})
}

// A middleware that asks for the login before the route accepts bearer
// sessions (as the example's notice middleware does) must not leave the
// route seeing the anonymous answer it got.
func TestBearerAcceptedAfterAnEarlierCurrent(t *testing.T) {
	e := bearerEnv(t)
	tok := e.bearerSignIn("")
	e.r.GET("/early/me", func(c *gin.Context) {
		if _, ok := e.m.Current(c); ok {
			t.Error("logged in before AcceptBearer")
		}
		if _, err := e.m.Tokens(c); err == nil {
			t.Error("tokens before AcceptBearer")
		}
	}, func(c *gin.Context) {
		if err := e.m.AcceptBearer(c); err != nil {
			c.AbortWithStatus(http.StatusServiceUnavailable)
			return
		}
		l, ok := e.m.Current(c)
		if !ok {
			c.Status(http.StatusUnauthorized)
			return
		}
		if _, err := e.m.Tokens(c); err != nil {
			c.String(http.StatusInternalServerError, "tokens: %v", err)
			return
		}
		c.String(http.StatusOK, "%d", l.KakaoID)
	})
	res := e.do(http.MethodGet, "/early/me", "", "Authorization", "Bearer "+tok)
	if got := body(res); res.StatusCode != http.StatusOK || got != "3141592653" {
		t.Fatalf("after an early Current: %d %s", res.StatusCode, got)
	}
}
