package session

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// Every way a Gin handler can start a response must carry the session
// cookie in the header actually sent (SECURITY C62, C54). The handlers
// make a deferred change (CSRF secret) on an anonymous request, so the
// session is only saved by the middleware's pre-first-byte hook.
func TestCookieBeforeFirstByte(t *testing.T) {
	kinds := []struct {
		name   string
		status int
		h      func(c *gin.Context)
	}{
		{"redirect", http.StatusFound, func(c *gin.Context) { c.Redirect(http.StatusFound, "/next") }},
		{"JSON", http.StatusOK, func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) }},
		{"String", http.StatusCreated, func(c *gin.Context) { c.String(http.StatusCreated, "made") }},
		{"Data", http.StatusOK, func(c *gin.Context) { c.Data(http.StatusOK, "application/octet-stream", []byte{1, 2}) }},
		{"stream with Flush", http.StatusOK, func(c *gin.Context) {
			n := 0
			c.Stream(func(w io.Writer) bool {
				n++
				_, _ = w.Write([]byte("chunk"))
				return n < 3
			})
		}},
		{"Flush before any write", http.StatusOK, func(c *gin.Context) { c.Writer.Flush(); _, _ = c.Writer.WriteString("late") }},
		{"AbortWithStatus", http.StatusUnauthorized, func(c *gin.Context) { c.AbortWithStatus(http.StatusUnauthorized) }},
		{"Status and WriteHeaderNow", http.StatusNoContent, func(c *gin.Context) { c.Status(http.StatusNoContent); c.Writer.WriteHeaderNow() }},
		{"WriteString without WriteHeader", http.StatusOK, func(c *gin.Context) { _, _ = c.Writer.WriteString("plain") }},
		{"handler writes nothing", http.StatusOK, func(c *gin.Context) {}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			e := newEnv(t)
			var secret []byte
			e.r.GET("/x", func(c *gin.Context) {
				e.m.Put(c.Request.Context(), "k", "v") // a session to save
				secret = e.m.CSRFSecret(c)
				k.h(c)
			})
			res := e.do(http.MethodGet, "/x", "")
			if res.StatusCode != k.status {
				t.Fatalf("status %d, want %d", res.StatusCode, k.status)
			}
			tok, ok := sessionCookie(res, e.m.cfg.CookieName)
			if !ok || !validToken(tok) {
				t.Fatalf("no session cookie in the header sent with the first byte: %v", res.Header)
			}
			b, found := e.stored(tok)
			if !found {
				t.Fatal("cookie sent for a session the store does not hold")
			}
			rec, err := scanRecord(b)
			if err != nil || !bytes.Equal(rec.csrf, secret) {
				t.Fatalf("stored CSRF secret differs from the one handed out (err %v)", err)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store (C64)", got)
			}
		})
	}
}

// An immediate change (AddFlow) before a redirect: the cookie for the new
// session goes out with the redirect (R9's happy path).
func TestAddFlowThenRedirectSetsCookie(t *testing.T) {
	e := newEnv(t)
	e.r.GET("/start", func(c *gin.Context) {
		if err := e.m.AddFlow(c, Flow{StateHash: "s1", Purpose: "login"}); err != nil {
			c.String(http.StatusServiceUnavailable, "no")
			return
		}
		c.Redirect(http.StatusFound, "https://kauth.kakao.com/oauth/authorize")
	})
	res := e.do(http.MethodGet, "/start", "")
	tok, ok := sessionCookie(res, e.m.cfg.CookieName)
	if res.StatusCode != http.StatusFound || !ok {
		t.Fatalf("status %d, cookie set %v", res.StatusCode, ok)
	}
	if _, found := e.stored(tok); !found {
		t.Fatal("flow session not stored")
	}
}

// SECURITY C54: cookie attributes after login, for each cookie mode.
func TestCookieAttributes(t *testing.T) {
	cases := []struct {
		name       string
		mod        func(*Config)
		wantName   string
		wantSecure bool
		persistent bool
	}{
		{"default is Secure __Host- session cookie", func(*Config) {}, "__Host-kakaologin", true, false},
		{"Persist sets Max-Age", func(c *Config) { c.Persist = true }, "__Host-kakaologin", true, true},
		{"InsecureCookies for http development", func(c *Config) { c.InsecureCookies = true }, "kakaologin", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.mod)
			res := e.do(http.MethodPost, "/login", "")
			raw := res.Header.Values("Set-Cookie")
			if len(raw) != 1 {
				t.Fatalf("Set-Cookie %q, want exactly one", raw)
			}
			ck, err := http.ParseSetCookie(raw[0])
			if err != nil {
				t.Fatal(err)
			}
			lower := strings.ToLower(raw[0])
			switch {
			case ck.Name != tc.wantName:
				t.Errorf("name %q, want %q", ck.Name, tc.wantName)
			case !ck.HttpOnly:
				t.Error("not HttpOnly")
			case ck.SameSite != http.SameSiteLaxMode:
				t.Errorf("SameSite %v, want Lax", ck.SameSite)
			case ck.Secure != tc.wantSecure:
				t.Errorf("Secure %v, want %v", ck.Secure, tc.wantSecure)
			case ck.Path != "/":
				t.Errorf("Path %q, want /", ck.Path)
			case ck.Domain != "" || strings.Contains(lower, "domain="):
				t.Errorf("Domain set: %q", raw[0])
			case tc.persistent != (ck.MaxAge > 0):
				t.Errorf("Max-Age %d, persistent want %v", ck.MaxAge, tc.persistent)
			case len(ck.Value) != 43:
				t.Errorf("token %q is not 43 characters", ck.Value)
			}
			if tc.persistent && ck.MaxAge > int((12*time.Hour).Seconds()) {
				t.Errorf("Max-Age %d beyond the absolute lifetime", ck.MaxAge)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	mem := storetest.NewFaulty(nil)
	cases := map[string]Config{
		"no seal keys":                 {},
		"short seal key":               {SealKeys: [][]byte{[]byte("short")}},
		"secure cookie without prefix": {SealKeys: [][]byte{testKey}, CookieName: "sid"},
		"__Host- without Secure":       {SealKeys: [][]byte{testKey}, CookieName: "__Host-sid", InsecureCookies: true},
		"bad cookie name":              {SealKeys: [][]byte{testKey}, CookieName: "__Host-a b"},
		"touch not under idle":         {SealKeys: [][]byte{testKey}, TouchInterval: time.Hour},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := New(mem, cfg); err == nil {
				t.Fatal("New accepted a bad config")
			}
		})
	}
	if _, err := New(nil, Config{SealKeys: [][]byte{testKey}}); err == nil {
		t.Fatal("New accepted a nil store")
	}
}

// SECURITY C55, R24: malformed cookies are never looked up and never
// adopted; the response clears them.
func TestMalformedCookieNoStoreLookup(t *testing.T) {
	e := newEnv(t)
	good := e.login()
	cases := map[string]string{
		"short":                   "AAAA",
		"4 KiB":                   strings.Repeat("A", 4096),
		"NUL":                     good[:20] + "%00" + good[23:],
		"non-canonical last char": good[:42] + "B",
		"wrong alphabet":          strings.Repeat("+", 43),
		"two different values":    good + "; " + e.m.cfg.CookieName + "=" + strings.Repeat("A", 43),
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			e.faulty.ResetCalls()
			res := e.do(http.MethodGet, "/me", v)
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d: malformed cookie adopted", res.StatusCode)
			}
			if n := e.faulty.Calls(storetest.Find); n != 0 {
				t.Errorf("store looked up %d times for a malformed cookie", n)
			}
			if tok, set := sessionCookie(res, e.m.cfg.CookieName); !set || tok != "" {
				t.Errorf("malformed cookie not cleared (set %v, value %q)", set, tok)
			}
		})
	}
	t.Run("well-formed but unknown is looked up once and cleared", func(t *testing.T) {
		e.faulty.ResetCalls()
		res := e.do(http.MethodGet, "/me", strings.Repeat("A", 43))
		if res.StatusCode != http.StatusUnauthorized || e.faulty.Calls(storetest.Find) != 1 {
			t.Fatalf("status %d, finds %d", res.StatusCode, e.faulty.Calls(storetest.Find))
		}
	})
}

// A read-only request never writes the store, except to move the idle
// deadline at most once per TouchInterval.
func TestReadOnlyRequestsDoNotWrite(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	writes := func() int {
		return e.faulty.Calls(storetest.CompareAndSwap) + e.faulty.Calls(storetest.Commit) + e.faulty.Calls(storetest.Delete)
	}
	e.faulty.ResetCalls()
	for range 10 {
		e.clock.Advance(5 * time.Second)
		if res := e.do(http.MethodGet, "/me", tok); res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	if n := writes(); n != 0 {
		t.Fatalf("%d store writes for 10 read-only requests within a minute", n)
	}
	e.clock.Advance(15 * time.Second) // 65 s since login
	for range 5 {
		res := e.do(http.MethodGet, "/me", tok)
		if _, set := sessionCookie(res, e.m.cfg.CookieName); set {
			t.Fatal("touch must not resend the cookie")
		}
	}
	if n := writes(); n != 1 {
		t.Fatalf("%d store writes after the touch interval, want exactly 1", n)
	}
	if res := e.do(http.MethodGet, "/me", tok); res.Header.Get("Vary") != "Cookie" {
		t.Errorf("Vary %q, want Cookie", res.Header.Get("Vary"))
	}
}

// SECURITY C57: idle and absolute timeouts, with the injected clock.
func TestIdleAndAbsoluteExpiry(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		e := newEnv(t)
		tok := e.login()
		e.clock.Advance(29 * time.Minute)
		if res := e.do(http.MethodGet, "/me", tok); res.StatusCode != http.StatusOK {
			t.Fatalf("logged out after 29 idle minutes: %d", res.StatusCode)
		}
		e.clock.Advance(29 * time.Minute) // 29 min after the touch above
		if res := e.do(http.MethodGet, "/me", tok); res.StatusCode != http.StatusOK {
			t.Fatal("touch did not extend the idle deadline")
		}
		e.clock.Advance(31 * time.Minute)
		res := e.do(http.MethodGet, "/me", tok)
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("still logged in after 31 idle minutes: %d", res.StatusCode)
		}
		if v, set := sessionCookie(res, e.m.cfg.CookieName); set {
			t.Errorf("expired session: Set-Cookie %q (a stale cookie is left alone)", v)
		}
	})
	t.Run("absolute", func(t *testing.T) {
		e := newEnv(t)
		tok := e.login()
		for elapsed := time.Duration(0); elapsed < 12*time.Hour-10*time.Minute; elapsed += 10 * time.Minute {
			e.clock.Advance(10 * time.Minute)
			if res := e.do(http.MethodGet, "/me", tok); res.StatusCode != http.StatusOK {
				t.Fatalf("logged out after %v of activity", elapsed+10*time.Minute)
			}
		}
		e.clock.Advance(10 * time.Minute)
		if res := e.do(http.MethodGet, "/me", tok); res.StatusCode != http.StatusUnauthorized {
			t.Fatal("still logged in after the 12 h absolute lifetime")
		}
	})
}

// SECURITY R8, R15: store down or hanging at session read → 503 page, by
// Accept, without internals; recovers when the store returns.
func TestStoreDownAtLoad(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	cases := []struct {
		name, accept, wantType, wantBody string
	}{
		{"JSON client", "application/json", "application/json", `"error":"session_unavailable"`},
		{"browser", "text/html,application/xhtml+xml,*/*;q=0.8", "text/html", "<h1>Service temporarily unavailable</h1>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.faulty.Fail(unavailable(), storetest.Find)
			res := e.do(http.MethodGet, "/me", tok, "Accept", tc.accept)
			b := body(res)
			switch {
			case res.StatusCode != http.StatusServiceUnavailable:
				t.Errorf("status %d, want 503", res.StatusCode)
			case !strings.HasPrefix(res.Header.Get("Content-Type"), tc.wantType):
				t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
			case !strings.Contains(b, tc.wantBody):
				t.Errorf("body %q", b)
			case strings.Contains(b, "refused") || strings.Contains(b, "storetest"):
				t.Errorf("body leaks the store error: %q", b)
			case res.Header.Get("Set-Cookie") != "" || res.Header.Get("Location") != "":
				t.Errorf("503 carries Set-Cookie/Location: %v", res.Header)
			}
			e.faulty.Clear()
			if res := e.do(http.MethodGet, "/me", tok); res.StatusCode != http.StatusOK {
				t.Fatalf("no recovery after the store came back: %d", res.StatusCode)
			}
		})
	}
	t.Run("hanging store bounded by the request deadline", func(t *testing.T) {
		e.faulty.Set(storetest.Find, storetest.Fault{Hang: true})
		defer e.faulty.Clear()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req := httptest.NewRequest(http.MethodGet, "/me", nil).WithContext(ctx)
		req.Header.Set("Cookie", e.m.cfg.CookieName+"="+tok)
		w := httptest.NewRecorder()
		start := time.Now()
		e.r.ServeHTTP(w, req)
		if w.Code != http.StatusServiceUnavailable || time.Since(start) > 2*time.Second {
			t.Fatalf("status %d after %v", w.Code, time.Since(start))
		}
	})
}

// SECURITY R9, R11, C62: the store fails while the response is being
// made: the response is replaced by the 503 page, never a redirect, and no
// session cookie is sent.
func TestStoreDownMidRequest(t *testing.T) {
	e := newEnv(t)
	e.r.GET("/deferred", func(c *gin.Context) {
		e.m.Put(c.Request.Context(), "k", "v")
		e.m.CSRFSecret(c)
		c.Header("Location", "/should-not-leak")
		c.Redirect(http.StatusFound, "/next")
	})
	e.r.GET("/flow", func(c *gin.Context) {
		if err := e.m.AddFlow(c, Flow{StateHash: "s", Purpose: "login"}); err != nil {
			c.String(http.StatusServiceUnavailable, "flow not saved")
			return
		}
		c.Redirect(http.StatusFound, "https://kauth.kakao.com/")
	})
	for _, m := range []storetest.Method{storetest.Commit} {
		t.Run("deferred save fails before the redirect", func(t *testing.T) {
			e.faulty.Fail(unavailable(), m)
			res := e.do(http.MethodGet, "/deferred", "", "Accept", "application/json")
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Location") != "" || res.Header.Get("Set-Cookie") != "" {
				t.Fatalf("status %d, headers %v", res.StatusCode, res.Header)
			}
			if !strings.Contains(body(res), "session_unavailable") {
				t.Fatal("not the error page")
			}
			e.faulty.Clear()
		})
	}
	// The session record is written with Commit, the flows side record with
	// CompareAndSwap.
	for _, m := range []storetest.Method{storetest.Commit, storetest.CompareAndSwap} {
		t.Run("AddFlow reports the failure at "+string(m)+" before redirecting to Kakao", func(t *testing.T) {
			e.faulty.Fail(unavailable(), m)
			res := e.do(http.MethodGet, "/flow", "")
			e.faulty.Clear()
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Set-Cookie") != "" {
				t.Fatalf("status %d, Set-Cookie %q", res.StatusCode, res.Header.Get("Set-Cookie"))
			}
		})
	}
	for _, m := range []storetest.Method{storetest.AddUserSession, storetest.Commit, storetest.Find} {
		t.Run("LogIn fails at "+string(m)+": no session, no cookie", func(t *testing.T) {
			e.faulty.Fail(unavailable(), m)
			res := e.do(http.MethodPost, "/login", "")
			e.faulty.Clear()
			if res.StatusCode != http.StatusInternalServerError || res.Header.Get("Set-Cookie") != "" {
				t.Fatalf("status %d, Set-Cookie %q", res.StatusCode, res.Header.Get("Set-Cookie"))
			}
			ids, _ := e.mem.UserSessions(context.Background(), kakaoIndex(typicalLogin().KakaoID))
			for _, h := range ids {
				if _, found, _ := e.mem.Find(context.Background(), h); found {
					t.Fatal("a half-made login session is stored")
				}
			}
		})
	}
	t.Run("recovers", func(t *testing.T) {
		tok := e.login()
		if res := e.do(http.MethodGet, "/me", tok); res.StatusCode != http.StatusOK {
			t.Fatal("no recovery")
		}
	})
}

// SECURITY C104, R28: a handler that panics leaves no session change and
// sends no cookie.
func TestPanicLeavesNoSession(t *testing.T) {
	e := newEnv(t)
	e.r.GET("/panic-deferred", func(c *gin.Context) {
		e.m.Put(c.Request.Context(), "k", "v")
		e.m.CSRFSecret(c)
		panic("boom")
	})
	e.r.GET("/panic-after-login", func(c *gin.Context) {
		if err := e.m.LogIn(c, typicalLogin(), nil); err != nil {
			t.Error(err)
		}
		panic("boom")
	})
	t.Run("deferred change dropped", func(t *testing.T) {
		e.faulty.ResetCalls()
		res := e.do(http.MethodGet, "/panic-deferred", "")
		if res.StatusCode != http.StatusInternalServerError || res.Header.Get("Set-Cookie") != "" {
			t.Fatalf("status %d, Set-Cookie %q", res.StatusCode, res.Header.Get("Set-Cookie"))
		}
		if n := e.faulty.Calls(storetest.CompareAndSwap); n != 0 {
			t.Fatalf("%d saves for a panicked request", n)
		}
	})
	t.Run("session made before the panic is deleted", func(t *testing.T) {
		res := e.do(http.MethodGet, "/panic-after-login", "")
		if res.StatusCode != http.StatusInternalServerError || res.Header.Get("Set-Cookie") != "" {
			t.Fatalf("status %d, Set-Cookie %q", res.StatusCode, res.Header.Get("Set-Cookie"))
		}
		ids, _ := e.mem.UserSessions(context.Background(), kakaoIndex(typicalLogin().KakaoID))
		if len(ids) == 0 {
			t.Fatal("login was not indexed; test proves nothing")
		}
		for _, h := range ids {
			if _, found, _ := e.mem.Find(context.Background(), h); found {
				t.Fatal("the orphaned login session is still stored")
			}
		}
	})
	t.Run("Recovery installed after the middleware: 5xx drops deferred changes", func(t *testing.T) {
		r := gin.New()
		r.Use(e.m.Middleware(), gin.RecoveryWithWriter(io.Discard))
		r.GET("/p", func(c *gin.Context) { e.m.Put(c.Request.Context(), "k", "v"); panic("boom") })
		e.faulty.ResetCalls()
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/p", nil))
		if w.Code != http.StatusInternalServerError || e.faulty.Calls(storetest.CompareAndSwap) != 0 {
			t.Fatalf("status %d, saves %d", w.Code, e.faulty.Calls(storetest.CompareAndSwap))
		}
	})
}

func TestMethodsWithoutMiddleware(t *testing.T) {
	e := newEnv(t)
	r := gin.New()
	var errs []error
	r.GET("/", func(c *gin.Context) {
		_, ok := e.m.Current(c)
		_, terr := e.m.Tokens(c)
		errs = append(errs, e.m.LogIn(c, typicalLogin(), nil), e.m.LogOut(c), e.m.RenewToken(c),
			e.m.AddFlow(c, Flow{StateHash: "s", Purpose: "p"}), e.m.HoldPending(c, &Pending{Kind: PendingSignup, Login: Login{KakaoID: 1}}, nil), terr)
		if ok || e.m.CSRFSecret(c) != nil {
			t.Error("Current/CSRFSecret answered without the middleware")
		}
	})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	// Outside any request (a nil Gin context, as a background job may
	// pass): the same answers, not a nil dereference.
	var c *gin.Context
	_, ok := e.m.Current(c)
	_, terr := e.m.Tokens(c)
	errs = append(errs, e.m.LogIn(c, typicalLogin(), nil), e.m.LogOut(c), e.m.SetTokens(c, nil), terr)
	if ok || e.m.CSRFSecret(c) != nil || e.m.HasSession(c) || e.m.IsBearer(c) || Of(c) != nil {
		t.Error("a nil context answered as if it had a session")
	}
	for i, err := range errs {
		if err != ErrNoMiddleware {
			t.Errorf("call %d: %v, want ErrNoMiddleware", i, err)
		}
	}
}

type (
	outerKey struct{}
	innerKey struct{}
)

// TestOfFindsTheSessionThroughTheContext: the Middleware puts the session on
// the request's context, not on the Gin context. Of finds its Manager;
// values of contexts wrapped before and after it stay visible, and scs's
// own API works with c.Request.Context() after a logout in the same request.
func TestOfFindsTheSessionThroughTheContext(t *testing.T) {
	e := newEnv(t)
	if got := Of(&gin.Context{}); got != nil {
		t.Fatalf("Of without a request = %p", got)
	}
	bare := gin.New()
	bare.GET("/of", func(c *gin.Context) {
		if Of(c) != nil {
			t.Error("Of found a session without the Middleware")
		}
		c.Status(http.StatusNoContent)
	})
	bare.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/of", nil))

	r := gin.New()
	r.Use(func(c *gin.Context) {
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), outerKey{}, "outer"))
	}, e.m.Middleware())
	r.POST("/check", func(c *gin.Context) {
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), innerKey{}, "inner"))
		ctx := c.Request.Context()
		switch {
		case Of(c) != e.m:
			c.String(http.StatusInternalServerError, "Of did not find the Manager")
		case ctx.Value(outerKey{}) != "outer" || ctx.Value(innerKey{}) != "inner":
			c.String(http.StatusInternalServerError, "context values lost")
		case len(c.Keys) != 0:
			c.String(http.StatusInternalServerError, "the session is on the Gin context: %v", c.Keys)
		default:
			if err := e.m.LogIn(c, typicalLogin(), nil); err != nil {
				c.String(http.StatusInternalServerError, "login: %v", err)
				return
			}
			if err := e.m.LogOut(c); err != nil {
				c.String(http.StatusInternalServerError, "logout: %v", err)
				return
			}
			e.m.Put(c.Request.Context(), "flash", "bye") // scs's data after the session ended
			c.String(http.StatusOK, "%s", e.m.PopString(c.Request.Context(), "flash"))
		}
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/check", nil))
	if w.Code != http.StatusOK || w.Body.String() != "bye" {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}

// A WriteHeader of -1 (what Gin's c.Redirect and c.Render pass before the
// real status) does not start the response: a value put after it, as a
// writer that wraps a redirect to add a flash message does, is saved with
// the session.
func TestNoStatusYetDoesNotStartTheResponse(t *testing.T) {
	e := newEnv(t)
	e.r.GET("/r", func(c *gin.Context) {
		c.Writer.WriteHeader(-1)
		e.m.Put(c.Request.Context(), "flash", "done")
		c.Redirect(http.StatusSeeOther, "/next")
	})
	e.r.GET("/read", func(c *gin.Context) { c.String(http.StatusOK, "%s", e.m.PopString(c.Request.Context(), "flash")) })
	res := e.do(http.MethodGet, "/r", "")
	tok, ok := sessionCookie(res, e.m.cfg.CookieName)
	if res.StatusCode != http.StatusSeeOther || !ok || tok == "" {
		t.Fatalf("status %d, session cookie %v", res.StatusCode, ok)
	}
	if got := body(e.do(http.MethodGet, "/read", tok)); got != "done" {
		t.Fatalf("flash %q, want done", got)
	}
}

// TestDefaultErrorHandlerForm: the store-unavailable answer takes the
// same form as kakaogin's error pages for the same request (C100): JSON
// for an XHR or an Accept header that ranks JSON higher by q, whatever
// the order the types are listed in; HTML for a browser.
func TestDefaultErrorHandlerForm(t *testing.T) {
	tests := []struct {
		name     string
		header   [2]string
		wantJSON bool
	}{
		{"a browser", [2]string{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}, false},
		{"no Accept", [2]string{}, false},
		{"JSON only", [2]string{"Accept", "application/json"}, true},
		{"HTML listed first, JSON ranked higher", [2]string{"Accept", "text/html;q=0.1, application/json"}, true},
		{"JSON listed first, HTML ranked higher", [2]string{"Accept", "application/json;q=0.5, text/html"}, false},
		{"an XHR", [2]string{"X-Requested-With", "XMLHttpRequest"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.header[0] != "" {
				c.Request.Header.Set(tt.header[0], tt.header[1])
			}
			DefaultErrorHandler(c, http.StatusServiceUnavailable, errors.New("store down"))
			isJSON := strings.HasPrefix(w.Header().Get("Content-Type"), "application/json")
			if w.Code != http.StatusServiceUnavailable || isJSON != tt.wantJSON {
				t.Fatalf("%d %s, want 503 and JSON %v", w.Code, w.Header().Get("Content-Type"), tt.wantJSON)
			}
			if strings.Contains(w.Body.String(), "store down") {
				t.Fatal("the error's text reached the client")
			}
		})
	}
}
