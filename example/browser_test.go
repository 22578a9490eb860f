package main

// The browser test: Debian's chromium (headless, via chromedp) clicks
// through the demo site — the site's own pages, the library's callback and
// error pages, and the fake Kakao's interactive consent screen — and saves
// a screenshot of each main page to testdata/artifacts/TestBrowser/<scenario>/.
//
// Run: go test -race -run Browser -count=1 ./example
// Without chromium on PATH it is skipped, except under CI=true.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// The demo's seeded site account (the contract's); the fake Kakao's 민지
// (kakaotest.UserMinji) has its email. The other Kakao users are
// kakaotest.DefaultUsers': 준호 (ID above 2^53) and 서연.
const (
	seededEmail    = "demo@example.com"
	seededPassword = "demo1234"
	seededName     = "데모 사용자"
)

// demoSite is the example app in demo mode, served on a real listener.
type demoSite struct {
	url string
	app *app
}

// startDemoSite runs newApp in demo mode with a fresh data folder on
// 127.0.0.1:<free port>, so PUBLIC_URL (and with it the redirect URIs and
// the fake Kakao at /_kakao) match the address the browser uses.
func startDemoSite(t *testing.T) *demoSite {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := "http://" + ln.Addr().String()
	logs := &syncBuffer{}
	a, err := newApp(appConfig{
		DataDir:   t.TempDir(),
		PublicURL: public,
		Logger:    slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		ln.Close()
		t.Fatalf("newApp: %v", err)
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("site log:\n%s", logs.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutting the site down: %v", err)
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("closing the app: %v", err)
		}
	})
	return &demoSite{url: public, app: a}
}

// syncBuffer collects the site's log for a failure report.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// wantHits fails unless the fake Kakao received n calls on path.
func (s *demoSite) wantHits(b *tab, path string, n int) {
	b.t.Helper()
	if got := s.app.fake.Hits(path); got != n {
		b.fatalf("the fake Kakao got %d calls on %s, want %d", got, path, n)
	}
}

// TestBrowser clicks through the demo site's main flows, each scenario in
// a fresh site and its own browser context.
func TestBrowser(t *testing.T) {
	browser := startBrowser(t)
	tests := []struct {
		name string
		run  func(t *testing.T, site *demoSite, b *tab)
	}{
		{"login_accept", scenarioLoginAccept},
		{"login_cancelled", scenarioLoginCancelled},
		{"additional_consent", scenarioAdditionalConsent},
		{"revoke_consent", scenarioRevokeConsent},
		{"link_existing_account", scenarioLinkExisting},
		{"connect_kakao_after_password_login", scenarioConnectKakao},
		{"logout_service", func(t *testing.T, s *demoSite, b *tab) { scenarioLogout(t, s, b, "service") }},
		{"logout_kakao", func(t *testing.T, s *demoSite, b *tab) { scenarioLogout(t, s, b, "kakao") }},
		{"logout_account", func(t *testing.T, s *demoSite, b *tab) { scenarioLogout(t, s, b, "account") }},
		{"logout_everywhere", scenarioLogoutEverywhere},
		{"delete_account", scenarioDeleteAccount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			site := startDemoSite(t)
			tc.run(t, site, newTab(t, browser, site.url))
		})
	}
}

// ---- steps shared by the scenarios ------------------------------------------

// home opens the home page and checks it is the demo's, logged out.
func home(b *tab) {
	b.t.Helper()
	b.open("/")
	b.waitText("#demo-banner", "데모 모드")
	b.waitText("a#kakao-login", "카카오 로그인")
	b.absent("#whoami")
}

// toKakao clicks "카카오 로그인" on the home page and lands on the fake
// Kakao's login and consent screen.
func toKakao(b *tab) {
	b.t.Helper()
	b.click("a#kakao-login")
	onKakao(b)
}

// onKakao checks that the page is the fake Kakao's consent screen.
func onKakao(b *tab) {
	b.t.Helper()
	b.waitText("body", "카카오계정으로 로그인")
	b.text("select#user")
	b.text("#accept")
}

// accept picks the Kakao user on the consent screen, unticks the optional
// items in untick, and agrees.
func accept(b *tab, user int64, untick ...string) {
	b.t.Helper()
	b.choose("select#user", strconv.FormatInt(user, 10))
	for _, id := range untick {
		b.setChecked("#scope-"+id, false)
	}
	b.click("#accept")
}

// signUp finishes the site's signup for a new Kakao user whose nickname
// prefills the form, and lands on the profile.
func signUp(b *tab, nickname string) {
	b.t.Helper()
	b.wantPath("/signup")
	b.text("form#signup")
	if got := b.value(`form#signup [name="name"]`); got != nickname {
		b.fatalf("signup name field = %q, want the Kakao nickname %q", got, nickname)
	}
	b.shot("signup")
	b.click("#signup-submit")
	b.wantPath("/profile")
}

// profileOf checks the profile page shows the Kakao user.
func profileOf(b *tab, user int64, nickname string) {
	b.t.Helper()
	b.wantPath("/profile")
	if got := b.text("#kakao-id"); got != strconv.FormatInt(user, 10) {
		b.fatalf("#kakao-id = %q, want %d (exact, even above 2^53)", got, user)
	}
	b.waitText("#nickname", nickname)
}

// loginNew logs a Kakao user who has no site account in from the home
// page through consent and signup, with screenshots of each page.
func loginNew(b *tab, user int64, nickname string, untick ...string) {
	b.t.Helper()
	home(b)
	b.shot("home")
	toKakao(b)
	b.shot("kakao-consent")
	accept(b, user, untick...)
	signUp(b, nickname)
	profileOf(b, user, nickname)
}

// loggedOut checks the home page shows nobody logged in.
func loggedOut(b *tab) {
	b.t.Helper()
	home(b)
}

// ---- scenarios -----------------------------------------------------------------

// scenarioLoginAccept: a new Kakao user (준호, ID above 2^53) logs in,
// accepts everything, signs up and sees the profile and #whoami.
func scenarioLoginAccept(t *testing.T, site *demoSite, b *tab) {
	loginNew(b, kakaotest.UserJunho, "준호")
	b.waitText(`tr[data-field="email"]`, "junho.lee@example.kr")
	b.shot("profile")
	b.open("/")
	b.waitText("#whoami", "준호")
	b.shot("home-logged-in")
}

// scenarioLoginCancelled: Cancel on Kakao's screen shows the library's
// localized error page, and nobody is logged in.
func scenarioLoginCancelled(t *testing.T, site *demoSite, b *tab) {
	home(b)
	toKakao(b)
	b.shot("kakao-consent")
	b.click("#cancel")
	b.waitText("body", "로그인이 취소되었습니다")
	b.shot("login-cancelled")
	loggedOut(b)
}

// scenarioAdditionalConsent: 서연 logs in with the email item unticked;
// the profile shows the field as not consented with a link that asks for
// it; agreeing there fills the field in.
func scenarioAdditionalConsent(t *testing.T, site *demoSite, b *tab) {
	loginNew(b, kakaotest.UserSeoyeon, "서연", "account_email")
	row := `tr[data-field="email"]`
	b.waitText(row+" .not-consented", "동의하지 않음")
	b.shot("profile-email-not-consented")
	b.click(row + " a.ask-consent")
	onKakao(b)
	if n := b.count(`input[type="checkbox"][id^="scope-"]`); n != 1 {
		b.fatalf("additional consent screen asks for %d items, want only account_email", n)
	}
	b.text("#scope-account_email")
	b.shot("kakao-additional-consent")
	b.click("#accept")
	b.wantPath("/profile")
	b.waitText(row, "seoyeon.park@example.com")
	b.absent(row + " .not-consented")
	b.shot("profile-email-consented")
}

// scenarioRevokeConsent: after logging in with everything agreed, the
// consent page withdraws the email item; the consent page and the profile
// then show it as not agreed.
func scenarioRevokeConsent(t *testing.T, site *demoSite, b *tab) {
	loginNew(b, kakaotest.UserSeoyeon, "서연")
	b.open("/consent")
	row := `tr[data-scope="account_email"]`
	b.waitText(row+" .agreed", "동의함")
	b.absent(`tr[data-scope="profile_nickname"] form.revoke-scope`) // required: not revocable
	b.shot("consent")
	b.click(row + " form.revoke-scope button")
	b.wantPath("/consent")
	b.waitText(row+" .agreed", "미동의")
	b.absent(row + " form.revoke-scope")
	b.shot("consent-revoked")
	b.open("/profile")
	b.waitText(`tr[data-field="email"] .not-consented`, "동의하지 않음")
	b.shot("profile-after-revoke")
}

// scenarioLinkExisting: 민지's Kakao email is the seeded site account's;
// her first Kakao login asks for that account's password, and proving it
// links the two.
func scenarioLinkExisting(t *testing.T, site *demoSite, b *tab) {
	home(b)
	b.shot("home")
	toKakao(b)
	accept(b, kakaotest.UserMinji)
	b.wantPath("/link")
	b.text("#link-prompt")
	b.text("form#prove")
	b.shot("link-prove")
	b.fill(`form#prove [name="password"]`, seededPassword)
	b.click("#prove-submit")
	b.wantPath("/account")
	b.waitText("#link-state", "카카오 연결됨")
	b.shot("account-linked")
	b.open("/")
	b.waitText("#whoami", seededName)
}

// scenarioConnectKakao: the seeded user logs in with the site's own
// password, connects Kakao from the account page (민지 on Kakao's screen),
// and disconnects it again.
func scenarioConnectKakao(t *testing.T, site *demoSite, b *tab) {
	home(b)
	b.fill(`form#password-login [name="email"]`, seededEmail)
	b.fill(`form#password-login [name="password"]`, seededPassword)
	b.click("#password-submit")
	b.waitText("#whoami", seededName)
	b.open("/account")
	b.waitText("#link-state", "카카오 연결 안 됨")
	b.text("form#connect-kakao")
	b.absent("form#disconnect-kakao")
	b.shot("account-not-connected")
	b.click("form#connect-kakao button")
	onKakao(b)
	b.shot("kakao-consent")
	accept(b, kakaotest.UserMinji)
	b.wantPath("/account")
	b.waitText("#link-state", "카카오 연결됨")
	b.waitText("#whoami", seededName)
	b.shot("account-connected")
	b.click("form#disconnect-kakao button")
	b.open("/account")
	b.waitText("#link-state", "카카오 연결 안 됨")
	b.shot("account-disconnected")
}

// scenarioLogout: log in, log out with one of the three modes, and check
// what each leaves behind: service and kakao keep the browser's Kakao
// session (logging in again skips Kakao's screen), account ends it (Kakao's
// screen comes back).
func scenarioLogout(t *testing.T, site *demoSite, b *tab, mode string) {
	loginNew(b, kakaotest.UserSeoyeon, "서연")
	b.open("/logout")
	for _, m := range []string{"service", "kakao", "account"} {
		b.text("form#logout-" + m)
	}
	b.shot("logout")
	b.click("form#logout-" + mode + " button")
	// Only "kakao" revokes the tokens at Kakao (token logout API); only
	// "account" sends the browser through Kakao's account logout.
	site.wantHits(b, kakaotest.PathLogout, map[string]int{"kakao": 1}[mode])
	site.wantHits(b, kakaotest.PathLogoutRedirect, map[string]int{"account": 1}[mode])
	loggedOut(b)
	b.shot("logged-out")
	b.click("a#kakao-login")
	if mode == "account" {
		onKakao(b) // the Kakao Account session ended too
		b.shot("kakao-login-again")
		accept(b, kakaotest.UserSeoyeon)
	}
	profileOf(b, kakaotest.UserSeoyeon, "서연")
	b.shot("profile-again")
}

// scenarioLogoutEverywhere: the same user logged in in two browser
// contexts; "log out everywhere" in the second ends the first's session.
func scenarioLogoutEverywhere(t *testing.T, site *demoSite, b *tab) {
	loginNew(b, kakaotest.UserSeoyeon, "서연")
	b.open("/")
	b.waitText("#whoami", "서연")
	other := b.second("b-")
	home(other)
	toKakao(other)
	accept(other, kakaotest.UserSeoyeon)
	profileOf(other, kakaotest.UserSeoyeon, "서연")
	other.open("/account")
	other.text("form#logout-everywhere")
	other.shot("account")
	other.click("form#logout-everywhere button")
	loggedOut(other)
	other.shot("logged-out")
	// The first browser's session is gone too.
	loggedOut(b)
	b.shot("first-browser-logged-out")
}

// scenarioDeleteAccount: deleting the account unlinks the app at Kakao, so
// the next Kakao login asks for consent again and leads to signup.
func scenarioDeleteAccount(t *testing.T, site *demoSite, b *tab) {
	loginNew(b, kakaotest.UserSeoyeon, "서연")
	b.open("/account")
	b.waitText("#link-state", "카카오 연결됨")
	b.shot("account")
	b.click("a#delete-account")
	b.wantPath("/account/delete")
	b.text("form#delete-confirm")
	b.shot("delete-confirm")
	b.click("#delete-submit")
	site.wantHits(b, kakaotest.PathUnlink, 1)
	loggedOut(b)
	b.shot("deleted")
	// Kakao no longer knows the app for 서연: consent is asked again and
	// the site treats her as new.
	toKakao(b)
	b.text("#scope-account_email")
	b.shot("kakao-consent-again")
	accept(b, kakaotest.UserSeoyeon)
	b.wantPath("/signup")
}

// TestBrowserHarness proves the browser layer on its own page: chromium
// starts, a select and a checkbox are set, a form post with a redirect is
// followed, text is read and a PNG is saved.
func TestBrowserHarness(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><title>h</title><h1 id="t">harness</h1>
<form method="post" action="/post"><select id="user" name="user"><option value="1">a</option><option value="2">b</option></select>
<label><input type="checkbox" id="scope-x" name="scope" value="x" checked>x</label>
<button id="go">go</button></form>`)
	})
	mux.HandleFunc("POST /post", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/done?user=%s&scopes=%d", r.PostForm.Get("user"), len(r.PostForm["scope"])), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /done", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><p id="r">user=%s scopes=%s</p>`,
			r.URL.Query().Get("user"), r.URL.Query().Get("scopes"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b := newTab(t, startBrowser(t), srv.URL)
	b.open("/")
	b.waitText("#t", "harness")
	b.shot("harness-form")
	b.choose("select#user", "2")
	b.setChecked("#scope-x", false)
	if st := b.click("#go"); st != http.StatusOK {
		t.Fatalf("after the post: status %d, want 200", st)
	}
	b.wantPath("/done")
	b.waitText("#r", "user=2 scopes=0")
	b.absent("#t")
	b.shot("harness-done")
}
