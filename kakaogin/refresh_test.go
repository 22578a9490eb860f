package kakaogin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// nearExpiry moves the library's clock to just inside the refresh margin
// of a fresh access token (Kakao's last 6 hours; the ID token issued with
// it is still valid).
const nearExpiry = 6*time.Hour - refreshMargin + time.Minute

// hammer sends n concurrent GETs of path through b, to srvURL (the
// harness's own server when empty), and returns the statuses.
func hammer(b *browser, srvURL, path string, n int) []int {
	if srvURL == "" {
		srvURL = b.h.srv.URL
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := b.noFollow().Get(srvURL + path)
			if err != nil {
				b.h.t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	return statuses
}

func allOK(statuses []int) bool {
	for _, s := range statuses {
		if s != http.StatusOK {
			return false
		}
	}
	return true
}

// TestClientUsesStoredToken is C99: a fresh token is used as is; no Kakao
// call but the API call itself.
func TestClientUsesStoredToken(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.login("/")
	status, body, _ := b.get("/kakao/me")
	if status != http.StatusOK || body != "kakao me: "+strconv.FormatInt(kakaotest.UserMinji, 10) {
		t.Fatalf("%d %q", status, body)
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 1 {
		t.Fatalf("token calls = %d, want the login's only", n)
	}
}

// TestRefreshSingleFlight is C95 in one process: 20 concurrent requests
// that all need a refresh make exactly one token request, and all succeed.
func TestRefreshSingleFlight(t *testing.T) {
	var hooks atomic.Int64
	h := newHarness(t, withConfig(func(c *Config) {
		c.OnTokenRefreshed = func(_ context.Context, id Identity, tok *kakaoapi.Token) {
			if id.KakaoID == kakaotest.UserMinji && tok.AccessToken != "" {
				hooks.Add(1)
			}
		}
	}))
	b := h.browser()
	b.login("/")
	h.clock.Advance(nearExpiry)
	statuses := hammer(b, "", "/kakao/me", 20)
	if !allOK(statuses) {
		t.Fatalf("statuses %v", statuses)
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 2 {
		t.Fatalf("C95: %d refresh calls for 20 concurrent requests, want 1", n-1)
	}
	if hooks.Load() != 1 {
		t.Fatalf("OnTokenRefreshed called %d times", hooks.Load())
	}
	// The refreshed token was saved: later requests need no refresh.
	hammer(b, "", "/kakao/me", 5)
	if n := h.fake.Hits(kakaotest.PathToken); n != 2 {
		t.Fatalf("refreshed token not kept: %d token calls", n)
	}
}

// TestRefreshRotation: a rotated refresh token replaces the stored one;
// without rotation the old one is kept (C95, issue 4 §5).
func TestRefreshRotation(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		t.Run("rotate="+strconv.FormatBool(rotate), func(t *testing.T) {
			h := newHarness(t, withFake(kakaotest.WithBehavior(func(b *kakaotest.Behavior) {
				if rotate {
					b.RefreshRotateWithin = 365 * 24 * time.Hour
				}
			})))
			var before, after string
			h.eng.GET("/rt", func(c *gin.Context) {
				ts, err := h.sm.Tokens(c)
				if err != nil {
					c.Status(http.StatusInternalServerError)
					return
				}
				c.String(http.StatusOK, "%s", ts.RefreshToken)
			})
			b := h.browser()
			b.login("/")
			_, before, _ = b.get("/rt")
			h.clock.Advance(nearExpiry)
			if status, body, _ := b.get("/kakao/me"); status != http.StatusOK {
				t.Fatalf("%d %q", status, body)
			}
			_, after, _ = b.get("/rt")
			if rotate == (before == after) {
				t.Fatalf("rotate=%v: refresh token before %.6s… after %.6s…", rotate, before, after)
			}
		})
	}
}

// TestRefreshRefused is C96: a refused refresh ends the session cleanly,
// with one token request, and the next request is asked to log in.
func TestRefreshRefused(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.login("/")
	h.fake.Fail(kakaotest.PathToken, kakaotest.KauthFault(400, "invalid_grant", "KOE322", "invalid refresh token"))
	h.clock.Advance(nearExpiry)
	status, body, _ := b.get("/kakao/me")
	if status != http.StatusBadGateway || !strings.Contains(body, "session was ended") {
		t.Fatalf("%d %q", status, body)
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 2 {
		t.Fatalf("C96: %d token calls, want the login's and one refresh", n)
	}
	status, _, resp := b.step("/private")
	if status != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/kakao/login") {
		t.Fatalf("after a refused refresh: %d %q", status, resp.Header.Get("Location"))
	}
}

// TestRefreshKakaoDown: Kakao failing the refresh with a 5xx keeps the
// session (the user is not logged out because Kakao is down).
func TestRefreshKakaoDown(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.login("/")
	h.fake.Fail(kakaotest.PathToken, kakaotest.Fault{Status: 503})
	h.clock.Advance(nearExpiry)
	if status, _, _ := b.get("/kakao/me"); status != http.StatusBadGateway {
		t.Fatalf("status %d", status)
	}
	if status, _, _ := b.get("/private"); status != http.StatusOK {
		t.Fatal("session lost because Kakao was down")
	}
}

// TestSessionsWorkWhileKakaoIsDown is C99: session validity is local.
func TestSessionsWorkWhileKakaoIsDown(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.login("/")
	h.fake.Fail(kakaotest.AllEndpoints, kakaotest.Fault{Status: 503})
	before := len(h.fake.Requests())
	for range 5 {
		if status, _, _ := b.get("/private"); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	if n := len(h.fake.Requests()) - before; n != 0 {
		t.Fatalf("C99: %d Kakao calls for host routes", n)
	}
}

// TestRefreshSingleFlightAcrossInstances is C95 across two app instances
// sharing one store: 40 concurrent requests of one session, split between
// the instances, make exactly one refresh call. store/redis runs the same
// scenario over two Redis clients.
func TestRefreshSingleFlightAcrossInstances(t *testing.T) {
	h := newHarness(t)
	_, other := h.twin()
	b := h.browser()
	b.login("/")
	// Both instances see the session.
	if status, _, _ := b.get(other.URL + "/private"); status != http.StatusOK {
		t.Fatalf("second instance does not see the session: %d", status)
	}
	h.clock.Advance(nearExpiry) // the twin shares the harness clock
	var wg sync.WaitGroup
	var a, c []int
	wg.Add(2)
	go func() { defer wg.Done(); a = hammer(b, "", "/kakao/me", 20) }()
	go func() { defer wg.Done(); c = hammer(b, other.URL, "/kakao/me", 20) }()
	wg.Wait()
	if !allOK(a) || !allOK(c) {
		t.Fatalf("statuses %v %v", a, c)
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 2 {
		t.Fatalf("C95: %d refresh calls across two instances, want 1", n-1)
	}
}

// TestClientAccessTokenForOtherAPIs: a host calling a Kakao API that
// kakaoapi does not wrap takes the access token from Client's Auth; near
// expiry it is refreshed first, once (C95), and the new token works.
func TestClientAccessTokenForOtherAPIs(t *testing.T) {
	h := newHarness(t)
	h.eng.GET("/kakao/raw", func(c *gin.Context) {
		api, auth := h.kg.Client(c)
		tok, err := auth.AccessToken(c.Request.Context())
		if err != nil {
			c.String(http.StatusUnauthorized, "no token: %v", err)
			return
		}
		u, err := api.Me(c.Request.Context(), kakaoapi.Bearer(tok), nil)
		if err != nil {
			c.String(http.StatusBadGateway, "kakao: %v", err)
			return
		}
		c.String(http.StatusOK, "raw me: %d", u.ID)
	})
	b := h.browser()
	if status, body, _ := b.get(h.srv.URL + "/kakao/raw"); status != http.StatusUnauthorized {
		t.Fatalf("logged out: %d %q", status, body)
	}
	b.login("/")
	want := fmt.Sprintf("raw me: %d", kakaotest.UserMinji)
	before := h.fake.Hits(kakaotest.PathToken)
	if _, body, _ := b.get(h.srv.URL + "/kakao/raw"); body != want {
		t.Fatalf("fresh token: %q", body)
	}
	if n := h.fake.Hits(kakaotest.PathToken) - before; n != 0 {
		t.Fatalf("C99: %d token calls for a fresh token", n)
	}
	h.clock.Advance(nearExpiry)
	if _, body, _ := b.get(h.srv.URL + "/kakao/raw"); body != want {
		t.Fatalf("after refresh: %q", body)
	}
	if n := h.fake.Hits(kakaotest.PathToken) - before; n != 1 {
		t.Fatalf("C95: %d token calls near expiry, want 1 refresh", n)
	}
}
