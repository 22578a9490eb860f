package main

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

func init() { gin.SetMode(gin.TestMode) }

// startTestSite serves newApp(cfg) on an httptest server whose URL is the
// site's PUBLIC_URL (unless cfg sets one). Tests use it for demo mode with
// the fake mounted at /_kakao, or with a shared fake (cfg.Fake).
func startTestSite(t *testing.T, cfg appConfig) (*app, string) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	if cfg.PublicURL == "" {
		cfg.PublicURL = base
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a, err := newApp(cfg)
	if err != nil {
		ts.Close()
		t.Fatalf("newApp: %v", err)
	}
	ts.Config.Handler = a.Handler()
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return a, base
}

// client is a browser stand-in: a cookie jar, redirects followed, and the
// language it asks for.
type client struct {
	t    *testing.T
	hc   *http.Client
	lang string
	last string // body of the last page
}

func newClient(t *testing.T, lang string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, hc: &http.Client{Jar: jar, Timeout: 15 * time.Second}, lang: lang}
}

func (c *client) do(req *http.Request) (int, string, *url.URL) {
	c.t.Helper()
	req.Header.Set("Accept-Language", c.lang)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	c.last = string(b)
	return resp.StatusCode, c.last, resp.Request.URL
}

func (c *client) get(u string) (int, string, *url.URL) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends form; with withCSRF the token of the last page is added.
func (c *client) post(u string, form url.Values, withCSRF bool) (int, string, *url.URL) {
	c.t.Helper()
	if withCSRF {
		form.Set("csrf_token", inputValue(c.t, c.last, "csrf_token"))
	}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// inputValue is the value of the first <input name=name> of page.
func inputValue(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no input %q in page:\n%.2000s", name, page)
	}
	return html.UnescapeString(m[1])
}

// consentSubmit answers the fake's interactive consent screen (the last
// page) as user, agreeing to scopes, and returns the page it lands on.
func (c *client) consentSubmit(base string, user int64, scopes ...string) (int, string, *url.URL) {
	c.t.Helper()
	if !strings.Contains(c.last, `id="accept"`) {
		c.t.Fatalf("not on the consent screen:\n%.2000s", c.last)
	}
	form := url.Values{"p": {inputValue(c.t, c.last, "p")}, "user": {strconv.FormatInt(user, 10)}, "action": {"accept"}, "scope": scopes}
	return c.post(base+"/_kakao"+kakaotest.PathConsent, form, false)
}

func wantContains(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Fatalf("%s: missing %q in:\n%.3000s", what, s, body)
		}
	}
}

// TestDemoSmoke: the demo site in both languages — home with the banner
// and the Kakao button, a full login through the fake's consent screen and
// the signup page, then profile (with a not-consented field), consent,
// account, logout and the delete confirmation, all 200 with their texts.
func TestDemoSmoke(t *testing.T) {
	texts := map[string][]string{ // lang → banner, button, not consented, agreed, link state, logout
		"ko": {"데모 모드", "카카오 로그인", "동의하지 않음", "동의함", "카카오 연결됨", "이 사이트에서만 로그아웃"},
		"en": {"Demo mode", "Login with Kakao", "Not consented", "Agreed", "Kakao connected", "Log out of this site"},
	}
	for _, lang := range []string{"ko", "en"} {
		t.Run(lang, func(t *testing.T) {
			_, base := startTestSite(t, appConfig{})
			want := texts[lang]
			c := newClient(t, lang)
			status, body, _ := c.get(base + "/")
			if status != http.StatusOK {
				t.Fatalf("home: %d", status)
			}
			wantContains(t, "home", body, `id="demo-banner"`, want[0], `id="kakao-login"`,
				`href="/auth/kakao/login?next=/profile"`, want[1], `id="password-login"`, `id="lang-toggle"`)

			c.get(base + "/auth/kakao/login?next=/profile")
			status, body, at := c.consentSubmit(base, kakaotest.UserSeoyeon, "profile_image", "account_email")
			if status != http.StatusOK || at.Path != "/signup" {
				t.Fatalf("after consent: %d %s", status, at)
			}
			wantContains(t, "signup", body, `id="signup"`, `value="서연"`)
			status, body, at = c.post(base+"/signup", url.Values{"name": {"서연"}}, true)
			if status != http.StatusOK || at.Path != "/profile" {
				t.Fatalf("after signup: %d %s\n%.2000s", status, at, body)
			}
			wantContains(t, "profile", body, `id="kakao-id" class="code">`+strconv.FormatInt(kakaotest.UserSeoyeon, 10),
				`id="nickname">서연`, `tr data-field="email"`, "seoyeon.park@example.com",
				`tr data-field="gender"`, want[2], `class="ask-consent`, `/auth/kakao/consent?scope=gender&amp;next=/profile`)

			for _, p := range []struct {
				path  string
				texts []string
			}{
				{"/consent", []string{`tr data-scope="account_email"`, want[3], `class="revoke-scope`, `tr data-term="terms_marketing"`}},
				{"/account", []string{`id="link-state"`, want[4], `id="logout-everywhere"`, `id="delete-account"`, `id="kakao-nickname">서연`}},
				{"/logout", []string{`id="logout-service"`, `id="logout-kakao"`, `id="logout-account"`, want[5], `name="csrf_token"`}},
				{"/account/delete", []string{`id="confirm-form"`, `action="/auth/kakao/unlink"`, `id="confirm-submit"`, `name="csrf_token"`}},
			} {
				status, body, _ := c.get(base + p.path)
				if status != http.StatusOK {
					t.Fatalf("%s: %d", p.path, status)
				}
				wantContains(t, p.path, body, append(p.texts, `id="whoami">서연`)...)
			}

			c.get(base + "/logout")
			status, body, at = c.post(base+"/auth/kakao/logout", url.Values{"mode": {"service"}}, true)
			if status != http.StatusOK || at.Path != "/" || strings.Contains(body, `id="whoami"`) {
				t.Fatalf("after logout: %d %s", status, at)
			}
		})
	}
}

// TestLinkExistingAccount: 민지's Kakao email is the seeded account's; she
// proves it with its password (a wrong one is refused) and is linked.
func TestLinkExistingAccount(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := newClient(t, "en")
	c.get(base + "/auth/kakao/login?next=/profile")
	status, body, at := c.consentSubmit(base, kakaotest.UserMinji, "profile_image", "account_email")
	if status != http.StatusOK || at.Path != "/link" {
		t.Fatalf("after consent: %d %s", status, at)
	}
	wantContains(t, "link", body, `id="link-prompt"`, demoEmail)
	if status, _, _ := c.post(base+"/link", url.Values{"password": {"wrong"}}, true); status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", status)
	}
	status, body, at = c.post(base+"/link", url.Values{"password": {demoPassword}}, true)
	if status != http.StatusOK || at.Path != "/profile" {
		t.Fatalf("after proof: %d %s (want the login's next, /profile)", status, at)
	}
	wantContains(t, "profile", body, `id="flash" role="status">Your Kakao account is connected.`)
	_, body, _ = c.get(base + "/account")
	wantContains(t, "account", body, "Kakao connected", `id="whoami">`+demoName, `id="disconnect-kakao"`)
}

// TestCSRFRequired: the site's own forms refuse a POST without the token.
func TestCSRFRequired(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := newClient(t, "ko")
	c.get(base + "/")
	for _, path := range []string{"/login", "/account/connect", "/signup", "/link", "/account/delete"} {
		if status, _, _ := c.post(base+path, url.Values{"email": {demoEmail}, "password": {demoPassword}}, false); status != http.StatusForbidden {
			t.Errorf("POST %s without CSRF token: %d, want 403", path, status)
		}
	}
}

// TestPasswordLoginAndConnect: a site user logs in with a password,
// connects Kakao, and "log out everywhere" ends both logins.
func TestPasswordLoginAndConnect(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := newClient(t, "ko")
	c.get(base + "/")
	if status, body, _ := c.post(base+"/login", url.Values{"email": {demoEmail}, "password": {"nope"}}, true); status != http.StatusUnauthorized || !strings.Contains(body, `id="form-error"`) {
		t.Fatalf("wrong password: %d", status)
	}
	status, body, at := c.post(base+"/login", url.Values{"email": {demoEmail}, "password": {demoPassword}}, true)
	if status != http.StatusOK || at.Path != "/account" {
		t.Fatalf("login: %d %s", status, at)
	}
	wantContains(t, "account", body, "카카오 연결 안 됨", `id="connect-kakao"`, `href="/confirm?action=logout-everywhere"`, "로그인했습니다.")
	if _, body, _ := c.get(base + "/account"); strings.Contains(body, "로그인했습니다.") {
		t.Error("the flash message was shown twice")
	}
	_, body, _ = c.get(base + "/confirm?action=logout-everywhere")
	wantContains(t, "confirm", body, `action="/account/logout-everywhere"`)
	c.post(base+"/account/connect", url.Values{}, true)
	status, body, at = c.consentSubmit(base, kakaotest.UserJunho, "profile_image")
	if status != http.StatusOK || at.Path != "/account" {
		t.Fatalf("connect: %d %s", status, at)
	}
	wantContains(t, "account", body, "카카오 연결됨")
	_, body, _ = c.get(base + "/confirm?action=logout-everywhere")
	wantContains(t, "confirm", body, `action="/auth/kakao/logout/everywhere"`)
	// A second browser of the same user, by password.
	c2 := newClient(t, "ko")
	c2.get(base + "/")
	c2.post(base+"/login", url.Values{"email": {demoEmail}, "password": {demoPassword}}, true)
	c.post(base+"/auth/kakao/logout/everywhere", url.Values{}, true)
	for i, b := range []*client{c, c2} {
		if _, body, _ := b.get(base + "/"); strings.Contains(body, `id="whoami"`) {
			t.Errorf("browser %d still logged in after logout everywhere", i+1)
		}
	}
}

// TestAppConfigErrors: newApp refuses a bad public URL or store URL.
func TestAppConfigErrors(t *testing.T) {
	for name, cfg := range map[string]appConfig{
		"relative public URL": {PublicURL: "localhost:8080"},
		"ftp public URL":      {PublicURL: "ftp://example.com"},
		"unknown store":       {PublicURL: "http://localhost:8080", StoreURL: "mongodb://x"},
		"other redirect path": {PublicURL: "https://example.com", Kakao: kakaoKeys{ClientID: "k", RedirectURL: "https://example.com/cb"}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.DataDir = t.TempDir()
			if a, err := newApp(cfg); err == nil {
				a.Close()
				t.Fatal("newApp accepted it")
			}
		})
	}
}

// TestSecretsPersist: the keys are generated once and kept (0600).
func TestSecretsPersist(t *testing.T) {
	dir := t.TempDir()
	s1, err := loadSecrets(dir)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := loadSecrets(dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(s1.SealKey) != string(s2.SealKey) || s1.DemoClientSecret != s2.DemoClientSecret {
		t.Fatal("second run generated new secrets")
	}
	fi, err := os.Stat(filepath.Join(dir, secretsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file: %v %v", fi.Mode(), err)
	}
}

// TestRealMode: with Kakao keys the site talks to real Kakao (no fake, no
// banner), cookies are Secure and the CSP lets forms go to kauth.
func TestRealMode(t *testing.T) {
	a, err := newApp(appConfig{DataDir: t.TempDir(), PublicURL: "https://example.com", Logger: slog.New(slog.DiscardHandler),
		Kakao: kakaoKeys{ClientID: "rest-key", ClientSecret: "secret", AdminKey: "admin", AppID: 42}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if a.demo || a.fake != nil {
		t.Fatal("real mode runs the fake")
	}
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://example.com/", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || strings.Contains(body, `id="demo-banner"`) || !strings.Contains(body, `id="kakao-login"`) {
		t.Fatalf("home: %d\n%.1000s", rec.Code, body)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://kauth.kakao.com") {
		t.Errorf("CSP %q", csp)
	}
	if ck := rec.Header().Get("Set-Cookie"); !strings.Contains(ck, "Secure") {
		t.Errorf("session cookie not Secure: %q", ck)
	}
	rec = httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://example.com/auth/kakao/login?next=/profile", nil))
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusFound && rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "https://kauth.kakao.com/oauth/authorize?") {
		t.Errorf("login: %d %q", rec.Code, loc)
	}
}

// TestFlashAfterSiteLogout: the site keeps a flash message in the session
// with scs's API (sm.Put before the redirect, PopString on the next page);
// it is shown once. The password login's own logout has its own notice,
// word for word (other notices only contain it).
func TestFlashAfterSiteLogout(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := newClient(t, "ko")
	c.get(base + "/")
	c.post(base+"/login", url.Values{"email": {demoEmail}, "password": {demoPassword}}, true)
	c.get(base + "/logout")
	wantContains(t, "logout page of a password login", c.last, `id="logout-site"`, `action="/account/logout"`)
	status, body, at := c.post(base+"/account/logout", url.Values{}, true)
	if status != http.StatusOK || at.Path != "/" {
		t.Fatalf("logout: %d %s", status, at)
	}
	wantNotice(t, c, base, "home after logout", body, "로그아웃했습니다.</p>")
	if strings.Contains(body, `id="whoami"`) {
		t.Error("still logged in after the logout")
	}
}
