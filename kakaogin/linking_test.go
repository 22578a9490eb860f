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

// linkingHost adds a host's linking pages to a harness: /prove and
// /signup complete a pending login for the user named in the form,
// /abandon drops it, /whoami shows CurrentUser, /connect starts "Connect
// Kakao" for a host user the host has authenticated itself.
func linkingHost(h *harness) {
	h.eng.POST("/prove", func(c *gin.Context) { completeWith(c, h.kg.CompletePending) })
	h.eng.POST("/signup", func(c *gin.Context) { completeWith(c, h.kg.CompletePending) })
	h.eng.POST("/abandon", func(c *gin.Context) {
		if err := h.kg.AbandonPending(c); err != nil {
			c.String(http.StatusConflict, "abandon: %v", err)
			return
		}
		c.String(http.StatusOK, "abandoned")
	})
	h.eng.GET("/pending", func(c *gin.Context) {
		p, ok := h.kg.Pending(c)
		if !ok {
			c.String(http.StatusNotFound, "none")
			return
		}
		c.String(http.StatusOK, "%s %s %d %s", p.Kind, p.Candidate, p.KakaoID, p.Nickname)
	})
	h.eng.GET("/whoami", func(c *gin.Context) {
		id, ok := CurrentUser(c)
		if !ok {
			c.String(http.StatusOK, "anonymous")
			return
		}
		c.String(http.StatusOK, "user=%s kakao=%d", id.UserID, id.KakaoID)
	})
	h.eng.POST("/connect", func(c *gin.Context) { h.kg.StartLink(c, c.PostForm("user"), "/account") })
}

func completeWith(c *gin.Context, f func(*gin.Context, string) error) {
	if err := f(c, c.PostForm("user")); err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, ErrNotPending) {
			status = http.StatusConflict
		}
		if errors.Is(err, ErrLinkConflict) {
			status = http.StatusConflict
		}
		c.String(status, "complete: %v", err)
		return
	}
	c.String(http.StatusOK, "completed")
}

func (b *browser) whoami() string {
	b.h.t.Helper()
	_, body, _ := b.step("/whoami")
	return body
}

// newUsers counts OnNewUser calls and names users u-1, u-2, …
type newUsers struct {
	n      atomic.Int64
	signup bool // answer ErrSignupRequired
	delay  time.Duration
}

func (u *newUsers) hook(_ context.Context, nu NewUser) (string, error) {
	if u.signup {
		return "", ErrSignupRequired
	}
	time.Sleep(u.delay)
	return fmt.Sprintf("u-%d", u.n.Add(1)), nil
}

func minji() string { return fmt.Sprint(kakaotest.UserMinji) }

// TestReturningUser: a linked Kakao user logs in as their host user; no
// hook runs.
func TestReturningUser(t *testing.T) {
	nu := &newUsers{}
	h := newHarness(t, withConfig(func(c *Config) { c.Linking.OnNewUser = nu.hook }))
	linkingHost(h)
	if _, err := h.users.Link(context.Background(), store.Link{KakaoID: kakaotest.UserMinji, UserID: "host-1"}); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("/")
	if got := b.whoami(); got != "user=host-1 kakao="+minji() {
		t.Fatalf("whoami %q", got)
	}
	if nu.n.Load() != 0 {
		t.Fatal("OnNewUser ran for a linked user")
	}
}

// TestFirstLoginCreatesUser: OnNewUser's user is linked and logged in.
func TestFirstLoginCreatesUser(t *testing.T) {
	nu := &newUsers{}
	var logins atomic.Int64
	h := newHarness(t, withConfig(func(c *Config) {
		c.Linking.OnNewUser = nu.hook
		c.Login.OnLogin = func(context.Context, Identity) error { logins.Add(1); return nil }
	}))
	linkingHost(h)
	b := h.browser()
	b.login("/")
	if got := b.whoami(); got != "user=u-1 kakao="+minji() {
		t.Fatalf("whoami %q", got)
	}
	if l, err := h.users.ByKakaoID(context.Background(), kakaotest.UserMinji); err != nil || l.UserID != "u-1" {
		t.Fatalf("link %+v %v", l, err)
	}
	if logins.Load() != 1 {
		t.Fatalf("OnLogin ran %d times", logins.Load())
	}
}

// TestConcurrentFirstLogins: two simultaneous first logins of one new
// Kakao user create exactly one host user (issue 6 §2).
func TestConcurrentFirstLogins(t *testing.T) {
	nu := &newUsers{delay: 50 * time.Millisecond}
	h := newHarness(t, withConfig(func(c *Config) { c.Linking.OnNewUser = nu.hook }))
	linkingHost(h)
	browsers := []*browser{h.browser(), h.browser(), h.browser(), h.browser()}
	var cbs []string
	for _, b := range browsers {
		cbs = append(cbs, b.callbackURL(b.toKakao("/auth/kakao/login")))
	}
	var wg sync.WaitGroup
	for i, b := range browsers {
		wg.Add(1)
		go func() { defer wg.Done(); b.get(cbs[i]) }()
	}
	wg.Wait()
	if n := nu.n.Load(); n != 1 {
		t.Fatalf("%d host users created for one Kakao user", n)
	}
	for _, b := range browsers {
		if got := b.whoami(); got != "user=u-1 kakao="+minji() {
			t.Fatalf("whoami %q", got)
		}
	}
}

// TestCandidateNeedsProof is C88: a candidate found by email is not linked
// on its own; the user proves the account, then the link completes.
func TestCandidateNeedsProof(t *testing.T) {
	nu := &newUsers{}
	h := newHarness(t, withConfig(func(c *Config) {
		c.Linking.OnNewUser = nu.hook
		c.Linking.ProveURL = "/login-with-password"
		c.Linking.FindCandidate = func(ctx context.Context, n NewUser) (Candidate, bool, error) {
			return Candidate{UserID: "existing-1", EmailVerified: true}, n.Email != "", nil
		}
	}))
	linkingHost(h)
	b := h.browser()
	u := b.toKakao("/auth/kakao/login?next=/private")
	status, _, resp := b.step(b.callbackURL(u))
	if status != http.StatusSeeOther || resp.Header.Get("Location") != "/login-with-password?next=%2Fprivate" {
		t.Fatalf("callback: %d %q", status, resp.Header.Get("Location"))
	}
	if got := b.whoami(); got != "anonymous" {
		t.Fatalf("C88: pending identity counts as logged in: %q", got)
	}
	if _, body, _ := b.step("/pending"); !strings.HasPrefix(body, "proof existing-1 "+minji()) {
		t.Fatalf("pending %q", body)
	}
	if _, err := h.users.ByKakaoID(context.Background(), kakaotest.UserMinji); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("C88: linked before the proof")
	}
	// The host checked the password of existing-1 and completes the link.
	if status, body, _ := b.post("/prove", url.Values{"user": {"existing-1"}}, false); status != http.StatusOK {
		t.Fatalf("prove: %d %s", status, body)
	}
	if got := b.whoami(); got != "user=existing-1 kakao="+minji() {
		t.Fatalf("after proof: %q", got)
	}
	if nu.n.Load() != 0 {
		t.Fatal("OnNewUser ran for a matched user")
	}
}

// TestProofAbandonedOrExpired: nothing is linked when the user gives up,
// and a pending identity expires with the flow.
func TestProofAbandonedOrExpired(t *testing.T) {
	h := newHarness(t, withConfig(func(c *Config) {
		c.Linking.ProveURL = "/prove-page"
		c.Linking.FindCandidate = func(context.Context, NewUser) (Candidate, bool, error) { return Candidate{UserID: "e-1"}, true, nil }
	}))
	linkingHost(h)
	b := h.browser()
	b.login("/")
	if status, body, _ := b.post("/abandon", nil, false); status != http.StatusOK {
		t.Fatalf("abandon: %d %s", status, body)
	}
	if status, _, _ := b.post("/prove", url.Values{"user": {"e-1"}}, false); status != http.StatusConflict {
		t.Fatalf("prove after abandon: %d", status)
	}
	b2 := h.browser()
	b2.login("/")
	h.clock.Advance(pendingLife + time.Minute)
	if status, _, _ := b2.post("/prove", url.Values{"user": {"e-1"}}, false); status != http.StatusConflict {
		t.Fatalf("prove after expiry: %d", status)
	}
	if _, err := h.users.ByKakaoID(context.Background(), kakaotest.UserMinji); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("linked although the proof was abandoned")
	}
}

// TestAutoLinkByVerifiedEmail: the opt-in links only when Kakao's email
// is valid and verified and the host's email is verified (C88).
func TestAutoLinkByVerifiedEmail(t *testing.T) {
	cases := []struct {
		name                         string
		valid, verified, hostVerfied bool
		linked                       bool
	}{
		{"all verified", true, true, true, true},
		{"Kakao email not valid", false, true, true, false},
		{"Kakao email not verified", true, false, true, false},
		{"host email not verified", true, true, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			users := kakaotest.DefaultUsers()
			users[0].EmailValid, users[0].EmailVerified = tc.valid, tc.verified
			h := newHarness(t, withFake(kakaotest.WithUsers(users...)), withConfig(func(c *Config) {
				c.Linking.Policy = LinkByVerifiedEmail
				c.Linking.ProveURL = "/prove-page"
				c.Linking.FindCandidate = func(ctx context.Context, n NewUser) (Candidate, bool, error) {
					return Candidate{UserID: "mail-user", EmailVerified: tc.hostVerfied}, n.Email == users[0].Email, nil
				}
			}))
			linkingHost(h)
			h.fake.SetLoginUser(users[0].ID)
			b := h.browser()
			b.login("/")
			_, err := h.users.ByKakaoID(context.Background(), users[0].ID)
			if linked := err == nil; linked != tc.linked {
				t.Fatalf("linked = %v, want %v", linked, tc.linked)
			}
			want := "anonymous" // pending proof
			if tc.linked {
				want = fmt.Sprintf("user=mail-user kakao=%d", users[0].ID)
			}
			if got := b.whoami(); got != want {
				t.Fatalf("whoami %q, want %q", got, want)
			}
		})
	}
}

// TestExplicitLink is C90: "Connect Kakao" attaches the Kakao account to
// the host user that started it.
func TestExplicitLink(t *testing.T) {
	var linked atomic.Int64
	h := newHarness(t, withConfig(func(c *Config) { c.Linking.OnLink = func(context.Context, store.Link) { linked.Add(1) } }))
	linkingHost(h)
	b := h.browser()
	status, _, resp := b.post("/connect", url.Values{"user": {"host-9"}}, false)
	if status != http.StatusSeeOther {
		t.Fatalf("connect: %d", status)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	status, _, resp = b.step(b.callbackURL(loc))
	if status != http.StatusSeeOther || resp.Header.Get("Location") != "/account?kakao_linked=1" {
		t.Fatalf("callback: %d %q", status, resp.Header.Get("Location"))
	}
	if got := b.whoami(); got != "user=host-9 kakao="+minji() {
		t.Fatalf("whoami %q", got)
	}
	if linked.Load() != 1 {
		t.Fatal("OnLink not called")
	}
}

// TestLinkConflict is C87: a Kakao account linked to someone else is
// refused with a clear page; nothing changes.
func TestLinkConflict(t *testing.T) {
	h := newHarness(t)
	linkingHost(h)
	if _, err := h.users.Link(context.Background(), store.Link{KakaoID: kakaotest.UserMinji, UserID: "host-1"}); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	_, _, resp := b.post("/connect", url.Values{"user": {"host-2"}}, false)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	status, body, _ := b.step(b.callbackURL(loc))
	if status != http.StatusConflict || !strings.Contains(body, "link_conflict") {
		t.Fatalf("conflict: %d %.300s", status, body)
	}
	if l, _ := h.users.ByKakaoID(context.Background(), kakaotest.UserMinji); l.UserID != "host-1" {
		t.Fatalf("link changed to %q", l.UserID)
	}
	if got := b.whoami(); got != "anonymous" {
		t.Fatalf("C87: session for the wrong user: %q", got)
	}
}

// TestLinkFinishedByAnotherSession is C90: a link flow finished in a
// session logged in as another host user is refused.
func TestLinkFinishedByAnotherSession(t *testing.T) {
	h := newHarness(t)
	linkingHost(h)
	if _, err := h.users.Link(context.Background(), store.Link{KakaoID: kakaotest.UserSeoyeon, UserID: "host-b"}); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	h.fake.SetLoginUser(kakaotest.UserSeoyeon)
	b.login("/") // logged in as host-b
	_, _, resp := b.post("/connect", url.Values{"user": {"host-a"}}, false)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	h.fake.SetLoginUser(kakaotest.UserMinji)
	loc.RawQuery += "&prompt=login"
	if status, _, _ := b.step(b.callbackURL(loc)); status != http.StatusBadRequest {
		t.Fatalf("C90: link finished in host-b's session: %d", status)
	}
	if _, err := h.users.ByKakaoID(context.Background(), kakaotest.UserMinji); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("C90: linked")
	}
}

// TestSignupCompletion: the host asks for a signup; the identity is held
// as pending, then completed; or abandoned (with an unlink at Kakao).
func TestSignupCompletion(t *testing.T) {
	for _, abandon := range []bool{false, true} {
		t.Run(fmt.Sprintf("abandon=%v", abandon), func(t *testing.T) {
			nu := &newUsers{signup: true}
			h := newHarness(t, withConfig(func(c *Config) {
				c.Linking.OnNewUser = nu.hook
				c.Linking.SignupURL = "/signup-form"
				c.Linking.AbandonUnlinksKakao = true
			}))
			linkingHost(h)
			b := h.browser()
			u := b.toKakao("/auth/kakao/login")
			status, _, resp := b.step(b.callbackURL(u))
			if status != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signup-form?next=") {
				t.Fatalf("callback: %d %q", status, resp.Header.Get("Location"))
			}
			if _, body, _ := b.step("/pending"); !strings.HasPrefix(body, "signup  "+minji()) {
				t.Fatalf("pending %q", body)
			}
			if status, _, _ := b.step("/private"); status != http.StatusSeeOther {
				t.Fatal("a pending signup passed RequireLogin")
			}
			if abandon {
				if status, body, _ := b.post("/abandon", nil, false); status != http.StatusOK {
					t.Fatalf("abandon: %d %s", status, body)
				}
				if u, _ := h.fake.User(kakaotest.UserMinji); u.Linked {
					t.Fatal("AbandonUnlinksKakao: still linked at Kakao")
				}
				if _, err := h.users.ByKakaoID(context.Background(), kakaotest.UserMinji); !errors.Is(err, store.ErrNotFound) {
					t.Fatal("linked after abandon")
				}
				return
			}
			if status, body, _ := b.post("/signup", url.Values{"user": {"signed-up-1"}}, false); status != http.StatusOK {
				t.Fatalf("signup: %d %s", status, body)
			}
			if got := b.whoami(); got != "user=signed-up-1 kakao="+minji() {
				t.Fatalf("whoami %q", got)
			}
			// The tokens came along: the Kakao API works for the new user.
			if status, _, _ := b.get("/kakao/me"); status != http.StatusOK {
				t.Fatal("no Kakao tokens after signup")
			}
		})
	}
}

// TestDisconnect: removing the Kakao link needs another login method; the
// host decides whether Kakao is unlinked too.
func TestDisconnect(t *testing.T) {
	for _, tc := range []struct {
		name          string
		other, unlink bool
		status        int
	}{
		{"no other login method", false, false, http.StatusConflict},
		{"password set", true, false, http.StatusSeeOther},
		{"password set, unlink at Kakao", true, true, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withConfig(func(c *Config) {
				c.Linking.CanDisconnect = func(context.Context, string) (bool, error) { return tc.other, nil }
				c.Linking.DisconnectUnlinksKakao = tc.unlink
			}))
			linkingHost(h)
			if _, err := h.users.Link(context.Background(), store.Link{KakaoID: kakaotest.UserMinji, UserID: "host-1"}); err != nil {
				t.Fatal(err)
			}
			b := h.browser()
			b.login("/")
			if status, _, _ := b.post("/auth/kakao/disconnect", nil, false); status != http.StatusForbidden {
				t.Fatalf("without CSRF token: %d", status)
			}
			status, _, _ := b.post("/auth/kakao/disconnect", nil, true)
			if status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
			_, err := h.users.ByKakaoID(context.Background(), kakaotest.UserMinji)
			if linked := err == nil; linked == tc.other {
				t.Fatalf("link present = %v", linked)
			}
			if u, _ := h.fake.User(kakaotest.UserMinji); u.Linked == tc.unlink {
				t.Fatalf("linked at Kakao = %v with DisconnectUnlinksKakao = %v", u.Linked, tc.unlink)
			}
			if b.loggedIn() == tc.other {
				t.Fatal("session state wrong after disconnect")
			}
		})
	}
}

// TestLinkingConfigChecks: linking hooks need their pages and Users.
func TestLinkingConfigChecks(t *testing.T) {
	sm := testSessions(t)
	base := Config{ClientID: "id", RedirectURL: "https://example.com/auth/kakao/callback", Sessions: sm}
	find := func(context.Context, NewUser) (Candidate, bool, error) { return Candidate{}, false, nil }
	for name, mut := range map[string]func(*Config){
		"FindCandidate without ProveURL": func(c *Config) { c.Linking.FindCandidate = find; c.Users = sm.Store().(store.Store).Links() },
		"hooks without Users":            func(c *Config) { c.Linking.SignupURL = "/signup" },
		"off-site SignupURL": func(c *Config) {
			c.Linking.SignupURL = "https://evil.example/"
			c.Users = sm.Store().(store.Store).Links()
		},
	} {
		cfg := base
		mut(&cfg)
		if _, err := cfg.validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestConcurrentFirstLoginsTwoInstances: the once-per-Kakao-user rule
// holds across two app instances sharing one store (issue 6 §2); store/redis
// runs the same scenario over two Redis clients.
func TestConcurrentFirstLoginsTwoInstances(t *testing.T) {
	nu := &newUsers{delay: 50 * time.Millisecond}
	h := newHarness(t, withConfig(func(c *Config) { c.Linking.OnNewUser = nu.hook }))
	linkingHost(h)
	_, other := h.twin()
	var wg sync.WaitGroup
	for i := range 6 {
		b := h.browser()
		cb := b.callbackURL(b.toKakao("/auth/kakao/login"))
		if i%2 == 1 { // finish through the other instance
			cu, _ := url.Parse(cb)
			cb = other.URL + cu.Path + "?" + cu.RawQuery
		}
		wg.Add(1)
		go func() { defer wg.Done(); b.get(cb) }()
	}
	wg.Wait()
	if n := nu.n.Load(); n != 1 {
		t.Fatalf("%d host users created across two instances", n)
	}
	if l, err := h.users.ByKakaoID(context.Background(), kakaotest.UserMinji); err != nil || l.UserID != "u-1" {
		t.Fatalf("link %+v %v", l, err)
	}
}

// TestStalePendingDoesNotShadowLogin: a signup left pending (and expired)
// does not keep a later, completed login from counting.
func TestStalePendingDoesNotShadowLogin(t *testing.T) {
	nu := &newUsers{signup: true}
	h := newHarness(t, withConfig(func(c *Config) { c.Linking.OnNewUser = nu.hook; c.Linking.SignupURL = "/signup-form" }))
	linkingHost(h)
	b := h.browser()
	b.login("/") // pending signup for Minji
	h.clock.Advance(pendingLife + time.Minute)
	if _, err := h.users.Link(context.Background(), store.Link{KakaoID: kakaotest.UserMinji, UserID: "host-1"}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(-pendingLife - time.Minute)
	b.login("/")
	if got := b.whoami(); got != "user=host-1 kakao="+minji() {
		t.Fatalf("whoami %q after a completed login", got)
	}
}

// TestPendingIsNeverLoggedIn: a pending signup is a state of the session,
// never a login; every state-changing route and helper refuses it alike
// (POST unlink used to let it through while POST disconnect refused it).
func TestPendingIsNeverLoggedIn(t *testing.T) {
	nu := &newUsers{signup: true}
	h := newHarness(t, withConfig(func(c *Config) {
		c.Linking.OnNewUser = nu.hook
		c.Linking.SignupURL = "/signup-form"
		c.Linking.CanDisconnect = func(context.Context, string) (bool, error) { return true, nil }
	}))
	linkingHost(h)
	b := h.browser()
	b.login("/")
	if status, body, _ := b.get("/pending"); status != http.StatusOK || !strings.HasPrefix(body, PendingSignup) {
		t.Fatalf("no pending signup after login: %d %q", status, body)
	}
	for _, path := range []string{"/auth/kakao/unlink", "/auth/kakao/disconnect", "/auth/kakao/logout/everywhere"} {
		t.Run("POST "+path+" refuses it", func(t *testing.T) {
			status, body, _ := b.post(path, nil, true)
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", status, body)
			}
			if status, _, _ := b.get("/pending"); status != http.StatusOK {
				t.Fatal("the pending signup is gone")
			}
		})
	}
	t.Run("POST logout without the CSRF token is refused (C66)", func(t *testing.T) {
		if status, _, _ := b.post("/auth/kakao/logout", nil, false); status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", status)
		}
		if status, _, _ := b.get("/pending"); status != http.StatusOK {
			t.Fatal("a logout without the CSRF token dropped the pending signup")
		}
	})
	for _, path := range []string{"/whoami", "/private", "/kakao/me"} {
		t.Run("GET "+path+" does not see a login", func(t *testing.T) {
			status, body, _ := b.step(path)
			if status == http.StatusOK && body != "anonymous" {
				t.Fatalf("status %d, body %q", status, body)
			}
		})
	}
	if _, err := h.users.ByKakaoID(context.Background(), kakaotest.UserMinji); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a pending identity was linked")
	}
}
