package kakaogin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// Load figure of the security event receiver (issue 15), run only with
// KAKAOLOGIN_LOAD=1:
//
//	KAKAOLOGIN_LOAD=1 go test -run TestSecurityEventLoad -v ./kakaogin
const (
	setLoadUsers   = 250
	setLoadEvents  = 1000
	setLoadSenders = 20
	setLoadFirstID = 6_000_000_000
)

// setLoadTypes are the four events each user gets, in this order.
var setLoadTypes = []string{kakaotest.EventProfileChanged, kakaotest.EventSessionRevoked,
	kakaotest.EventAccountDisabled, kakaotest.EventUserUnlinked}

// TestSecurityEventLoad sends 1,000 signed security events from 20
// concurrent senders to two app instances sharing one (memory) store, for
// 250 logged-in users (each gets a profile change, a session revocation,
// an account-disabled and a user-unlinked event, in that order per user
// but interleaved across users). Every answer must be 202 within Kakao's
// 3 s, every session must end, OnEvent must see every event and OnUnlink
// run once per user. It logs p50/p99/max latency.
func TestSecurityEventLoad(t *testing.T) {
	if os.Getenv("KAKAOLOGIN_LOAD") != "1" {
		t.Skip("load figure: set KAKAOLOGIN_LOAD=1")
	}
	var hookCalls, eventCalls atomic.Int64
	h := newHarness(t, withConfig(func(c *Config) {
		c.Unlink.OnUnlink = func(context.Context, UnlinkEvent) error { hookCalls.Add(1); return nil }
		c.SecurityEvents = &SecurityEventsConfig{OnEvent: func(context.Context, SecurityEvent) error {
			eventCalls.Add(1)
			return nil
		}}
	}))
	_, twin := h.twin()
	h.eng.GET("/load/login", func(c *gin.Context) {
		id, err := strconv.ParseInt(c.Query("id"), 10, 64)
		if err == nil {
			err = h.sm.LogIn(c, &session.Login{KakaoID: id, UserID: c.Query("user"), Nickname: "before"}, nil)
		}
		if err != nil {
			c.String(http.StatusInternalServerError, "%v", err)
			return
		}
		c.String(http.StatusOK, "ok")
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * setLoadSenders, MaxIdleConnsPerHost: 2 * setLoadSenders}}
	t.Cleanup(client.CloseIdleConnections)

	cookies := make([]string, setLoadUsers)
	loadParallel(t, setLoadUsers, setLoadSenders, func(i int) error {
		id := int64(setLoadFirstID + i)
		uid := "set-load-user-" + strconv.Itoa(i)
		if _, err := h.st.Links().Link(context.Background(), store.Link{KakaoID: id, UserID: uid}); err != nil {
			return err
		}
		resp, err := client.Get(h.srv.URL + "/load/login?id=" + strconv.FormatInt(id, 10) + "&user=" + uid)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ck := resp.Cookies()
		if resp.StatusCode != http.StatusOK || len(ck) != 1 {
			return fmt.Errorf("login %d: status %d", i, resp.StatusCode)
		}
		cookies[i] = ck[0].Name + "=" + ck[0].Value
		return nil
	})
	if n := loadLoggedIn(t, client, h.srv.URL, cookies); n != setLoadUsers {
		t.Fatalf("%d of %d users logged in before the events", n, setLoadUsers)
	}

	// Signed beforehand: Kakao's signing is not the receiver's cost.
	type signed struct{ tok, jti string }
	sets := make([]signed, setLoadEvents)
	for i := range sets {
		ev := kakaotest.SecurityEvent{Type: setLoadTypes[i/setLoadUsers], UserID: int64(setLoadFirstID + i%setLoadUsers)}
		if ev.Type == kakaotest.EventProfileChanged {
			ev.Fields = map[string]any{"nickname": "after-" + strconv.Itoa(i)}
		}
		sets[i].tok, sets[i].jti = h.fake.SignSecurityEvent(ev)
	}

	lat := make([]time.Duration, setLoadEvents)
	start := time.Now()
	loadParallel(t, setLoadEvents, setLoadSenders, func(i int) error {
		base := []string{h.srv.URL, twin.URL}[i%2]
		t0 := time.Now()
		a, err := kakaotest.PushSET(context.Background(), base+eventsPath, sets[i].tok, sets[i].jti,
			kakaotest.SETClient(client))
		lat[i] = time.Since(t0)
		if err != nil || a.Status != http.StatusAccepted {
			return fmt.Errorf("event %d: %d %q %v", i, a.Status, a.Body, err)
		}
		return nil
	})
	wall := time.Since(start)

	if n := loadLoggedIn(t, client, h.srv.URL, cookies); n != 0 {
		t.Fatalf("%d of %d sessions survived", n, setLoadUsers)
	}
	if n := eventCalls.Load(); n != setLoadEvents {
		t.Errorf("OnEvent ran %d times for %d events", n, setLoadEvents)
	}
	if n := hookCalls.Load(); n != setLoadUsers {
		t.Errorf("OnUnlink ran %d times for %d users", n, setLoadUsers)
	}
	if q := queuedUnlinks(t, h); q != 0 {
		t.Errorf("unexpected retry queue: %d entries", q)
	}
	reportLoad(t, fmt.Sprintf("security event load: %d events, %d senders, %d users, 2 instances (memory store)",
		setLoadEvents, setLoadSenders, setLoadUsers), lat, wall)
}

// BenchmarkSecurityEvent is the receiver's cost per SET in-process on the
// memory store (no network): header and claim checks, the RS256
// signature check with the cached key set, the jti record and the action,
// for a user with no session. Run it beside BenchmarkUnlinkCallback as
// the baseline. Signing (Kakao's cost) is outside the timer.
func BenchmarkSecurityEvent(b *testing.B) {
	for _, typ := range []string{kakaotest.EventSessionRevoked, kakaotest.EventProfileChanged} {
		b.Run(typ[strings.LastIndex(typ, "/")+1:], func(b *testing.B) {
			h := newHarness(b, withConfig(func(c *Config) {
				c.SecurityEvents = &SecurityEventsConfig{OnEvent: func(context.Context, SecurityEvent) error { return nil }}
			}))
			ev := kakaotest.SecurityEvent{Type: typ, UserID: kakaotest.UserMinji, Fields: map[string]any{"nickname": "x"}}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				tok, _ := h.fake.SignSecurityEvent(ev)
				req := httptest.NewRequest(http.MethodPost, eventsPath, strings.NewReader(tok))
				req.Header.Set("Content-Type", "application/secevent+jwt")
				w := httptest.NewRecorder()
				b.StartTimer()
				h.eng.ServeHTTP(w, req)
				if w.Code != http.StatusAccepted {
					b.Fatalf("status %d %s", w.Code, w.Body)
				}
			}
		})
	}
}
