// Package serverfault holds the fault tests each SQL store backend runs
// against a private server of its own: the server crashes and starts again
// while logged-in requests run through the session middleware, and the
// server freezes with its connections open. The backends differ only in
// how they control their server (Server).
package serverfault

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// Bounds of the fault tests: the stores' own timeouts (a few seconds) with
// a margin for a loaded machine.
const (
	// failBound is how long a store call or request on a frozen or
	// crashed server may wait before it fails.
	failBound = 12 * time.Second
	// recoverBound is how long after the server answers again the same
	// store may take to serve again.
	recoverBound = 15 * time.Second
)

// Server controls a private database server of one test.
type Server interface {
	// Crash ends the server at once, as a crash would (no clean shutdown).
	Crash()
	// Start starts it again on the same data and returns once it answers.
	Start()
	// Freeze stops the server answering, its connections left open.
	Freeze()
	// Thaw lets a frozen server answer again.
	Thaw()
}

// RunRestart: srv is restarted (crashed and started again on the same
// data) while logged-in requests run through the session middleware over
// st, a Store on srv. During the outage requests get 503, never a 200 for
// an ended session nor a 500 for a session written by half; afterwards the
// same Manager and Store serve again by themselves. The session survives
// the restart with its newest acknowledged tokens (the compare-and-swap
// writes are durable and whole), and a logout acknowledged before the
// restart still holds (the tombstone is durable).
func RunRestart(t *testing.T, srv Server, st store.SessionStore) {
	e := newSessionEnv(t, st)

	alice := e.login()
	bob := e.login()
	if res := e.do(http.MethodPost, "/logout", bob); res.StatusCode != http.StatusOK {
		t.Fatalf("logout before the restart: %d", res.StatusCode)
	}
	if got := e.me(alice); got != "v0" {
		t.Fatalf("before the restart: %q", got)
	}

	// Load: one client saves new tokens v1, v2, … one after another;
	// another reads the session. Each records the statuses it gets.
	var (
		attempted, acked atomic.Int64
		unavailable      atomic.Int64
		firstFailed      atomic.Int64 // Unix ns of the first 503
		mu               sync.Mutex
		wrong            []string
	)
	note := func(what string, res *http.Response) {
		switch res.StatusCode {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			unavailable.Add(1)
			firstFailed.CompareAndSwap(0, time.Now().UnixNano())
		default:
			mu.Lock()
			wrong = append(wrong, what+": "+strconv.Itoa(res.StatusCode)+" "+body(res))
			mu.Unlock()
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for v := int64(1); ; v++ {
			select {
			case <-stop:
				return
			default:
			}
			attempted.Store(v)
			res := e.do(http.MethodPost, "/save?v="+strconv.FormatInt(v, 10), alice)
			note("save", res)
			if res.StatusCode == http.StatusOK {
				acked.Store(v)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			res := e.do(http.MethodGet, "/me", alice)
			if b := body(res); res.StatusCode == http.StatusOK && !strings.HasPrefix(b, "v") {
				mu.Lock()
				wrong = append(wrong, "me: 200 "+b)
				mu.Unlock()
			} else if res.StatusCode != http.StatusOK {
				note("me", res)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	waitFor(t, "saves before the restart", time.Minute, func() bool { return acked.Load() >= 5 })

	firstFailed.Store(0)
	crashed := time.Now()
	srv.Crash()
	crashTook := time.Since(crashed)
	waitFor(t, "a 503 during the outage", failBound, func() bool { return unavailable.Load() > 0 })
	start := time.Now()
	if res := e.do(http.MethodGet, "/me", alice); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("server down: status %d, want 503", res.StatusCode)
	}
	if res := e.do(http.MethodPost, "/login", ""); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("login while down: status %d, want 503", res.StatusCode)
	}
	if d := time.Since(start); d > failBound {
		t.Errorf("two requests took %v to fail while the server was down", d)
	}
	ackedBefore := acked.Load()

	starting := time.Now()
	srv.Start()
	up := time.Now()
	waitFor(t, "a save after the restart", recoverBound, func() bool { return acked.Load() > ackedBefore })
	recovered := time.Now()
	waitFor(t, "saves after the restart", recoverBound, func() bool { return acked.Load() > ackedBefore+5 })
	close(stop)
	wg.Wait()
	t.Logf("crash → first 503: %v (the crash took %v); crash → server answering again: %v (its start took %v); "+
		"server answering → first acknowledged save: %v; %d requests got 503",
		time.Unix(0, firstFailed.Load()).Sub(crashed).Round(time.Millisecond), crashTook.Round(time.Millisecond),
		up.Sub(crashed).Round(time.Millisecond), up.Sub(starting).Round(time.Millisecond),
		recovered.Sub(up).Round(time.Millisecond), unavailable.Load())

	for _, w := range wrong {
		t.Errorf("during the restart: %s", w)
	}
	got := e.me(alice)
	v, err := strconv.ParseInt(strings.TrimPrefix(got, "v"), 10, 64)
	if err != nil || v < acked.Load() || v > attempted.Load() {
		t.Errorf("after the restart the session holds %q; want v%d (the last acknowledged) or a later attempt up to v%d",
			got, acked.Load(), attempted.Load())
	}
	if got := e.me(bob); got != "anonymous" {
		t.Errorf("the session logged out before the restart is back: %q", got)
	}
	if tok := e.login(); e.me(tok) != "v0" {
		t.Error("cannot log in after the restart")
	}
}

// RunFreeze: srv, frozen with its connections open, fails store calls and
// requests within seconds (st's own timeouts, described by timeouts for the
// failure message), instead of holding them until a caller's deadline (a
// request without one would wait forever), and the same Store answers again
// once the server does.
func RunFreeze(t *testing.T, srv Server, st store.SessionStore, timeouts string) {
	e := newSessionEnv(t, st)
	alice := e.login()

	srv.Freeze()
	frozen := time.Now()
	done := make(chan error, 1)
	go func() {
		// No deadline of its own: the store's timeouts must end it.
		_, _, err := st.Find(context.Background(), "tok")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Find on a frozen server: err = %v, want ErrUnavailable", err)
		}
	case <-time.After(failBound):
		srv.Thaw()
		t.Fatalf("Find on a frozen server still waits after %v (%s)", failBound, timeouts)
	}
	findFailed := time.Since(frozen)
	res := make(chan int, 1)
	asked := time.Now()
	go func() { res <- e.do(http.MethodGet, "/me", alice).StatusCode }()
	select {
	case status := <-res:
		if status != http.StatusServiceUnavailable {
			t.Errorf("request on a frozen server: status %d, want 503", status)
		}
	case <-time.After(failBound):
		srv.Thaw()
		t.Fatalf("a request on a frozen server still waits after %v (%s)", failBound, timeouts)
	}
	requestFailed := time.Since(asked)

	srv.Thaw()
	thawed := time.Now()
	waitFor(t, "the session once the server answers again", recoverBound, func() bool { return e.me(alice) == "v0" })
	t.Logf("frozen → Find failed: %v; request on the frozen server → 503: %v; thaw → session served again: %v",
		findFailed.Round(time.Millisecond), requestFailed.Round(time.Millisecond), time.Since(thawed).Round(time.Millisecond))
}

// sessionEnv serves requests through the session middleware over one
// store: /login logs a new session in with tokens v0, /save?v=N saves
// tokens vN, /me shows the session's tokens ("anonymous" when logged
// out), /logout ends the session.
type sessionEnv struct {
	t *testing.T
	r *gin.Engine
}

const faultCookie = "__Host-fault"

func newSessionEnv(t *testing.T, st store.SessionStore) *sessionEnv {
	m, err := session.New(st, session.Config{
		CookieName: faultCookie,
		SealKeys:   [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard), m.Middleware())
	tokens := func(v string) *session.TokenSet {
		return &session.TokenSet{AccessToken: v, RefreshToken: "refresh",
			AccessExpiry: time.Now().Add(time.Hour), RefreshExpiry: time.Now().Add(24 * time.Hour)}
	}
	r.POST("/login", func(c *gin.Context) {
		if err := m.LogIn(c, &session.Login{KakaoID: 3141592653, UserID: "user-1", LoggedInAt: time.Now()}, tokens("v0")); err != nil {
			c.String(http.StatusServiceUnavailable, "login failed")
			return
		}
		c.String(http.StatusOK, "logged in")
	})
	r.POST("/save", func(c *gin.Context) {
		err := m.SetTokens(c, tokens("v"+c.Query("v")))
		switch {
		case errors.Is(err, session.ErrNotLoggedIn):
			c.String(http.StatusUnauthorized, "not logged in")
		case err != nil:
			c.String(http.StatusServiceUnavailable, "save failed")
		default:
			c.String(http.StatusOK, "saved")
		}
	})
	r.GET("/me", func(c *gin.Context) {
		if _, ok := m.Current(c); !ok {
			c.String(http.StatusOK, "anonymous")
			return
		}
		ts, err := m.Tokens(c)
		if errors.Is(err, store.ErrUnavailable) {
			c.String(http.StatusServiceUnavailable, "store down")
			return
		}
		if err != nil {
			// A session written by half would land here.
			c.String(http.StatusInternalServerError, "tokens: %v", err)
			return
		}
		c.String(http.StatusOK, ts.AccessToken)
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := m.LogOut(c); err != nil {
			c.String(http.StatusServiceUnavailable, "logout failed")
			return
		}
		c.String(http.StatusOK, "bye")
	})
	return &sessionEnv{t: t, r: r}
}

// do serves one request with cookie (if any) as the session cookie.
func (e *sessionEnv) do(method, path, cookie string) *http.Response {
	req := httptest.NewRequest(method, path, nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: faultCookie, Value: cookie})
	}
	w := httptest.NewRecorder()
	e.r.ServeHTTP(w, req)
	return w.Result()
}

// login logs a new session in and returns its cookie value.
func (e *sessionEnv) login() string {
	e.t.Helper()
	res := e.do(http.MethodPost, "/login", "")
	for _, c := range res.Cookies() {
		if c.Name == faultCookie {
			return c.Value
		}
	}
	e.t.Fatalf("login: status %d, no session cookie", res.StatusCode)
	return ""
}

// me returns what /me answers for the session, or the status when it is
// not 200.
func (e *sessionEnv) me(cookie string) string {
	res := e.do(http.MethodGet, "/me", cookie)
	if res.StatusCode != http.StatusOK {
		return strconv.Itoa(res.StatusCode)
	}
	return body(res)
}

func body(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// waitFor polls cond until it holds, failing the test after bound.
func waitFor(t *testing.T, what string, bound time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: did not happen within %v", what, bound)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
