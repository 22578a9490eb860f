package main

// The browser test: Debian's chromium (headless, via chromedp) clicks
// through the demo site — the site's own pages, the library's callback and
// error pages, and the fake Kakao's interactive consent screen — and saves
// a screenshot of each main page to testdata/artifacts/TestBrowser/<scenario>/.
// Each action's notice and each confirmation step is checked on the way;
// every page, in Korean and English, at a desktop width and at 390 px, is
// checked by axe-core and, at 390 px, for sideways scrolling, small tap
// targets, table rows not stacked, Korean words that may break mid-word
// and button labels that wrap (browser_audit_test.go; axe-core comes from
// npm ci --prefix testdata/axe). Any subresource of the site answered
// with a 4xx or 5xx (the icon, the style sheet) fails the test.
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
	"regexp"
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
// a fresh site and its own browser context, side by side (go test's
// -parallel, GOMAXPROCS by default) in the one browser.
func TestBrowser(t *testing.T) {
	browser := startBrowser(t)
	tests := []struct {
		name string
		run  func(t *testing.T, site *demoSite, b *tab)
	}{
		{"login_accept", scenarioLoginAccept},
		{"login_cancelled", scenarioLoginCancelled},
		{"additional_consent", scenarioAdditionalConsent},
		{"additional_consent_cancelled", scenarioConsentCancelled},
		{"revoke_consent", scenarioRevokeConsent},
		{"link_existing_account", scenarioLinkExisting},
		{"connect_kakao_after_password_login", scenarioConnectKakao},
		{"logout_service", func(t *testing.T, s *demoSite, b *tab) { scenarioLogout(t, s, b, "service") }},
		{"logout_kakao", func(t *testing.T, s *demoSite, b *tab) { scenarioLogout(t, s, b, "kakao") }},
		{"logout_account", func(t *testing.T, s *demoSite, b *tab) { scenarioLogout(t, s, b, "account") }},
		{"logout_everywhere", scenarioLogoutEverywhere},
		{"delete_account", scenarioDeleteAccount},
		{"account_events", scenarioAccountEvents},
		{"pages", scenarioPages},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
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
	notice(b, "가입했습니다")
}

// notice checks the page's one-line notice (a flash message, announced to
// screen readers as a status) says each of want.
func notice(b *tab, want ...string) {
	b.t.Helper()
	b.waitText(`#flash[role="status"]`, want...)
}

// confirmStep checks the confirmation page of a destructive action: its
// heading names what is done, its button is styled as dangerous, and
// "cancel" is offered; then it confirms.
func confirmStep(b *tab, action string, heading ...string) {
	b.t.Helper()
	b.wantPath("/confirm")
	b.text(fmt.Sprintf(`section[data-action="%s"]`, action))
	b.waitText("#confirm-heading", heading...)
	b.text("button#confirm-submit.danger")
	b.text("a#confirm-cancel")
	b.shot("confirm-" + action)
	b.click("#confirm-submit")
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
// The profile is in words: the age range, gender and lunar birthday as a
// Korean reads them, the email's state, the granted items by title (no
// openid), times in KST, unused items folded away. Home then offers the
// profile instead of the login.
func scenarioLoginAccept(t *testing.T, site *demoSite, b *tab) {
	loginNew(b, kakaotest.UserJunho, "준호")
	b.waitText(`tr[data-field="email"]`, "junho.lee@example.kr", "인증 안 됨")
	b.waitText(`tr[data-field="age_range"]`, "20대")
	b.waitText(`tr[data-field="gender"]`, "남성")
	b.waitText(`tr[data-field="birthday"]`, "11월 3일 (음력)")
	b.waitText("#scopes", "닉네임", "카카오계정(이메일)")
	if s := b.text("#scopes"); strings.Contains(s, "openid") || strings.Contains(s, "account_email") {
		b.fatalf("granted items shown as IDs: %q", s)
	}
	b.waitText("#logged-in-at", "KST")
	b.text("details#off-fields")
	b.absent(`tr[data-field="ci"]`) // not configured: folded into the details
	b.shot("profile")
	b.open("/")
	b.waitText("#whoami", "준호")
	b.waitText("a#go-profile", "내 프로필")
	b.absent("a#kakao-login")
	b.absent("form#password-login")
	b.shot("home-logged-in")
	b.click("a#go-profile")
	b.wantPath("/profile")
}

// scenarioLoginCancelled: Cancel on Kakao's screen shows the library's
// localized error page, and nobody is logged in.
func scenarioLoginCancelled(t *testing.T, site *demoSite, b *tab) {
	home(b)
	toKakao(b)
	b.shot("kakao-consent")
	b.click("#cancel")
	b.waitText("body", "로그인이 취소되었습니다")
	b.text(`#error-message[role="alert"]`)
	if href := b.eval(`document.querySelector("#error-retry").getAttribute("href")`); href != "/auth/kakao/login?next=%2Fprofile" {
		b.fatalf("try again leads to %q, want the login with its next", href)
	}
	b.shot("login-cancelled")
	src := site.axe(b)
	b.audit("login-cancelled-ko", src)
	// The same in English (the page cannot be loaded again: its login
	// flow is used up).
	b.setLang("en")
	b.open("/auth/kakao/login?next=%2Fprofile")
	onKakao(b)
	b.click("#cancel")
	b.waitText(`html[lang="en"] #error-message[role="alert"]`)
	b.text("#error-retry")
	b.audit("login-cancelled-en", src)
	b.setLang("ko")
	b.click("#error-retry")
	onKakao(b)
	accept(b, kakaotest.UserSeoyeon)
	signUp(b, "서연") // and lands on /profile, the first login's next
	loggedOutAfter(b, "service")
}

// loggedOutAfter logs out in mode from the logout page and checks the
// notice of that mode.
func loggedOutAfter(b *tab, mode string) {
	b.t.Helper()
	b.open("/logout")
	b.click("form#logout-" + mode + " button")
	b.wantPath("/")
	notice(b, map[string]string{"service": "카카오계정 로그인은 그대로", "kakao": "카카오 토큰도 만료", "account": "카카오계정에서도 로그아웃"}[mode])
	b.absent("#whoami")
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
	notice(b, "동의했습니다: 카카오계정(이메일)")
	b.waitText(row, "seoyeon.park@example.com")
	b.absent(row + " .not-consented")
	b.shot("profile-email-consented")
}

// scenarioConsentCancelled: cancelling additional consent on Kakao's
// screen comes back to the profile with a notice (not a query flag), and
// nothing changed.
func scenarioConsentCancelled(t *testing.T, site *demoSite, b *tab) {
	loginNew(b, kakaotest.UserSeoyeon, "서연", "account_email")
	row := `tr[data-field="email"]`
	b.click(row + " a.ask-consent")
	onKakao(b)
	b.click("#cancel")
	b.wantPath("/profile")
	notice(b, "추가 동의를 취소했습니다")
	if p := b.path(); strings.Contains(p, "kakao_consent") {
		b.fatalf("the cancelled consent's flag stayed in the address: %s", p)
	}
	b.waitText(row+" .not-consented", "동의하지 않음")
	b.shot("profile-consent-cancelled")
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
	b.waitText(row+" th", "카카오계정(이메일)")
	// Each withdraw button names its item for screen readers.
	b.waitText(row+" a.revoke-scope.danger-outline .visually-hidden", "카카오계정(이메일)")
	b.waitText(`tr[data-term="terms_service"] th a[href="/terms/terms_service"]`, "서비스 이용약관")
	b.waitText(`tr[data-term="terms_marketing"] td`, "KST")
	b.shot("consent")
	b.click(row + " a.revoke-scope")
	confirmStep(b, "withdraw-item", "카카오계정(이메일)", "철회할까요")
	b.wantPath("/consent")
	notice(b, "동의를 철회했습니다: 카카오계정(이메일)")
	b.waitText(row+" .agreed", "미동의")
	b.absent(row + " a.revoke-scope")
	b.shot("consent-revoked")
	term := `tr[data-term="terms_marketing"]`
	b.click(term + " a.revoke-term")
	confirmStep(b, "withdraw-term", "마케팅 정보 수신 동의")
	notice(b, "약관 동의를 철회했습니다: 마케팅 정보 수신 동의")
	b.waitText(term+" .agreed", "미동의")
	b.open("/profile")
	b.waitText(`tr[data-field="email"] .not-consented`, "동의하지 않음")
	b.shot("profile-after-revoke")
}

// scenarioLinkExisting: 민지's Kakao email is the seeded site account's;
// her first Kakao login, started for /consent, asks for that account's
// password, and proving it links the two and ends on /consent.
func scenarioLinkExisting(t *testing.T, site *demoSite, b *tab) {
	home(b)
	b.shot("home")
	// A login started for the consent page (not the home page's
	// /profile) comes back there through the proof.
	b.open("/auth/kakao/login?next=%2Fconsent")
	onKakao(b)
	accept(b, kakaotest.UserMinji)
	b.wantPath("/link")
	b.text("#link-prompt")
	if got := b.value(`form#prove input[name="username"][autocomplete="username"]`); got != seededEmail {
		b.fatalf("the proof form's username field has %q, want %q", got, seededEmail)
	}
	if got := b.value(`form#prove input[name="next"]`); got != "/consent" {
		b.fatalf("the proof form carries next %q, want /consent", got)
	}
	b.shot("link-prove")
	b.auditLangs("link", site.axe(b))
	b.fill(`form#prove [name="password"]`, "wrong")
	b.click("#prove-submit")
	b.waitText(`#form-error[role="alert"]`, "비밀번호")
	if got := b.eval(`document.querySelector("#prove-password").getAttribute("aria-describedby")`); got != "form-error" {
		b.fatalf("the password field is not tied to its error: aria-describedby=%q", got)
	}
	b.fill(`form#prove [name="password"]`, seededPassword)
	b.click("#prove-submit")
	b.wantPath("/consent") // the login's next survived the proof and the wrong password
	notice(b, "카카오 계정이 연결되었습니다")
	b.open("/account")
	b.waitText("#link-state", "카카오 연결됨")
	b.waitText("#kakao-nickname", "민지")
	b.waitText("#kakao-email", seededEmail) // the demo gives 민지 the seeded account's email
	b.shot("account-linked")
	b.open("/")
	b.waitText("#whoami", seededName)
}

// scenarioConnectKakao: the seeded user logs in with the site's own
// password, connects Kakao from the account page (민지 on Kakao's screen),
// and disconnects it again.
func scenarioConnectKakao(t *testing.T, site *demoSite, b *tab) {
	src := site.axe(b)
	home(b)
	// A wrong password: the home page with the form's error, in both
	// languages (a POST's answer: submitted again in English).
	for _, lang := range []string{"ko", "en"} {
		b.setLang(lang)
		b.fill(`form#password-login [name="email"]`, seededEmail)
		b.fill(`form#password-login [name="password"]`, "wrong")
		b.click("#password-submit")
		b.waitText(`#form-error[role="alert"]`, map[string]string{"ko": "비밀번호가 올바르지", "en": "Wrong email or password"}[lang])
		b.audit("home-error-"+lang, src)
	}
	b.setLang("ko")
	b.open("/")
	b.fill(`form#password-login [name="email"]`, seededEmail)
	b.fill(`form#password-login [name="password"]`, seededPassword)
	b.click("#password-submit")
	b.waitText("#whoami", seededName)
	notice(b, "로그인했습니다")
	b.waitText("#link-state", "카카오 연결 안 됨")
	b.text("form#connect-kakao")
	b.absent("#disconnect-kakao")
	b.waitText("#delete-text", "이 사이트의 계정과 데이터를 삭제합니다")
	b.shot("account-not-connected")
	b.auditLangs("account-password", src)
	b.open("/logout")
	b.text("form#logout-site")
	b.auditLangs("logout-password", src)
	// A password login asking for a Kakao page is told why, and offered
	// the connection, which comes back to that page.
	b.open("/profile")
	b.waitText("#need-kakao", "카카오 로그인이 필요한")
	b.shot("profile-needs-kakao")
	b.auditLangs("needs-kakao", src)
	b.click("form#need-kakao-connect button")
	onKakao(b)
	b.shot("kakao-consent")
	accept(b, kakaotest.UserMinji)
	b.wantPath("/profile")
	notice(b, "카카오 계정이 연결되었습니다")
	b.open("/account")
	b.waitText("#link-state", "카카오 연결됨")
	b.waitText("#whoami", seededName)
	b.shot("account-connected")
	b.click("a#disconnect-kakao.danger-outline")
	b.auditLangs("confirm-disconnect", src)
	confirmStep(b, "disconnect", "카카오 연결을 해제할까요")
	notice(b, "카카오 연결을 해제했습니다")
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
	loggedOutAfter(b, mode)
	b.shot("logged-out")
	// Only "kakao" revokes the tokens at Kakao (token logout API); only
	// "account" sends the browser through Kakao's account logout.
	site.wantHits(b, kakaotest.PathLogout, map[string]int{"kakao": 1}[mode])
	site.wantHits(b, kakaotest.PathLogoutRedirect, map[string]int{"account": 1}[mode])
	loggedOut(b)
	b.click("a#kakao-login")
	if mode == "account" {
		onKakao(b) // the Kakao Account session ended too
		b.shot("kakao-login-again")
		accept(b, kakaotest.UserSeoyeon)
	}
	notice(b, "카카오로 로그인했습니다.")
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
	other.shot("account")
	other.click("a#logout-everywhere.danger-outline")
	confirmStep(other, "logout-everywhere", "모든 기기에서 로그아웃할까요")
	other.wantPath("/")
	notice(other, "모든 기기와 브라우저에서 로그아웃했습니다")
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
	b.click("a#delete-account.danger-outline")
	b.wantPath("/account/delete")
	b.waitText("#confirm-heading", "정말 삭제할까요")
	b.text("button#confirm-submit.danger")
	b.shot("delete-confirm")
	b.click("#confirm-submit")
	site.wantHits(b, kakaotest.PathUnlink, 1)
	b.wantPath("/")
	notice(b, "카카오 연결을 끊고 계정을 삭제했습니다")
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

// kstFormat is the site's one format of times (kstTime).
var kstFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d KST$`)

// scenarioAccountEvents: the demo has the fake Kakao send account status
// changes; each has its notice, and the account page lists them in words
// (the event, what was done, the changed items), times in KST, stacked on
// a phone, in both languages. The password change is confirmed first (a
// danger-styled step) and ends the login, with a notice that says why.
func scenarioAccountEvents(t *testing.T, site *demoSite, b *tab) {
	src := site.axe(b)
	loginNew(b, kakaotest.UserSeoyeon, "서연")
	b.open("/account")
	b.waitText("#kakao-events-none", "아직 받은 이벤트가 없습니다")
	b.click(`form#demo-event button[value="profile"]`)
	b.wantPath("/account")
	notice(b, "가짜 카카오가 ‘프로필 변경’ 이벤트를 보냈습니다")
	b.click(`form#demo-event button[value="enabled"]`)
	notice(b, "가짜 카카오가 ‘카카오계정 이용 재개’ 이벤트를 보냈습니다")
	b.text("table#kakao-events.fields")
	profile, enabled := `tr[data-event="profile-changed"]`, `tr[data-event="account-enabled"]`
	b.waitText(profile+" th", "프로필 변경")
	b.waitText(profile+" td.event-action", "로그인 1개에 반영", "바뀐 항목: 닉네임 ‘새 닉네임’")
	b.waitText(enabled+" th", "카카오계정 이용 재개")
	b.waitText(enabled+" td.event-action", "조치 없음")
	for _, row := range []string{profile, enabled} {
		if at := b.text(row + " td.event-at"); !kstFormat.MatchString(at) {
			b.fatalf("%s: received at %q, want the site's KST format", row, at)
		}
	}
	if s := b.text("table#kakao-events"); strings.Contains(s, "profile_updated") || strings.Contains(s, "none") || strings.Contains(s, "-changed") {
		b.fatalf("the events show codes: %q", s)
	}
	b.shot("account-events")
	b.audit("account-events-ko", src)
	b.setLang("en")
	b.open("/account")
	b.waitText(profile+" th", "Profile changed")
	b.waitText(profile+" td.event-action", "Applied to 1 login", "Changed: Nickname")
	b.waitText(enabled+" td.event-action", "No action needed")
	b.waitText(`form#demo-event button[value="profile"]`, "Send “profile changed”")
	if at := b.text(profile + " td.event-at"); !kstFormat.MatchString(at) {
		b.fatalf("received at %q in English, want the site's KST format", at)
	}
	b.audit("account-events-en", src)
	b.setLang("ko")
	b.open("/account")
	b.click("a#demo-credential.danger-outline")
	b.waitText("#confirm-text", "이 브라우저에서도 로그아웃됩니다")
	b.auditLangs("confirm-demo-credential", src)
	confirmStep(b, "demo-credential-change", "‘비밀번호 변경’ 이벤트를 보낼까요?")
	b.wantPath("/")
	notice(b, "비밀번호가 바뀌었다는 이벤트를 받아", "모든 기기 로그인을 끝냈습니다. 다시 로그인하세요.")
	b.absent("#whoami")
	b.shot("logged-out-by-event")
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
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>bad</title>
<link rel="icon" href="/missing-icon.svg">
<main><h1 id="t">bad</h1><img src="data:,"><button></button><div style="width:600px">wide</div><a class="button" href="/" style="display:inline-block;height:20px">small</a>
<img src="/missing.png" alt="missing" width="10" height="10">
<table><tbody><tr><th scope="row">label</th><td><a href="/">cell-link</a> <span class="tag">tag</span></td><td>the link in <a href="/">a sentence</a> is fine</td></tr></tbody></table>
<a class="button" href="/" style="display:inline-block;width:80px">a label on three lines</a></main>`)
	})
	mux.HandleFunc("GET /bad-ko", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html lang="ko"><meta charset="utf-8"><title>나쁨</title><main><p id="t">단어 중간에서 줄이 바뀔 수 있는 문장</p><code>ok</code></main>`)
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

	// The page checks find what they look for: axe-core's critical
	// violations, sideways scrolling and small tap targets at 390 px.
	b.open("/bad")
	b.waitText("#t", "bad")
	if src := loadAxe(b); src != "" {
		found := map[string]bool{}
		for _, v := range b.axeRun(src) {
			found[v.ID] = true
		}
		if !found["image-alt"] || !found["button-name"] {
			t.Fatalf("axe-core on a page with an unnamed image and button found %v", found)
		}
	}
	b.setViewport(true)
	defer b.setViewport(false)
	if s := b.eval(overflowJS); !strings.Contains(s, "div") {
		t.Fatalf("a 600px wide block at 390px: overflow check says %q", s)
	}
	if s := b.eval(fmt.Sprintf(smallTapsJS, minTap)); !strings.Contains(s, "small") || !strings.Contains(s, "cell-link") || strings.Contains(s, "a sentence") {
		t.Fatalf("a 20px high button link and a small link alone in a table cell (but not one in a sentence): tap-target check says %q", s)
	}
	if s := b.eval(stackedRowsJS); !strings.Contains(s, "beside its label") {
		t.Fatalf("a table row of side-by-side cells at 390px: the stacked-rows check says %q", s)
	}
	if s := b.eval(oneLineJS); !strings.Contains(s, "a label on three lines") {
		t.Fatalf("a button label on three lines: the one-line check says %q", s)
	}
	if s := b.eval(keepAllJS); s != "" {
		t.Fatalf("an English page: the keep-all check says %q", s)
	}
	// Subresources of the site that fail: the icon, and an image the
	// network listener saw.
	if s := b.iconsFailing(); !strings.Contains(s, "/missing-icon.svg: 404") {
		t.Fatalf("a missing icon: the icon check says %q", s)
	}
	var bad []string
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end) && !strings.Contains(strings.Join(bad, " "), "/missing.png: 404"); time.Sleep(pollEvery) {
		bad = append(bad, b.takeBad()...)
	}
	if s := strings.Join(bad, "; "); !strings.Contains(s, "/missing.png: 404") || !strings.Contains(s, "/missing-icon.svg: 404") {
		t.Fatalf("a missing image and icon: the network listener saw %q", s)
	}
	b.open("/bad-ko")
	b.waitText("#t", "단어")
	if s := b.eval(keepAllJS); !strings.Contains(s, "p#t") || strings.Contains(s, "code") {
		t.Fatalf("a Korean page without keep-all: the keep-all check says %q", s)
	}
}

// axe returns axe-core's bundle for the page checks ("" when it is not
// installed and the test may skip them).
func (s *demoSite) axe(b *tab) string {
	b.t.Helper()
	return loadAxe(b)
}

// scenarioPages: every page of the site, in Korean and in English, at a
// desktop width and at 390 px — logged out, in the middle of a signup and
// logged in — passes axe-core and, at 390 px, neither scrolls sideways nor
// has tap targets under 44 px. (The proof and "needs a Kakao login" pages
// are checked in their scenarios.)
func scenarioPages(t *testing.T, site *demoSite, b *tab) {
	src := site.axe(b)
	home(b)
	b.text(`a.skip-link[href="#main"]`)
	b.text(`#lang-toggle[lang="en"]`)
	b.auditLangs("home", src)
	b.open("/no-such-page")
	b.waitText("#error-title", "페이지를 찾을 수 없습니다")
	b.absent("#error-retry") // the same address would fail again
	b.auditLangs("not-found", src)
	b.open("/logout")
	b.waitText("#logout-none", "로그인되어 있지 않아")
	b.absent("form")
	b.auditLangs("logout-anonymous", src)
	home(b)
	toKakao(b)
	accept(b, kakaotest.UserSeoyeon)
	b.wantPath("/signup")
	b.auditLangs("signup", src)
	signUp(b, "서연")
	b.shot("desktop-profile-ko")
	pages := []struct{ name, path string }{
		{"profile", "/profile"},
		{"consent", "/consent"},
		{"account", "/account"},
		{"logout", "/logout"},
		{"confirm-withdraw-item", "/confirm?action=withdraw-item&item=account_email"},
		{"confirm-withdraw-term", "/confirm?action=withdraw-term&item=terms_marketing"},
		{"confirm-logout-everywhere", "/confirm?action=logout-everywhere"},
		{"confirm-delete", "/account/delete"},
		{"terms", "/terms/terms_service"},
		{"home-logged-in", "/"},
	}
	for _, lang := range []string{"ko", "en"} {
		b.setLang(lang)
		for _, p := range pages {
			b.open(p.path)
			b.waitText(fmt.Sprintf(`html[lang="%s"] #whoami`, lang), "서연")
			// The navigation marks the page it is on.
			if nav := p.path; nav == "/profile" || nav == "/consent" || nav == "/account" || nav == "/logout" {
				b.text(fmt.Sprintf(`nav a[href="%s"][aria-current="page"]`, nav))
			}
			// Readable names in English too: consent items by title,
			// times in KST.
			switch {
			case lang == "en" && p.path == "/consent":
				b.waitText(`tr[data-scope="account_email"] th`, "Kakao Account (email)")
				b.waitText(`tr[data-term="terms_service"] th a`, "Terms of service")
			case lang == "en" && p.path == "/profile":
				b.waitText("#connected-at", "KST")
				b.waitText("#scopes", "Nickname", "Kakao Account (email)")
			}
			b.audit(p.name+"-"+lang, src)
		}
	}
	b.setLang("ko")
}
