package kakaogin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// Load figure of the unlink callback (C81 under load), run only with
// KAKAOLOGIN_LOAD=1 so that go test ./... stays fast:
//
//	KAKAOLOGIN_LOAD=1 go test -race -run TestUnlinkCallbackLoad -v ./kakaogin
const (
	loadUsers     = 500
	loadCallbacks = 2000
	loadSenders   = 50
	loadFirstID   = 5_000_000_000
)

// TestUnlinkCallbackLoad sends 2,000 unlink callbacks from 50 concurrent
// senders to one app instance (memory store), for 500 logged-in
// users (4 deliveries each, GET and POST mixed, half of the users linked to
// a host user). Every answer must be 200 within Kakao's 3 s, every session
// must end and the hook must run once per delivery with nothing queued. It
// logs p50/p99/max latency.
func TestUnlinkCallbackLoad(t *testing.T) {
	if os.Getenv("KAKAOLOGIN_LOAD") != "1" {
		t.Skip("load figure: set KAKAOLOGIN_LOAD=1")
	}
	var hookCalls atomic.Int64
	h := newHarness(t, withConfig(func(c *Config) {
		c.Unlink.OnUnlink = func(context.Context, UnlinkEvent) error { hookCalls.Add(1); return nil }
	}))
	// A cheap login: a session logged in as ?id= (and ?user= when linked),
	// without the Kakao round trip.
	h.eng.GET("/load/login", func(c *gin.Context) {
		id, err := strconv.ParseInt(c.Query("id"), 10, 64)
		if err == nil {
			err = h.sm.LogIn(c, &session.Login{KakaoID: id, UserID: c.Query("user")}, nil)
		}
		if err != nil {
			c.String(http.StatusInternalServerError, "%v", err)
			return
		}
		c.String(http.StatusOK, "ok")
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * loadSenders, MaxIdleConnsPerHost: 2 * loadSenders}}
	t.Cleanup(client.CloseIdleConnections)

	cookies := make([]string, loadUsers)
	loadParallel(t, loadUsers, loadSenders, func(i int) error {
		id := int64(loadFirstID + i)
		q := "?id=" + strconv.FormatInt(id, 10)
		if i%2 == 0 {
			uid := "load-user-" + strconv.Itoa(i)
			if _, err := h.st.Links().Link(context.Background(), store.Link{KakaoID: id, UserID: uid}); err != nil {
				return err
			}
			q += "&user=" + uid
		}
		resp, err := client.Get(h.srv.URL + "/load/login" + q)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ck := resp.Cookies()
		if resp.StatusCode != http.StatusOK || len(ck) != 1 {
			return fmt.Errorf("login %d: status %d, %d cookies", i, resp.StatusCode, len(ck))
		}
		cookies[i] = ck[0].Name + "=" + ck[0].Value
		return nil
	})
	if n := loadLoggedIn(t, client, h.srv.URL, cookies); n != loadUsers {
		t.Fatalf("%d of %d users logged in before the callbacks", n, loadUsers)
	}

	lat := make([]time.Duration, loadCallbacks)
	start := time.Now()
	loadParallel(t, loadCallbacks, loadSenders, func(i int) error {
		opts := []kakaotest.CallbackOption{kakaotest.CallbackClient(client)}
		if i%2 == 1 {
			opts = append(opts, kakaotest.CallbackPOST())
		}
		t0 := time.Now()
		status, err := h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+webhookPath,
			int64(loadFirstID+i%loadUsers), string(ReferrerUnlinkFromApps), opts...)
		lat[i] = time.Since(t0)
		if err != nil || status != http.StatusOK {
			return fmt.Errorf("callback %d: %d %v", i, status, err)
		}
		return nil
	})
	wall := time.Since(start)

	if n := loadLoggedIn(t, client, h.srv.URL, cookies); n != 0 {
		t.Fatalf("C83: %d of %d sessions survived", n, loadUsers)
	}
	if n := hookCalls.Load(); n != loadCallbacks {
		t.Errorf("C82: hook ran %d times for %d deliveries", n, loadCallbacks)
	}
	if q := queuedUnlinks(t, h); q != 0 {
		t.Errorf("unexpected retry queue: %d entries", q)
	}
	reportLoad(t, fmt.Sprintf("unlink callback load: %d callbacks, %d senders, %d users (Redis)", loadCallbacks, loadSenders, loadUsers), lat, wall)
}

// reportLoad logs a load run's wall time, rate and latency percentiles,
// and fails t when the slowest answer took longer than the 3 s after
// which Kakao gives up on a webhook delivery (C81).
func reportLoad(t *testing.T, what string, lat []time.Duration, wall time.Duration) {
	t.Helper()
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	t.Logf("%s: wall %v (%.0f/s), p50 %v, p99 %v, max %v", what, wall.Round(time.Millisecond), float64(len(lat))/wall.Seconds(),
		pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	if lat[len(lat)-1] > 3*time.Second {
		t.Errorf("C81: slowest answer %v, Kakao gives up at 3 s", lat[len(lat)-1])
	}
}

// loadParallel runs f(0..n-1) on workers goroutines and fails t with the
// first error.
func loadParallel(t *testing.T, n, workers int, f func(i int) error) {
	t.Helper()
	next := atomic.Int64{}
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

// loadLoggedIn reports how many of the session cookies still name a
// logged-in session.
func loadLoggedIn(t *testing.T, client *http.Client, base string, cookies []string) int {
	t.Helper()
	var n atomic.Int64
	loadParallel(t, len(cookies), loadSenders, func(i int) error {
		req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
		req.Header.Set("Cookie", cookies[i])
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if strings.HasPrefix(string(body), "home: logged in") {
			n.Add(1)
		}
		return nil
	})
	return int(n.Load())
}

// BenchmarkUnlinkCallback is the handler's cost per callback (auth, parse,
// revocation and hook over the memory store; no network), for users with
// no session, GET and POST.
func BenchmarkUnlinkCallback(b *testing.B) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		b.Run(method, func(b *testing.B) {
			h := newHarness(b, withConfig(func(c *Config) {
				c.Unlink.OnUnlink = func(context.Context, UnlinkEvent) error { return nil }
			}))
			params := h.callbackQuery(kakaotest.UserMinji, string(ReferrerUnlinkFromApps)).Encode()
			auth := "KakaoAK " + h.fake.AdminKey
			b.ReportAllocs()
			for b.Loop() {
				var req *http.Request
				if method == http.MethodGet {
					req = httptest.NewRequest(method, webhookPath+"?"+params, nil)
				} else {
					req = httptest.NewRequest(method, webhookPath, strings.NewReader(params))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				req.Header.Set("Authorization", auth)
				w := httptest.NewRecorder()
				h.eng.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
