package kakaogin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store/storetest"
)

// Issue 11 point 6; SECURITY C67, C16: anonymous visitors cost the store
// nothing. 10,000 cookieless page views that each render a CSRF token
// write nothing; 1,000 cookieless login starts from one address create at
// most Login.NewSessionsPerMinute sessions (each with its flow record),
// the rest are refused with 429 before anything is stored; a browser that
// has a session, and other addresses, are not held back; a minute later
// the address may start logins again.
func TestAnonymousVisitorsCostNothing(t *testing.T) {
	const perMinute = 25
	h, faulty := faultyHarness(t, withConfig(func(c *Config) { c.Login.NewSessionsPerMinute = perMinute }))
	serve := func(path, remote string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = remote
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		w := httptest.NewRecorder()
		h.eng.ServeHTTP(w, req)
		return w
	}
	writes := func() int {
		n := 0
		for _, m := range []storetest.Method{storetest.Commit, storetest.CompareAndSwap, storetest.AddUserSession} {
			n += faulty.Calls(m)
		}
		return n
	}
	faulty.ResetCalls()
	for i := range 10000 {
		w := serve("/csrf", "198.51.100.7:1234")
		if w.Code != http.StatusOK || len(w.Body.String()) < 40 {
			t.Fatalf("page view %d: %d %q", i, w.Code, w.Body.String())
		}
	}
	if n := writes(); n != 0 {
		t.Fatalf("10,000 cookieless page views made %d store writes", n)
	}

	started, refused := 0, 0
	for i := range 1000 {
		// Two addresses of one IPv6 /64 count as one client.
		remote := "198.51.100.7:1234"
		if i%2 == 1 {
			remote = "[2001:db8:1:2::" + strings.Repeat("a", 1+i%3) + "]:443"
		}
		switch w := serve("/auth/kakao/login", remote); w.Code {
		case http.StatusFound:
			started++
		case http.StatusTooManyRequests:
			refused++
			if w.Header().Get("Set-Cookie") != "" || w.Header().Get("Retry-After") == "" {
				t.Fatalf("refused start: headers %v", w.Header())
			}
		default:
			t.Fatalf("login start: %d", w.Code)
		}
	}
	// One IPv4 client and one IPv6 /64.
	if started != 2*perMinute || refused != 1000-2*perMinute {
		t.Fatalf("started %d, refused %d; want %d started", started, refused, 2*perMinute)
	}
	if n := writes(); n > 2*started {
		t.Fatalf("%d store writes for %d stored login starts (a session and a flow each)", n, started)
	}

	// A browser with a session is not held back; another address is not.
	b := h.browser()
	if _, body := b.login("/"); !strings.Contains(body, "logged in") {
		t.Fatalf("a logged-in browser could not log in: %q", body)
	}
	if w := serve("/auth/kakao/login", "203.0.113.9:1"); w.Code != http.StatusFound {
		t.Fatalf("another address: %d", w.Code)
	}
	h.clock.Advance(time.Minute)
	if w := serve("/auth/kakao/login", "198.51.100.7:1234"); w.Code != http.StatusFound {
		t.Fatalf("a minute later: %d", w.Code)
	}
}
