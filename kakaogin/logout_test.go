package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/store"
)

// TestLogoutModes covers C72–C75 for each mode: the local session ends
// first, the Kakao part follows, and the old cookie is dead.
func TestLogoutModes(t *testing.T) {
	for _, mode := range []string{"", LogoutService, LogoutKakao, LogoutAccount} {
		t.Run("mode="+mode, func(t *testing.T) {
			h := newHarness(t)
			b := h.browser()
			b.login("/")
			old := b.Jar.Cookies(mustURL(h.srv.URL))
			status, _, resp := b.post("/auth/kakao/logout", url.Values{"mode": {mode}}, true)
			if status != http.StatusSeeOther {
				t.Fatalf("status %d", status)
			}
			loc := resp.Header.Get("Location")
			switch mode {
			case LogoutAccount:
				if !strings.HasPrefix(loc, h.fake.URL+kakaotest.PathLogoutRedirect) {
					t.Fatalf("account logout goes to %q", loc)
				}
				// Follow Kakao's account logout back to our callback.
				if status, body, _ := b.get(loc); status != http.StatusOK || body != "home: anonymous" {
					t.Fatalf("after account logout: %d %q", status, body)
				}
			default:
				if loc != "/" {
					t.Fatalf("Location %q", loc)
				}
			}
			if b.loggedIn() {
				t.Fatal("still logged in")
			}
			// C58: the old cookie replayed is anonymous.
			replay := h.browser()
			replay.Jar.SetCookies(mustURL(h.srv.URL), old)
			if replay.loggedIn() {
				t.Fatal("C58: the old session cookie still works")
			}
			if got, want := h.fake.Hits(kakaotest.PathLogout), map[bool]int{true: 1, false: 0}[mode == LogoutKakao]; got != want {
				t.Fatalf("Kakao token logout calls = %d, want %d", got, want)
			}
		})
	}
}

// TestLogoutKakaoDown is C72: Kakao failing the token logout never keeps
// the user logged in.
func TestLogoutKakaoDown(t *testing.T) {
	h := newHarness(t)
	h.fake.Fail(kakaotest.PathLogout, kakaotest.Fault{Status: 503})
	b := h.browser()
	b.login("/")
	if status, _, resp := b.post("/auth/kakao/logout", url.Values{"mode": {LogoutKakao}}, true); status != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("status %d", status)
	}
	if b.loggedIn() {
		t.Fatal("C72: logged in after Kakao failed")
	}
}

// TestLogoutCSRF is C65 and C66 for logout, logout everywhere and unlink.
func TestLogoutCSRF(t *testing.T) {
	for _, path := range []string{"/auth/kakao/logout", "/auth/kakao/logout/everywhere", "/auth/kakao/unlink"} {
		t.Run(path, func(t *testing.T) {
			h := newHarness(t)
			b := h.browser()
			b.login("/")
			cases := []struct {
				name string
				csrf bool
				hdr  []string
			}{
				{"missing token", false, nil},
				{"cross-site fetch", true, []string{"Sec-Fetch-Site", "cross-site"}},
				{"foreign origin", true, []string{"Origin", "https://evil.example"}},
			}
			for _, tc := range cases {
				if status, _, _ := b.post(path, nil, tc.csrf, tc.hdr...); status != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", tc.name, status)
				}
			}
			form := url.Values{CSRFField: {"wrong"}}
			if status, _, _ := b.post(path, form, false); status != http.StatusForbidden {
				t.Errorf("wrong token: status %d", status)
			}
			if status, _, _ := b.step(path); status != http.StatusMethodNotAllowed {
				t.Errorf("C65: GET %s = %d, want 405", path, status)
			}
			if !b.loggedIn() {
				t.Fatal("a refused request changed the session")
			}
			if n := h.fake.Hits(kakaotest.PathUnlink); n != 0 {
				t.Fatal("a refused request reached Kakao")
			}
		})
	}
}

// TestLogoutIdempotent is C75: without a session, logout still lands on
// the page; twice is fine.
func TestLogoutIdempotent(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	for range 2 {
		if status, _, resp := b.post("/auth/kakao/logout", nil, false); status != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("status %d", status)
		}
	}
}

// TestLogoutCallbackState is C74: other, missing or repeated state all
// land safely on the after-logout page.
func TestLogoutCallbackState(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	for _, q := range []string{"", "?state=other", "?state=a&state=b", "?state=" + strings.Repeat("x", 5000), "?error=x"} {
		status, _, resp := b.step("/auth/kakao/logout/callback" + q)
		if status != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("%q: %d %q", q, status, resp.Header.Get("Location"))
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("%q: sets a cookie", q)
		}
	}
}

// TestLogoutRacesSlowRequest is R18/C60: a slow request that loaded the
// session before the logout cannot bring it back when it finishes.
func TestLogoutRacesSlowRequest(t *testing.T) {
	h := newHarness(t)
	release := make(chan struct{})
	entered := make(chan struct{})
	h.eng.GET("/slow", h.kg.RequireLogin(), func(c *gin.Context) {
		h.sm.CSRFSecret(c) // a change the slow request will try to save
		close(entered)
		<-release
		c.String(http.StatusOK, "slow done")
	})
	b := h.browser()
	b.login("/")
	done := make(chan int)
	go func() { status, _, _ := b.step("/slow"); done <- status }()
	<-entered
	if status, _, _ := b.post("/auth/kakao/logout", nil, true); status != http.StatusSeeOther {
		t.Fatalf("logout: %d", status)
	}
	close(release)
	<-done
	if b.loggedIn() {
		t.Fatal("R18: the slow request resurrected the session")
	}
}

// TestLogoutEverywhere: every session of the user ends, other users' do
// not.
func TestLogoutEverywhere(t *testing.T) {
	h := newHarness(t)
	a1, a2, other := h.browser(), h.browser(), h.browser()
	a1.login("/")
	a2.login("/")
	h.fake.SetLoginUser(kakaotest.UserSeoyeon)
	other.login("/")
	if status, _, _ := a1.post("/auth/kakao/logout/everywhere", nil, true); status != http.StatusSeeOther {
		t.Fatalf("status %d", status)
	}
	if a1.loggedIn() || a2.loggedIn() {
		t.Fatal("a session of the user survived")
	}
	if !other.loggedIn() {
		t.Fatal("another user's session ended")
	}
}

// TestLogoutEverywhereAcrossInstances: sessions made through two engines,
// each with its own session manager over one shared store, all end (C61).
// store/redis runs the same scenario over two Redis clients.
func TestLogoutEverywhereAcrossInstances(t *testing.T) {
	h := newHarness(t)
	_, other := h.twin()
	a, b := h.browser(), h.browser()
	a.login("/")
	// b logs in through the second instance.
	cb := b.callbackURL(b.toKakao("/auth/kakao/login"))
	cu, _ := url.Parse(cb)
	if status, _, _ := b.get(other.URL + cu.Path + "?" + cu.RawQuery); status != http.StatusOK {
		t.Fatalf("login through the second instance: %d", status)
	}
	if status, _, _ := a.post(other.URL+"/auth/kakao/logout/everywhere", nil, true); status != http.StatusSeeOther {
		t.Fatalf("status %d", status)
	}
	for i, br := range []*browser{a, b} {
		for _, base := range []string{h.srv.URL, other.URL} {
			if _, body, _ := br.step(base + "/"); body != "home: anonymous" {
				t.Fatalf("browser %d still logged in at %s", i, base)
			}
		}
	}
}

// unlinkHarness is a harness whose OnUnlink records events and can fail.
type unlinkHook struct {
	mu     sync.Mutex
	events []UnlinkEvent
	fail   atomic.Bool
}

func (u *unlinkHook) hook(_ context.Context, ev UnlinkEvent) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.events = append(u.events, ev)
	if u.fail.Load() {
		return errors.New("host database down")
	}
	return nil
}

func (u *unlinkHook) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.events)
}

// TestUnlink is C77 and C78: Kakao first, then every session of the user
// ends, the link is dropped and the host hook runs; no webhook needed.
func TestUnlink(t *testing.T) {
	hook := &unlinkHook{}
	h := newHarness(t, withConfig(func(c *Config) { c.Unlink.OnUnlink = hook.hook }))
	if _, err := h.users.Link(context.Background(), store.Link{KakaoID: kakaotest.UserMinji, UserID: "host-7"}); err != nil {
		t.Fatal(err)
	}
	b, b2 := h.browser(), h.browser()
	b.login("/")
	b2.login("/")
	status, _, resp := b.post("/auth/kakao/unlink", nil, true)
	if status != http.StatusSeeOther || resp.Header.Get("Location") != "/?kakao_unlinked=1" {
		t.Fatalf("unlink: %d %q", status, resp.Header.Get("Location"))
	}
	if u, _ := h.fake.User(kakaotest.UserMinji); u.Linked {
		t.Fatal("still linked at Kakao")
	}
	if b.loggedIn() || b2.loggedIn() {
		t.Fatal("a session of the unlinked user survived")
	}
	if _, err := h.users.ByKakaoID(context.Background(), kakaotest.UserMinji); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("link not dropped: %v", err)
	}
	if hook.count() != 1 || hook.events[0].UserID != "host-7" || hook.events[0].Referrer != ReferrerService {
		t.Fatalf("hook events %+v", hook.events)
	}
}

// TestUnlinkKakaoFails is C77: Kakao failing changes nothing locally.
func TestUnlinkKakaoFails(t *testing.T) {
	hook := &unlinkHook{}
	h := newHarness(t, withConfig(func(c *Config) { c.Unlink.OnUnlink = hook.hook }))
	h.fake.Fail(kakaotest.PathUnlink, kakaotest.Fault{Status: 500})
	b := h.browser()
	b.login("/")
	if status, _, _ := b.post("/auth/kakao/unlink", nil, true); status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", status)
	}
	if !b.loggedIn() || hook.count() != 0 {
		t.Fatal("C77: local state changed although Kakao failed")
	}
}

// TestUnlinkAlreadyUnlinked is C77: a user already unlinked at Kakao (the
// token is dead; the admin key says "not linked") counts as done.
func TestUnlinkAlreadyUnlinked(t *testing.T) {
	hook := &unlinkHook{}
	h := newHarness(t, withConfig(func(c *Config) { c.Unlink.OnUnlink = hook.hook }))
	b := h.browser()
	b.login("/")
	if err := h.fake.UnlinkUser(kakaotest.UserMinji); err != nil {
		t.Fatal(err)
	}
	if status, body, _ := b.post("/auth/kakao/unlink", nil, true); status != http.StatusSeeOther {
		t.Fatalf("status %d %.200s", status, body)
	}
	if b.loggedIn() || hook.count() != 1 {
		t.Fatal("local cleanup not done")
	}
}

// TestUnlinkHookFails is C77: a failing host hook after Kakao succeeded is
// queued and retried; the user's sessions end anyway.
func TestUnlinkHookFails(t *testing.T) {
	hook := &unlinkHook{}
	hook.fail.Store(true)
	storeClock := &testClock{}
	sm := sessionsOnClock(t, storeClock)
	h := newHarness(t, withConfig(func(c *Config) { c.Unlink.OnUnlink = hook.hook; c.Sessions = sm }))
	b := h.browser()
	b.login("/")
	if status, _, _ := b.post("/auth/kakao/unlink", nil, true); status != http.StatusSeeOther {
		t.Fatalf("status %d", status)
	}
	if b.loggedIn() {
		t.Fatal("session survived a failing hook")
	}
	tries := hook.count()
	if tries != hookAttempts {
		t.Fatalf("hook tried %d times in the request, want %d", tries, hookAttempts)
	}
	if n, _ := h.kg.RetryPendingUnlinks(context.Background()); n != 0 {
		t.Fatal("retry succeeded while the hook still fails")
	}
	hook.fail.Store(false)
	// The failed retry holds the event until its lease ends, so that no
	// other instance runs it meanwhile; then it is retried.
	if n, _ := h.kg.RetryPendingUnlinks(context.Background()); n != 0 {
		t.Fatal("retried before the failed retry's lease ended")
	}
	storeClock.Advance(unlinkLease)
	if n, err := h.kg.RetryPendingUnlinks(context.Background()); n != 1 || err != nil {
		t.Fatalf("retry: %d, %v", n, err)
	}
	if n, _ := h.kg.RetryPendingUnlinks(context.Background()); n != 0 {
		t.Fatal("the queue was not emptied")
	}
	last := hook.events[len(hook.events)-1]
	// Three in the request, one failed retry, this one.
	if last.KakaoID != kakaotest.UserMinji || last.Attempt != hookAttempts+2 {
		t.Fatalf("retried event %+v", last)
	}
}

// TestUnlinkNeedsRecentLogin is C76 and C48: with Unlink.MaxAuthAge an old
// login is sent through prompt=login first; an old auth_time is refused.
func TestUnlinkNeedsRecentLogin(t *testing.T) {
	h := newHarness(t, withConfig(func(c *Config) { c.Unlink.MaxAuthAge = 5 * time.Minute }))
	b := h.browser()
	b.login("/")
	h.clock.Advance(10 * time.Minute)
	status, _, resp := b.post("/auth/kakao/unlink", nil, true, "Referer", h.srv.URL+"/private")
	if status != http.StatusSeeOther {
		t.Fatalf("status %d", status)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("prompt") != "login" {
		t.Fatalf("re-auth URL %q", loc)
	}
	if u, _ := h.fake.User(kakaotest.UserMinji); !u.Linked {
		t.Fatal("unlinked without re-authentication")
	}
	// C48: Kakao answering with an old auth_time is refused.
	h.fake.MutateIDTokenClaims(func(m map[string]any) { m["auth_time"] = time.Now().Add(-time.Hour).Unix() })
	if status, _, _ := b.get(loc.String()); status != http.StatusBadRequest {
		t.Fatalf("C48: stale auth_time accepted: %d", status)
	}
	h.fake.MutateIDTokenClaims(nil)
	// A real fresh login, then the unlink goes through.
	b.login("/")
	h.clock.Advance(-10 * time.Minute)
	_, _, resp = b.post("/auth/kakao/unlink", nil, true)
	if u, _ := h.fake.User(kakaotest.UserMinji); u.Linked {
		t.Fatalf("not unlinked after a fresh login: %q", resp.Header.Get("Location"))
	}
}

// TestGETRoutesChangeNothing is C67: GET and HEAD probes of the
// state-changing routes change nothing.
func TestGETRoutesChangeNothing(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.login("/")
	for _, p := range []string{"/auth/kakao/logout", "/auth/kakao/unlink", "/auth/kakao/logout/everywhere"} {
		b.step(p)
		req, _ := http.NewRequest(http.MethodHead, h.srv.URL+p, nil)
		b.noFollow().Do(req)
	}
	if !b.loggedIn() || h.fake.Hits(kakaotest.PathUnlink)+h.fake.Hits(kakaotest.PathLogout) != 0 {
		t.Fatal("C67: a GET changed state")
	}
}

// TestUnlinkAtKakaoWithoutARequest: a background job (an account deleted
// later, from an admin page) passes no Gin context: the user is unlinked
// at Kakao with the admin key, and nothing local changes. A user who is
// not linked counts as done. Without a request this used to panic.
func TestUnlinkAtKakaoWithoutARequest(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	_, body := b.login("/")
	var id int64
	if _, err := fmt.Sscanf(body, "home: logged in as %d", &id); err != nil {
		t.Fatalf("login: %q", body)
	}
	if u, _ := h.fake.User(id); !u.Linked {
		t.Fatal("the user is not linked at Kakao after logging in")
	}
	ctx := context.Background()
	if err := h.kg.UnlinkAtKakao(ctx, nil, id); err != nil {
		t.Fatalf("UnlinkAtKakao(nil c) = %v", err)
	}
	if u, _ := h.fake.User(id); u.Linked {
		t.Fatal("the user is still linked at Kakao")
	}
	if err := h.kg.UnlinkAtKakao(ctx, nil, id); err != nil {
		t.Fatalf("a second unlink = %v, want nil (already unlinked counts as done)", err)
	}
	if _, body, _ := b.get("/"); !strings.HasPrefix(body, "home: logged in") {
		t.Fatalf("the local session changed: %q", body)
	}
}
