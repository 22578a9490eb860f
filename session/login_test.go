package session

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// SECURITY C56, C26: login renews the token; the old one is dead and
// cannot be saved again.
func TestLogInRenewsToken(t *testing.T) {
	e := newEnv(t)
	e.r.GET("/anon", func(c *gin.Context) {
		if err := e.m.AddFlow(c, Flow{StateHash: "planted", Purpose: "login"}); err != nil {
			t.Error(err)
		}
	})
	planted, _ := sessionCookie(e.do(http.MethodGet, "/anon", ""), e.m.cfg.CookieName)
	if planted == "" {
		t.Fatal("no anonymous session")
	}
	res := e.do(http.MethodPost, "/login", planted)
	fresh, set := sessionCookie(res, e.m.cfg.CookieName)
	if !set || fresh == "" || fresh == planted {
		t.Fatalf("login kept the planted token (new %q)", fresh)
	}
	if _, found := e.stored(planted); found {
		t.Fatal("old token still in the store")
	}
	_, err := e.mem.CompareAndSwap(context.Background(), hashToken(planted), nil, []byte("x"), time.Now().Add(time.Hour))
	if !errors.Is(err, store.ErrRevoked) {
		t.Fatalf("old token not revoked: %v", err)
	}
	if res := e.do(http.MethodGet, "/me", planted); res.StatusCode != http.StatusUnauthorized {
		t.Fatal("old token still logged in")
	}
	if res := e.do(http.MethodGet, "/me", fresh); res.StatusCode != http.StatusOK {
		t.Fatal("new token not logged in")
	}
	ids, err := e.mem.UserSessions(context.Background(), kakaoIndex(typicalLogin().KakaoID))
	if err != nil || len(ids) != 1 || ids[0] != hashToken(fresh) {
		t.Fatalf("Kakao index %v (%v), want only the new token's hash", ids, err)
	}
	if ids, _ := e.mem.UserSessions(context.Background(), hostIndex(typicalLogin().UserID)); len(ids) != 1 {
		t.Fatalf("host index %v", ids)
	}
}

func TestLoginRoundTrip(t *testing.T) {
	e := newEnv(t)
	var got *Login
	var gotTokens *TokenSet
	e.r.GET("/read", func(c *gin.Context) {
		got, _ = e.m.Current(c)
		gotTokens, _ = e.m.Tokens(c)
	})
	tok := e.login()
	e.do(http.MethodGet, "/read", tok)
	if want := typicalLogin(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Login = %+v\nwant    %+v", got, want)
	}
	if want := typicalTokens(); !reflect.DeepEqual(gotTokens, want) {
		t.Fatalf("Tokens = %+v\nwant     %+v", gotTokens, want)
	}
}

func TestRenewTokenAndLogOut(t *testing.T) {
	e := newEnv(t)
	e.r.POST("/renew", func(c *gin.Context) {
		if err := e.m.RenewToken(c); err != nil {
			c.Status(http.StatusConflict)
		}
	})
	tok := e.login()
	res := e.do(http.MethodPost, "/renew", tok)
	renewed, _ := sessionCookie(res, e.m.cfg.CookieName)
	if renewed == "" || renewed == tok {
		t.Fatalf("RenewToken gave %q", renewed)
	}
	if e.do(http.MethodGet, "/me", tok).StatusCode != http.StatusUnauthorized ||
		e.do(http.MethodGet, "/me", renewed).StatusCode != http.StatusOK {
		t.Fatal("renewal did not move the login to the new token only")
	}
	// SECURITY C58, C75: logout deletes server-side, clears the cookie, is idempotent.
	res = e.do(http.MethodPost, "/logout", renewed)
	if v, set := sessionCookie(res, e.m.cfg.CookieName); !set || v != "" {
		t.Fatal("logout did not clear the cookie")
	}
	if _, found := e.stored(renewed); found {
		t.Fatal("session still stored after logout")
	}
	if e.do(http.MethodGet, "/me", renewed).StatusCode != http.StatusUnauthorized {
		t.Fatal("replayed cookie still logged in")
	}
	if res := e.do(http.MethodPost, "/logout", renewed); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second logout: %d", res.StatusCode)
	}
	if ids, _ := e.mem.UserSessions(context.Background(), kakaoIndex(typicalLogin().KakaoID)); len(ids) != 0 {
		t.Fatalf("index still lists %v after logout", ids)
	}
}

// SECURITY C60, R18: request A loads the session and is slow; meanwhile
// B ends it (logout, RevokeKakaoUser, RevokeHostUser). When A finishes it
// must not bring the session back, whether it saves a change or only the
// idle-deadline touch.
func TestDestroyedStaysDestroyed(t *testing.T) {
	enders := map[string]func(e *env, tok string){
		"logout": func(e *env, tok string) { e.do(http.MethodPost, "/logout", tok) },
		"RevokeKakaoUser": func(e *env, _ string) {
			if n, err := e.m.RevokeKakaoUser(context.Background(), typicalLogin().KakaoID); err != nil || n != 1 {
				e.t.Errorf("RevokeKakaoUser = %d, %v", n, err)
			}
		},
		"RevokeHostUser": func(e *env, _ string) {
			if n, err := e.m.RevokeHostUser(context.Background(), typicalLogin().UserID); err != nil || n != 1 {
				e.t.Errorf("RevokeHostUser = %d, %v", n, err)
			}
		},
	}
	slow := map[string]func(e *env, c *gin.Context){
		"touch only":      func(*env, *gin.Context) {},
		"deferred change": func(e *env, c *gin.Context) { e.m.CSRFSecret(c) },
		"host value":      func(e *env, c *gin.Context) { e.m.Put(c.Request.Context(), "k", "v") },
		"SetTokens": func(e *env, c *gin.Context) {
			if err := e.m.SetTokens(c, typicalTokens()); !errors.Is(err, ErrNotLoggedIn) {
				e.t.Errorf("SetTokens of an ended session: %v", err)
			}
		},
		"RenewToken": func(e *env, c *gin.Context) {
			if err := e.m.RenewToken(c); !errors.Is(err, ErrNotLoggedIn) {
				e.t.Errorf("RenewToken of an ended session: %v", err)
			}
		},
	}
	for en, end := range enders {
		for sn, act := range slow {
			t.Run(en+"/"+sn, func(t *testing.T) {
				e := newEnv(t)
				loaded, release := make(chan struct{}), make(chan struct{})
				var stillLoggedIn bool
				e.r.GET("/slow", func(c *gin.Context) {
					close(loaded)
					<-release
					act(e, c)
					_, stillLoggedIn = e.m.Current(c)
					c.String(http.StatusOK, "done")
				})
				tok := e.login()
				e.clock.Advance(2 * time.Minute) // touch due for A
				var res *http.Response
				var wg sync.WaitGroup
				wg.Add(1)
				go func() { defer wg.Done(); res = e.do(http.MethodGet, "/slow", tok) }()
				<-loaded
				end(e, tok)
				close(release)
				wg.Wait()
				if _, found := e.stored(tok); found {
					t.Fatal("ended session is back in the store")
				}
				if e.do(http.MethodGet, "/me", tok).StatusCode != http.StatusUnauthorized {
					t.Fatal("old cookie logged in again")
				}
				// The ended session's cookie is left alone (another request of the
				// browser may have set a newer one); it names nothing any more.
				if newTok, set := sessionCookie(res, e.m.cfg.CookieName); set && newTok != "" {
					if e.do(http.MethodGet, "/me", newTok).StatusCode != http.StatusUnauthorized {
						t.Fatal("slow request moved the login to a new session")
					}
				}
				// A host value is saved by scs before the first byte, after the
				// handler; SetTokens and RenewToken save at once.
				if (sn == "SetTokens" || sn == "RenewToken") && stillLoggedIn {
					t.Error("handler still saw a login after its save found the session ended")
				}
			})
		}
	}
}

// SECURITY R26: the app's clock and the store's disagree by 5 minutes.
// Sessions end a little earlier or later, but an ended one never returns.
func TestClockSkewNeverResurrects(t *testing.T) {
	for _, skew := range []time.Duration{-5 * time.Minute, 5 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			e := newEnv(t)
			appNow := func() time.Time { return e.clock.Now().Add(skew) }
			m, err := New(e.faulty, Config{SealKeys: [][]byte{testKey}, Now: appNow, Logger: e.m.log})
			if err != nil {
				t.Fatal(err)
			}
			e.m = m
			r := gin.New()
			r.Use(m.Middleware())
			r.POST("/login", func(c *gin.Context) { _ = m.LogIn(c, typicalLogin(), nil) })
			r.POST("/logout", func(c *gin.Context) { _ = m.LogOut(c) })
			r.GET("/me", func(c *gin.Context) {
				if _, ok := m.Current(c); !ok {
					c.Status(http.StatusUnauthorized)
				}
			})
			e.r = r
			res := e.do(http.MethodPost, "/login", "")
			tok, _ := sessionCookie(res, m.cfg.CookieName)
			e.clock.Advance(20 * time.Minute)
			if e.do(http.MethodGet, "/me", tok).StatusCode != http.StatusOK {
				t.Fatal("a 5-minute skew ended a 20-minute-idle session")
			}
			e.do(http.MethodPost, "/logout", tok)
			for _, d := range []time.Duration{time.Minute, 10 * time.Minute, 50 * time.Minute} {
				e.clock.Advance(d)
				if e.do(http.MethodGet, "/me", tok).StatusCode != http.StatusUnauthorized {
					t.Fatalf("session back %v after logout", d)
				}
			}
		})
	}
}

// SECURITY R27 (and R13): the store lost every session (memory store
// restarted, keys evicted): users are anonymous, with no new session made
// for them and nothing written. The stale cookie is left alone (see
// TestStaleCookieNotCleared).
func TestStoreRestartLogsOutCleanly(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	e2 := newEnv(t) // same config, new empty store
	res := e2.do(http.MethodGet, "/me", tok)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d", res.StatusCode)
	}
	if v, set := sessionCookie(res, e2.m.cfg.CookieName); set {
		t.Fatalf("Set-Cookie %q for a stale cookie", v)
	}
	if n := e2.faulty.Calls(storetest.Commit) + e2.faulty.Calls(storetest.CompareAndSwap); n != 0 {
		t.Fatalf("%d writes for an anonymous request", n)
	}
}

// A request that carried the token a concurrent request of the same
// browser has just renewed (a login in another tab, a double-clicked
// callback) must not clear the cookie: the browser would apply the clear
// after the new cookie and be logged out. Only a request that ends the
// session it holds, or a malformed cookie, clears it.
func TestStaleCookieNotCleared(t *testing.T) {
	e := newEnv(t)
	old := e.login()
	e.r.POST("/renew", func(c *gin.Context) {
		if err := e.m.RenewToken(c); err != nil {
			c.String(http.StatusInternalServerError, "renew: %v", err)
		}
	})
	loaded, release := make(chan struct{}), make(chan struct{})
	e.r.GET("/slow", func(c *gin.Context) {
		close(loaded)
		<-release
		c.String(http.StatusOK, "done")
	})
	var slow *http.Response
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); slow = e.do(http.MethodGet, "/slow", old) }()
	<-loaded
	renewed := e.do(http.MethodPost, "/renew", old)
	newTok, set := sessionCookie(renewed, e.m.cfg.CookieName)
	if !set || newTok == "" || newTok == old {
		t.Fatalf("renewal: Set-Cookie %q", newTok)
	}
	close(release)
	wg.Wait()
	if v, set := sessionCookie(slow, e.m.cfg.CookieName); set {
		t.Fatalf("a request with the renewed token sent Set-Cookie %q", v)
	}
	// Arriving after the renewal, with the old token: still no clear.
	if v, set := sessionCookie(e.do(http.MethodGet, "/me", old), e.m.cfg.CookieName); set {
		t.Fatalf("a request with the old token sent Set-Cookie %q", v)
	}
	if e.do(http.MethodGet, "/me", newTok).StatusCode != http.StatusOK {
		t.Fatal("the renewed session is not logged in")
	}
	// Logging out with a stale cookie, and a malformed cookie, clear it.
	for name, tok := range map[string]string{"logout": old, "malformed": "not a token"} {
		method, path := http.MethodPost, "/logout"
		if name == "malformed" {
			method, path = http.MethodGet, "/me"
		}
		if v, set := sessionCookie(e.do(method, path, tok), e.m.cfg.CookieName); !set || v != "" {
			t.Errorf("%s: Set-Cookie %q, set %v; want a clear", name, v, set)
		}
	}
}

// Changes made in one request are visible to the same request at once.
func TestChangesVisibleInSameRequest(t *testing.T) {
	e := newEnv(t)
	e.r.POST("/both", func(c *gin.Context) {
		e.m.Put(c.Request.Context(), "cart", "link:42")
		csrf := e.m.CSRFSecret(c)
		if err := e.m.LogIn(c, typicalLogin(), nil); err != nil {
			t.Error(err)
		}
		if l, ok := e.m.Current(c); !ok || l.KakaoID != typicalLogin().KakaoID {
			t.Error("login not visible after LogIn")
		}
		if v := e.m.GetString(c.Request.Context(), "cart"); v != "link:42" {
			t.Errorf("host value lost by LogIn: %q", v)
		}
		if string(e.m.CSRFSecret(c)) == string(csrf) {
			t.Error("LogIn kept the pre-login CSRF secret")
		}
		if _, err := e.m.Tokens(c); !errors.Is(err, ErrNoTokens) {
			t.Errorf("Tokens without tokens: %v", err)
		}
	})
	res := e.do(http.MethodPost, "/both", "")
	if tok, _ := sessionCookie(res, e.m.cfg.CookieName); e.do(http.MethodGet, "/me", tok).StatusCode != http.StatusOK {
		t.Fatal("not logged in afterwards")
	}
}

func TestLogInAfterResponseStarted(t *testing.T) {
	e := newEnv(t)
	var err error
	e.r.GET("/late", func(c *gin.Context) {
		c.String(http.StatusOK, "body first")
		err = e.m.LogIn(c, typicalLogin(), nil)
	})
	e.do(http.MethodGet, "/late", "")
	if !errors.Is(err, ErrHeadersWritten) {
		t.Fatalf("LogIn after the first byte: %v", err)
	}
}

// TestRenewRacingRevokeUser is R18 and C61 for the narrowest window: a
// RevokeKakaoUser that reads the user index after RenewToken made the new
// token but before it was indexed. Either the revocation finds the new
// token or the renewal notices the old one was revoked; the session never
// survives under the new token.
func TestRenewRacingRevokeUser(t *testing.T) {
	e := newEnv(t)
	hold := make(chan struct{})
	e.r.POST("/renew", func(c *gin.Context) {
		if err := e.m.RenewToken(c); err != nil {
			c.String(http.StatusConflict, "%v", err)
		}
	})
	tok := e.login()
	// Hold the renewal at its first index write (the new token exists,
	// nothing about it is stored yet).
	e.faulty.Set(storetest.AddUserSession, storetest.Fault{Wait: hold, Times: 1})
	e.faulty.ResetCalls()
	done := make(chan *http.Response)
	go func() { done <- e.do(http.MethodPost, "/renew", tok) }()
	for e.faulty.Calls(storetest.AddUserSession) == 0 {
		time.Sleep(time.Millisecond)
	}
	n, err := e.m.RevokeKakaoUser(context.Background(), typicalLogin().KakaoID)
	if err != nil || n != 1 {
		t.Fatalf("RevokeKakaoUser = %d, %v; want the old token", n, err)
	}
	close(hold)
	res := <-done
	renewed, _ := sessionCookie(res, e.m.cfg.CookieName)
	for _, c := range []string{tok, renewed} {
		if c == "" {
			continue
		}
		if e.do(http.MethodGet, "/me", c).StatusCode != http.StatusUnauthorized {
			t.Fatalf("session survived a concurrent RevokeKakaoUser under token %.6s… (renew answered %d)", c, res.StatusCode)
		}
	}
}
