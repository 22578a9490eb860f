package session

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func flowRoutes(e *env) {
	e.r.GET("/add", func(c *gin.Context) {
		if err := e.m.AddFlow(c, Flow{StateHash: c.Query("s"), Purpose: "login", Verifier: "v-" + c.Query("s"), Nonce: "n"}); err != nil {
			c.String(http.StatusServiceUnavailable, err.Error())
		}
	})
	e.r.GET("/take", func(c *gin.Context) {
		f, err := e.m.TakeFlow(c, c.Query("s"))
		switch {
		case errors.Is(err, ErrFlowNotFound):
			c.String(http.StatusNotFound, "not found")
		case errors.Is(err, ErrFlowExpired):
			c.String(http.StatusGone, "expired")
		case err != nil:
			c.String(http.StatusServiceUnavailable, err.Error())
		default:
			c.String(http.StatusOK, f.Verifier)
		}
	})
}

// SECURITY C16: parallel flows work; at most MaxFlows live, oldest evicted.
func TestFlowLimit(t *testing.T) {
	e := newEnv(t)
	flowRoutes(e)
	tok, _ := sessionCookie(e.do(http.MethodGet, "/add?s=f0", ""), e.m.cfg.CookieName)
	for i := 1; i < 8; i++ {
		e.clock.Advance(time.Second)
		if res := e.do(http.MethodGet, fmt.Sprintf("/add?s=f%d", i), tok); res.StatusCode != http.StatusOK {
			t.Fatalf("add %d: %d", i, res.StatusCode)
		}
	}
	// Finish in reverse order: the newest five succeed, the evicted fail.
	for i := 7; i >= 0; i-- {
		res := e.do(http.MethodGet, fmt.Sprintf("/take?s=f%d", i), tok)
		want := http.StatusOK
		if i < 3 {
			want = http.StatusNotFound
		}
		if res.StatusCode != want {
			t.Errorf("flow f%d: status %d, want %d", i, res.StatusCode, want)
		}
	}
	// C18: single use.
	if res := e.do(http.MethodGet, "/take?s=f7", tok); res.StatusCode != http.StatusNotFound {
		t.Errorf("flow reused: %d", res.StatusCode)
	}
}

// SECURITY C14: flows expire after FlowLifetime and are consumed anyway.
func TestFlowExpiry(t *testing.T) {
	e := newEnv(t)
	flowRoutes(e)
	tok, _ := sessionCookie(e.do(http.MethodGet, "/add?s=old", ""), e.m.cfg.CookieName)
	e.clock.Advance(9 * time.Minute)
	e.do(http.MethodGet, "/add?s=young", tok)
	e.clock.Advance(2 * time.Minute)
	if res := e.do(http.MethodGet, "/take?s=old", tok); res.StatusCode != http.StatusGone {
		t.Fatalf("11-minute-old flow: %d, want expired", res.StatusCode)
	}
	if res := e.do(http.MethodGet, "/take?s=old", tok); res.StatusCode != http.StatusNotFound {
		t.Fatalf("expired flow not consumed: %d", res.StatusCode)
	}
	if res := e.do(http.MethodGet, "/take?s=young", tok); res.StatusCode != http.StatusOK || body(res) != "v-young" {
		t.Fatalf("2-minute-old flow: %d", res.StatusCode)
	}
	if res := e.do(http.MethodGet, "/take?s=", tok); res.StatusCode != http.StatusNotFound {
		t.Fatalf("empty state: %d", res.StatusCode)
	}
}

// SECURITY C18, R19: concurrent callbacks with the same state: exactly
// one gets the flow. Concurrent AddFlow (parallel tabs) all keep theirs.
func TestFlowConcurrency(t *testing.T) {
	e := newEnv(t)
	flowRoutes(e)
	tok, _ := sessionCookie(e.do(http.MethodGet, "/add?s=first", ""), e.m.cfg.CookieName)
	var wg sync.WaitGroup
	for i := range MaxFlows - 1 {
		wg.Add(1)
		go func() { defer wg.Done(); e.do(http.MethodGet, fmt.Sprintf("/add?s=tab%d", i), tok) }()
	}
	wg.Wait()
	for i := range MaxFlows - 1 {
		if res := e.do(http.MethodGet, fmt.Sprintf("/take?s=tab%d", i), tok); res.StatusCode != http.StatusOK {
			t.Errorf("parallel tab %d lost its flow: %d", i, res.StatusCode)
		}
	}
	var won, lost atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch e.do(http.MethodGet, "/take?s=first", tok).StatusCode {
			case http.StatusOK:
				won.Add(1)
			case http.StatusNotFound:
				lost.Add(1)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != 19 {
		t.Fatalf("%d winners, %d losers; want exactly 1 and 19", won.Load(), lost.Load())
	}
}

func TestFlowValidationAndHostValues(t *testing.T) {
	e := newEnv(t)
	var errs []error
	e.r.GET("/bad", func(c *gin.Context) {
		errs = append(errs,
			e.m.AddFlow(c, Flow{Purpose: "login"}),
			e.m.AddFlow(c, Flow{StateHash: "s"}),
			e.m.HoldPending(c, &Pending{Kind: "other", Login: Login{KakaoID: 1}}, nil),
			e.m.HoldPending(c, &Pending{Kind: PendingSignup}, nil),
			e.m.LogIn(c, &Login{KakaoID: -1}, nil),
			e.m.SetTokens(c, typicalTokens()),
		)
	})
	e.do(http.MethodGet, "/bad", "")
	for i, err := range errs[:5] {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: %v, want ErrInvalid", i, err)
		}
	}
	if !errors.Is(errs[5], ErrNotLoggedIn) {
		t.Errorf("SetTokens while anonymous: %v", errs[5])
	}
	e.r.GET("/extra", func(c *gin.Context) {
		e.m.Put(c.Request.Context(), c.Query("k"), c.Query("v"))
	})
	e.r.GET("/del", func(c *gin.Context) { e.m.Remove(c.Request.Context(), c.Query("k")) })
	e.r.GET("/get", func(c *gin.Context) {
		ctx := c.Request.Context()
		c.String(http.StatusOK, "%v:%s", e.m.Exists(ctx, c.Query("k")), e.m.GetString(ctx, c.Query("k")))
	})
	tok, _ := sessionCookie(e.do(http.MethodGet, "/extra?k=a&v=1", ""), e.m.cfg.CookieName)
	e.do(http.MethodGet, "/extra?k=b&v=2", tok)
	e.do(http.MethodGet, "/extra?k=a&v=3", tok)
	e.do(http.MethodGet, "/del?k=b", tok)
	if got := body(e.do(http.MethodGet, "/get?k=a", tok)); got != "true:3" {
		t.Errorf("host value a = %q", got)
	}
	if got := body(e.do(http.MethodGet, "/get?k=b", tok)); got != "false:" {
		t.Errorf("removed host value b = %q", got)
	}
}

// Issue 11 point 6; SECURITY C14: a session that a login start created
// and that holds nothing but its flows is kept no longer than the flows
// (FlowLifetime), not the idle timeout; once it holds a login or a host
// value, the idle timeout applies again.
func TestFlowOnlySessionIsShortLived(t *testing.T) {
	e := newEnv(t) // idle timeout 30 min, FlowLifetime 10 min
	e.r.GET("/start", func(c *gin.Context) {
		if err := e.m.AddFlow(c, Flow{StateHash: "s", Purpose: "login"}); err != nil {
			t.Error(err)
		}
	})
	e.r.GET("/put", func(c *gin.Context) { e.m.Put(c.Request.Context(), "cart", "1") })
	cases := []struct {
		name  string
		then  string // a request with the session after the start, or ""
		alive bool   // at 11 minutes
	}{
		{"flows only", "", false},
		{"host value added", "/put", true},
		{"logged in", "/login", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, _ := sessionCookie(e.do(http.MethodGet, "/start", ""), e.m.cfg.CookieName)
			if tc.then != "" {
				method := http.MethodGet
				if tc.then == "/login" {
					method = http.MethodPost
				}
				if nt, ok := sessionCookie(e.do(method, tc.then, tok), e.m.cfg.CookieName); ok {
					tok = nt
				}
			}
			if _, ok := e.stored(tok); !ok {
				t.Fatal("session not stored")
			}
			e.clock.Advance(FlowLifetime + time.Minute)
			defer e.clock.Advance(-FlowLifetime - time.Minute)
			if _, ok := e.stored(tok); ok != tc.alive {
				t.Fatalf("stored after %v: %v, want %v", FlowLifetime+time.Minute, ok, tc.alive)
			}
		})
	}
}
