package kakaogin

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// TestCallbackBudgetNotSharedBehindNAT is issue 11, point 3, with C27 and
// C17: two browsers behind one address (the harness's clients all come
// from 127.0.0.1, as users behind an office or carrier NAT do), one of
// them spraying made-up states and codes well past the failure budget.
// The hostile one is refused with 429 once the budget is spent, and never
// reaches the token endpoint; the honest one's login, whose state names a
// flow of its own session, still completes, and does not count against
// the address either.
func TestCallbackBudgetNotSharedBehindNAT(t *testing.T) {
	h, spy := faultyHarness(t)
	honest, hostile := h.browser(), h.browser()
	cb := honest.callbackURL(honest.toKakao("/auth/kakao/login?next=/private"))
	hostile.toKakao("/auth/kakao/login") // a session (and a live flow) of its own: the sprayed states must not match it

	spray := func(n int) (statuses []int) {
		for range n {
			status, _, _ := hostile.step("/auth/kakao/callback?code=" + randomToken() + "&state=" + randomToken())
			statuses = append(statuses, status)
		}
		return statuses
	}
	for i, s := range spray(3 * maxCallbackFailures) {
		want := http.StatusBadRequest
		if i >= maxCallbackFailures {
			want = http.StatusTooManyRequests
		}
		if s != want {
			t.Fatalf("C27: hostile callback %d = %d, want %d", i+1, s, want)
		}
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 0 {
		t.Fatalf("C27: %d token requests while spraying", n)
	}

	// The honest browser, same address, budget spent by the other one.
	status, body, _ := honest.get(cb)
	if status != http.StatusOK || !strings.HasPrefix(body, "private: ") {
		t.Fatalf("C27: the honest login behind the same address: %d %q", status, body)
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 1 {
		t.Fatalf("token requests = %d, want 1 (the honest login)", n)
	}
	// A second honest login from the same browser, which fails at Kakao
	// (the user cancels), is its own flow too: answered as a cancel, not
	// throttled.
	u := honest.toKakao("/auth/kakao/login")
	if status, _, _ := honest.step("/auth/kakao/callback?error=access_denied&state=" + u.Query().Get("state")); status != http.StatusForbidden {
		t.Fatalf("C27: the honest browser's own cancelled flow: %d, want 403", status)
	}

	// The hostile one is still refused, a state of another browser
	// included (C17), and its refused requests write nothing to the store
	// (each costs the session's read and one read of its flows).
	spy.ResetCalls()
	for _, s := range spray(5) {
		if s != http.StatusTooManyRequests {
			t.Fatalf("C27: hostile after the honest login: %d, want 429", s)
		}
	}
	if status, _, _ := hostile.step(cb); status != http.StatusTooManyRequests {
		t.Fatalf("C17: another browser's callback: %d, want 429", status)
	}
	writes := 0
	for _, m := range []storetest.Method{storetest.Commit, storetest.CompareAndSwap, storetest.Delete, storetest.AddUserSession} {
		writes += spy.Calls(m)
	}
	if reads := spy.Calls(storetest.Find); writes != 0 || reads > 2*6 {
		t.Fatalf("C27: 6 refused callbacks cost %d store writes and %d reads", writes, reads)
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 1 {
		t.Fatalf("C27: %d token requests, want 1", n)
	}

	// The honest requests did not count: a fresh address-wide window
	// gives the hostile browser its 20 failures again, no fewer.
	h.clock.Advance(callbackFailWindow)
	for i, s := range spray(maxCallbackFailures + 1) {
		if want := map[bool]int{true: 400, false: 429}[i < maxCallbackFailures]; s != want {
			t.Fatalf("after the window: callback %d = %d, want %d", i+1, s, want)
		}
	}
}

// replayHarness is a harness whose sessions keep the library's test clock,
// so that a test can put seconds between a login and a later flow.
func replayHarness(t *testing.T) *harness {
	t.Helper()
	clk := &testClock{}
	mem := memory.New()
	t.Cleanup(func() { mem.Close() })
	sm, err := session.New(mem, session.Config{SealKeys: [][]byte{testSealKey}, InsecureCookies: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, withConfig(func(c *Config) { c.Sessions, c.Now = sm, clk.Now }))
	h.clock = clk
	return h
}

// TestCallbackReplayAfterLoginRedirects is issue 11, point 4, with C18 and
// C23: once a browser is logged in by a flow, the same callback coming
// again (a reload, a second tab, or the Back button, which goes through
// Kakao's authorize page again and comes back with the same state and a
// new code) sends it on with a 303 to where that login was going, never
// using the code: no second token request. A state the browser never
// had, and a replay by a browser that is not logged in by that flow, are
// still refused (C17, C18), without a token request either.
func TestCallbackReplayAfterLoginRedirects(t *testing.T) {
	h := replayHarness(t)
	tokens := func() int { return h.fake.Hits(kakaotest.PathToken) }

	for _, tc := range []struct{ name, start, want string }{
		{"to next", "/auth/kakao/login?next=/private", "/private"},
		{"to the after-login URL", "/auth/kakao/login", "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := h.browser()
			authorize := b.toKakao(tc.start)
			cb := b.callbackURL(authorize)
			before := tokens()
			status, _, resp := b.step(cb)
			if status != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
				t.Fatalf("login: %d to %q", status, resp.Header.Get("Location"))
			}
			back := b.callbackURL(authorize) // Back: Kakao again, same state, new code
			if back == cb {
				t.Fatal("the fake gave the same code twice")
			}
			for name, u := range map[string]string{"reload": cb, "Back": back, "JSON client": cb} {
				hdr := []string{}
				if name == "JSON client" {
					hdr = []string{"Accept", "application/json"}
				}
				status, body, resp := b.step(u, hdr...)
				if status != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
					t.Errorf("C18: %s: %d to %q: %.200s", name, status, resp.Header.Get("Location"), body)
				}
				if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
					t.Errorf("C23: %s: headers %v", name, resp.Header)
				}
			}
			if n := tokens() - before; n != 1 {
				t.Fatalf("C18: %d token requests for one login and its replays, want 1", n)
			}
			if !b.loggedIn() {
				t.Fatal("the replays changed the session")
			}

			// A state this browser never had, while logged in: refused.
			if status, _, _ := b.step("/auth/kakao/callback?code=x&state=" + randomToken()); status != http.StatusBadRequest {
				t.Errorf("C17: a foreign state while logged in: %d, want 400", status)
			}
			// Another browser (with a session of its own) replaying it.
			other := h.browser()
			other.toKakao("/auth/kakao/login")
			if status, _, _ := other.step(cb); status != http.StatusBadRequest {
				t.Errorf("C17: the callback in another browser: %d, want 400", status)
			}
			if n := tokens() - before; n != 1 {
				t.Fatalf("C18: %d token requests, want 1", n)
			}
		})
	}

	// A flow taken without logging anyone in (the user cancelled at
	// Kakao), then its real callback: the browser is not logged in, so
	// the state is "already used", and the code is not used.
	t.Run("not logged in", func(t *testing.T) {
		b := h.browser()
		u := b.toKakao("/auth/kakao/login?next=/private")
		cb := b.callbackURL(u)
		if status, _, _ := b.step("/auth/kakao/callback?error=access_denied&state=" + u.Query().Get("state")); status != http.StatusForbidden {
			t.Fatalf("cancel: %d", status)
		}
		before := tokens()
		status, body, _ := b.step(cb, "Accept", "application/json")
		if status != http.StatusBadRequest || !strings.Contains(body, string(CodeStateMismatch)) {
			t.Fatalf("C18: replay while not logged in: %d %s", status, body)
		}
		if tokens() != before || b.loggedIn() {
			t.Fatal("C18: the replay used the code")
		}
	})

	// Logged in before a flow that then logged no one in: the flow did
	// not log this session in, so its callback is refused.
	t.Run("logged in before the flow", func(t *testing.T) {
		b := h.browser()
		b.login("/")
		h.clock.Advance(2 * time.Second)
		u := b.toKakao("/auth/kakao/login?next=/private")
		cb := b.callbackURL(u)
		if status, _, _ := b.step("/auth/kakao/callback?error=access_denied&state=" + u.Query().Get("state")); status != http.StatusForbidden {
			t.Fatalf("cancel: %d", status)
		}
		before := tokens()
		if status, _, _ := b.step(cb); status != http.StatusBadRequest {
			t.Fatalf("C18: a cancelled flow's callback: %d, want 400", status)
		}
		if tokens() != before {
			t.Fatal("C18: the replay used the code")
		}
	})
}

// TestCallbackWithoutCookieSaysCookiesBlocked is issue 11, point 5, with
// C17, C66 and C100: a callback, or a CSRF-checked POST, from a browser
// that sent no session cookie at all gets cookies_blocked, saying in
// Korean or English (as the other pages) that cookies are blocked and how
// to allow them, HTML or JSON by Accept; never a token request. A cookie
// of the session's name that names no session keeps the answers of
// before (state_mismatch; forbidden).
func TestCallbackWithoutCookieSaysCookiesBlocked(t *testing.T) {
	h := newHarness(t)
	h.eng.POST("/form", h.kg.RequireCSRF(), func(c *gin.Context) { c.String(http.StatusOK, "done") })
	b := h.browser()
	cb := b.callbackURL(b.toKakao("/auth/kakao/login"))
	cookieName := b.Jar.Cookies(mustURL(h.srv.URL))[0].Name
	unknown := cookieName + "=" + randomToken()
	blocked := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	send := func(method, u string, hdr ...string) (int, string, http.Header) {
		t.Helper()
		var body *strings.Reader
		if method == http.MethodPost {
			body = strings.NewReader(url.Values{CSRFField: {"x"}}.Encode())
		} else {
			body = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, u, body)
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Add(hdr[i], hdr[i+1])
		}
		resp, err := blocked.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	koTitle, koText := Message(CodeCookiesBlocked, Korean)
	enTitle, enText := Message(CodeCookiesBlocked, English)
	if !strings.Contains(koText, "쿠키") || !strings.Contains(koText, "허용") || !strings.Contains(enText, "Allow cookies") {
		t.Fatalf("the message does not say how to allow cookies: %q / %q", koText, enText)
	}
	form := h.srv.URL + "/form"
	cases := []struct {
		name     string
		method   string
		url      string
		hdr      []string
		status   int
		code     ErrorCode
		contains []string // in the body
	}{
		{"callback, Korean page", "GET", cb, nil, 400, CodeCookiesBlocked, []string{koTitle, koText}},
		{"callback, English page", "GET", cb, []string{"Accept-Language", "en-US,en;q=0.9"}, 400, CodeCookiesBlocked, []string{enTitle}},
		{"callback, JSON", "GET", cb, []string{"Accept", "application/json", "Accept-Language", "en"}, 400, CodeCookiesBlocked, []string{`"error":"cookies_blocked"`}},
		{"callback with an error parameter", "GET", h.srv.URL + "/auth/kakao/callback?error=access_denied&state=" + randomToken(), nil, 400, CodeCookiesBlocked, []string{koTitle}},
		{"callback, unknown session cookie", "GET", cb, []string{"Cookie", unknown}, 400, CodeStateMismatch, nil},
		{"CSRF POST, Korean page", "POST", form, nil, 403, CodeCookiesBlocked, []string{koTitle, koText}},
		{"CSRF POST, JSON", "POST", form, []string{"Accept", "application/json"}, 403, CodeCookiesBlocked, []string{`"error":"cookies_blocked"`}},
		{"CSRF POST, unknown session cookie", "POST", form, []string{"Cookie", unknown}, 403, CodeForbidden, nil},
		{"CSRF POST, another cookie only", "POST", form, []string{"Cookie", "lang=en"}, 403, CodeForbidden, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := send(tc.method, tc.url, tc.hdr...)
			if status != tc.status || !strings.Contains(body, string(tc.code)) {
				t.Fatalf("%d, want %d with %s: %.300s", status, tc.status, tc.code, body)
			}
			for _, s := range tc.contains {
				if !strings.Contains(body, s) && !strings.Contains(body, jsonEscape(s)) {
					t.Errorf("C100: body lacks %q: %.300s", s, body)
				}
			}
			if tc.code == CodeCookiesBlocked && (strings.Contains(body, "다시 시도") || strings.Contains(body, "Try again")) {
				t.Error("a retry button would loop")
			}
			if hdr.Get("Cache-Control") != "no-store" || hdr.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("C23: headers %v", hdr)
			}
		})
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 0 {
		t.Fatalf("C17: %d token requests", n)
	}
	// The browser that kept its cookie finishes its login.
	if status, body, _ := b.get(cb); status != http.StatusOK || !strings.HasPrefix(body, "home: logged in") {
		t.Fatalf("the real callback: %d %q", status, body)
	}
}

// jsonEscape is s as encoding/json writes it inside a string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
