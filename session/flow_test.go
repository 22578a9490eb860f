package session

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/store/storetest"
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

// usedRoutes serves /used?s=…, which takes the flow and reports what
// TakeFlow said, and /sent, which reports CookieSent.
func usedRoutes(e *env) {
	e.r.GET("/addto", func(c *gin.Context) {
		if err := e.m.AddFlow(c, Flow{StateHash: c.Query("s"), Purpose: "login", ReturnTo: c.Query("to"), Verifier: "v", Nonce: "n", UserID: c.Query("u")}); err != nil {
			c.String(http.StatusServiceUnavailable, err.Error())
		}
	})
	e.r.GET("/used", func(c *gin.Context) {
		f, err := e.m.TakeFlow(c, c.Query("s"))
		switch {
		case errors.Is(err, ErrFlowUsed):
			if !errors.Is(err, ErrFlowNotFound) {
				c.String(http.StatusInternalServerError, "ErrFlowUsed does not match ErrFlowNotFound")
				return
			}
			c.String(http.StatusConflict, "%s|%s|%s|%s|%s|%s|%d", f.StateHash, f.Purpose, f.ReturnTo, f.Verifier, f.Nonce, f.UserID, f.UsedAt.Unix())
		case errors.Is(err, ErrFlowNotFound):
			c.String(http.StatusNotFound, "not found")
		case errors.Is(err, ErrFlowExpired):
			c.String(http.StatusGone, "expired")
		case err != nil:
			c.String(http.StatusServiceUnavailable, err.Error())
		default:
			c.String(http.StatusOK, "%s", f.ReturnTo)
		}
	})
	e.r.GET("/sent", func(c *gin.Context) { c.String(http.StatusOK, "%v", e.m.CookieSent(c)) })
}

// TestTakeFlowRemembersUsed is issue 11, point 4 (C18): a session
// remembers the flows TakeFlow handed out, so that taking one again says
// ErrFlowUsed with its purpose, destination, binding and when it was
// used, but never its verifier or nonce; a state the session never had,
// another session's, an expired flow's, or one older than UsedFlowMemory
// stays ErrFlowNotFound. At most MaxUsedFlows are remembered, and a look
// at a used or unknown state writes nothing.
func TestTakeFlowRemembersUsed(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.IdleTimeout = 2 * UsedFlowMemory })
	usedRoutes(e)
	tok, _ := sessionCookie(e.do(http.MethodGet, "/addto?s=s1&to=/next&u=kakao:1", ""), e.m.cfg.CookieName)
	other, _ := sessionCookie(e.do(http.MethodGet, "/addto?s=o1", ""), e.m.cfg.CookieName)
	// Sessions that hold more than flows (which alone live FlowLifetime).
	e.r.GET("/keep", func(c *gin.Context) { e.m.Put(c.Request.Context(), "k", "v") })
	e.do(http.MethodGet, "/keep", tok)
	e.do(http.MethodGet, "/keep", other)
	if res := e.do(http.MethodGet, "/used?s=s1", tok); res.StatusCode != http.StatusOK || body(res) != "/next" {
		t.Fatalf("first take: %d", res.StatusCode)
	}
	usedAt := e.clock.Now().Unix()
	e.clock.Advance(time.Minute)
	e.do(http.MethodGet, "/sent", tok) // the session's own touch, after the minute
	e.do(http.MethodGet, "/sent", other)
	e.faulty.ResetCalls()
	res := e.do(http.MethodGet, "/used?s=s1", tok)
	if got, want := body(res), fmt.Sprintf("s1|login|/next|||kakao:1|%d", usedAt); res.StatusCode != http.StatusConflict || got != want {
		t.Fatalf("second take: %d %q, want %q", res.StatusCode, got, want)
	}
	for name, tc := range map[string]struct{ s, tok string }{
		"never had":       {"nope", tok},
		"another session": {"s1", other},
	} {
		if res := e.do(http.MethodGet, "/used?s="+tc.s, tc.tok); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want not found", name, res.StatusCode)
		}
	}
	if n := e.faulty.Calls(storetest.CompareAndSwap) + e.faulty.Calls(storetest.Commit); n != 0 {
		t.Errorf("looking at used and unknown states wrote %d times", n)
	}

	// Expired flows are not remembered as used.
	e.do(http.MethodGet, "/addto?s=old", other)
	e.clock.Advance(FlowLifetime - time.Minute)
	e.do(http.MethodGet, "/addto?s=young", other) // keeps the record
	e.clock.Advance(time.Minute)
	if res := e.do(http.MethodGet, "/used?s=old", other); res.StatusCode != http.StatusGone {
		t.Fatalf("expired: %d", res.StatusCode)
	}
	if res := e.do(http.MethodGet, "/used?s=old", other); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an expired flow is remembered as used: %d", res.StatusCode)
	}

	// Only the newest MaxUsedFlows are remembered.
	for i := range MaxUsedFlows + 2 {
		e.clock.Advance(time.Second)
		e.do(http.MethodGet, fmt.Sprintf("/addto?s=n%d", i), tok)
		if res := e.do(http.MethodGet, fmt.Sprintf("/used?s=n%d", i), tok); res.StatusCode != http.StatusOK {
			t.Fatalf("take n%d: %d", i, res.StatusCode)
		}
	}
	for i := range MaxUsedFlows + 2 {
		want := http.StatusConflict
		if i < 2 {
			want = http.StatusNotFound
		}
		if res := e.do(http.MethodGet, fmt.Sprintf("/used?s=n%d", i), tok); res.StatusCode != want {
			t.Errorf("n%d: %d, want %d", i, res.StatusCode, want)
		}
	}
	if res := e.do(http.MethodGet, "/used?s=s1", tok); res.StatusCode != http.StatusNotFound {
		t.Errorf("s1 outlived the bound: %d", res.StatusCode)
	}

	// Forgotten after UsedFlowMemory, though the record lives on.
	e.clock.Advance(UsedFlowMemory - time.Second)
	e.do(http.MethodGet, "/addto?s=late", tok)
	e.do(http.MethodGet, "/used?s=late", tok)
	e.clock.Advance(2 * time.Second)
	if res := e.do(http.MethodGet, fmt.Sprintf("/used?s=n%d", MaxUsedFlows+1), tok); res.StatusCode != http.StatusNotFound {
		t.Errorf("remembered after UsedFlowMemory: %d", res.StatusCode)
	}
	if res := e.do(http.MethodGet, "/used?s=late", tok); res.StatusCode != http.StatusConflict {
		t.Errorf("a recent one forgotten: %d", res.StatusCode)
	}
}

// TestFlowRecordWithoutUsedSection: a flows record written before used
// flows were kept (no trailing section) still decodes.
func TestFlowRecordWithoutUsedSection(t *testing.T) {
	f := Flow{StateHash: "h", Purpose: "login", ReturnTo: "/", Verifier: "v", Nonce: "n", CreatedAt: time.Unix(1_900_000_000, 0).UTC()}
	b, err := appendFlows(nil, []Flow{f}, false)
	if err != nil {
		t.Fatal(err)
	}
	flows, used := decodeFlowRecord(b)
	if len(flows) != 1 || flows[0] != f || used != nil {
		t.Fatalf("decoded %+v %+v", flows, used)
	}
	if b2, _ := encodeFlowRecord(flows, nil); string(b2) != string(b) {
		t.Fatal("a record without used flows is written differently")
	}
}

// TestCookieSent is issue 11, point 5: CookieSent tells a request without
// any cookie of the session's name from one whose cookie names no session
// (or a malformed one).
func TestCookieSent(t *testing.T) {
	e := newEnv(t)
	usedRoutes(e)
	name := e.m.cfg.CookieName
	for _, tc := range []struct {
		cookie string
		want   string
	}{
		{"", "false"},
		{"lang=en", "false"},
		{name + "=unknown-but-well-formed-token-000000000000", "true"},
		{name + "=%%%", "true"},
		{"lang=en; " + name + "=x", "true"},
	} {
		var hdr []string
		if tc.cookie != "" {
			hdr = []string{"Cookie", tc.cookie}
		}
		if got := body(e.do(http.MethodGet, "/sent", "", hdr...)); got != tc.want {
			t.Errorf("Cookie %q: CookieSent = %s, want %s", tc.cookie, got, tc.want)
		}
	}
}

// FuzzDecodeFlowRecord: the flows record decoder never panics, bounds
// what it returns, and what it decodes encodes and decodes the same.
func FuzzDecodeFlowRecord(f *testing.F) {
	now := time.Unix(1_900_000_000, 0).UTC()
	fl := Flow{StateHash: "h", Purpose: "login", ReturnTo: "/x", Verifier: "v", Nonce: "n", UserID: "kakao:1", CreatedAt: now}
	u := fl
	u.Verifier, u.Nonce, u.UsedAt = "", "", now
	for _, rec := range [][2][]Flow{{{fl}, nil}, {{fl, fl}, {u}}, {nil, {u, u, u}}} {
		b, err := encodeFlowRecord(rec[0], rec[1])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0, 0})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		flows, used := decodeFlowRecord(b)
		if len(flows) > MaxFlows || len(used) > MaxUsedFlows {
			t.Fatalf("%d flows, %d used", len(flows), len(used))
		}
		b2, err := encodeFlowRecord(flows, used)
		if err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
		flows2, used2 := decodeFlowRecord(b2)
		if !sameFlows(flows, flows2) || !sameFlows(used, used2) {
			t.Fatalf("unstable round trip:\n%+v %+v\n%+v %+v", flows, used, flows2, used2)
		}
	})
}

func sameFlows(a, b []Flow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}
