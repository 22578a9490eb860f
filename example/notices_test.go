package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// Issue 12 tests at the HTTP level: the notice after each action, the
// confirmation steps, readable names, pages aware of the user, next
// through the link step, the favicon.

// loggedInAs logs a new Kakao user in through consent and signup and
// returns the client on its profile.
func loggedInAs(t *testing.T, base string, user int64, name string, scopes ...string) *client {
	t.Helper()
	c := newClient(t, "ko")
	c.get(base + "/auth/kakao/login?next=/profile")
	c.consentSubmit(base, user, scopes...)
	if _, _, at := c.post(base+"/signup", url.Values{"name": {name}}, true); at.Path != "/profile" {
		t.Fatalf("signup landed on %s", at)
	}
	return c
}

// wantNotice checks body shows the notice once, as a status, and that the
// next page does not show it again.
func wantNotice(t *testing.T, c *client, base, what, body, text string) {
	t.Helper()
	if !strings.Contains(body, `<p class="flash" id="flash" role="status">`+text) {
		t.Fatalf("%s: no notice %q in:\n%.2500s", what, text, body)
	}
	if _, again, _ := c.get(base + "/"); strings.Contains(again, text) {
		t.Fatalf("%s: the notice was shown twice", what)
	}
}

// TestNoticeAfterEachAction: every action of the library's routes and the
// site's own ends on a page with its notice (a flash message), shown once.
func TestNoticeAfterEachAction(t *testing.T) {
	withdraw := func(field, value, path string) func(t *testing.T, c *client, base string) (string, *url.URL) {
		return func(t *testing.T, c *client, base string) (string, *url.URL) {
			c.get(base + "/confirm?action=withdraw-" + map[string]string{"scope": "item", "tags": "term"}[field] + "&item=" + value)
			_, body, at := c.post(base+path, url.Values{field: {value}, "next": {"/consent"}}, true)
			return body, at
		}
	}
	logout := func(mode string) func(t *testing.T, c *client, base string) (string, *url.URL) {
		return func(t *testing.T, c *client, base string) (string, *url.URL) {
			c.get(base + "/logout")
			_, body, at := c.post(base+"/auth/kakao/logout", url.Values{"mode": {mode}}, true)
			return body, at
		}
	}
	post := func(page, path string) func(t *testing.T, c *client, base string) (string, *url.URL) {
		return func(t *testing.T, c *client, base string) (string, *url.URL) {
			c.get(base + page)
			_, body, at := c.post(base+path, url.Values{}, true)
			return body, at
		}
	}
	for _, tc := range []struct {
		name, wantPath, notice string
		do                     func(t *testing.T, c *client, base string) (string, *url.URL)
	}{
		{"logout service", "/", "로그아웃했습니다. 카카오계정 로그인은 그대로입니다.", logout("service")},
		{"logout kakao", "/", "로그아웃했습니다. 이 사이트가 받은 카카오 토큰도 만료시켰습니다.", logout("kakao")},
		{"logout account", "/", "로그아웃했습니다. 이 브라우저의 카카오계정에서도 로그아웃되었습니다.", logout("account")},
		{"logout everywhere", "/", "모든 기기와 브라우저에서 로그아웃했습니다.", post("/confirm?action=logout-everywhere", "/auth/kakao/logout/everywhere")},
		{"account deleted", "/", "카카오 연결을 끊고 계정을 삭제했습니다.", post("/account/delete", "/auth/kakao/unlink")},
		{"item withdrawn", "/consent", "동의를 철회했습니다: 카카오계정(이메일)", withdraw("scope", "account_email", "/auth/kakao/consent/revoke")},
		{"term withdrawn", "/consent", "약관 동의를 철회했습니다: 마케팅 정보 수신 동의", withdraw("tags", "terms_marketing", "/auth/kakao/terms/revoke")},
		{"consent granted", "/profile", "동의했습니다: 성별", func(t *testing.T, c *client, base string) (string, *url.URL) {
			c.get(base + "/auth/kakao/consent?scope=gender&next=/profile")
			_, body, at := c.consentSubmit(base, kakaotest.UserSeoyeon, "gender")
			return body, at
		}},
		{"consent cancelled", "/profile", "추가 동의를 취소했습니다. 바뀐 것은 없습니다.", func(t *testing.T, c *client, base string) (string, *url.URL) {
			c.get(base + "/auth/kakao/consent?scope=gender&next=/profile")
			form := url.Values{"p": {inputValue(t, c.last, "p")}, "user": {"2984711002"}, "action": {"cancel"}}
			_, body, at := c.post(base+"/_kakao"+kakaotest.PathConsent, form, false)
			if at.RawQuery != "" {
				t.Errorf("the library's flag stayed in the address: %s", at)
			}
			return body, at
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, base := startTestSite(t, appConfig{})
			c := loggedInAs(t, base, kakaotest.UserSeoyeon, "서연", "profile_image", "account_email")
			body, at := tc.do(t, c, base)
			if at.Path != tc.wantPath {
				t.Fatalf("landed on %s, want %s", at, tc.wantPath)
			}
			wantNotice(t, c, base, tc.name, body, tc.notice)
		})
	}
}

// TestNoticeCannotBeForged: the library's query flags and made-up ones
// show no notice; only what the site itself put in the session does.
func TestNoticeCannotBeForged(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := newClient(t, "ko")
	for _, q := range []string{"kakao_unlinked=1", "kakao_disconnected=1", "kakao_linked=1", "deleted=1", "kakao_consent=cancelled"} {
		if _, body, _ := c.get(base + "/?" + q); strings.Contains(body, `id="flash"`) {
			t.Errorf("/?%s shows a notice", q)
		}
	}
}

// TestConfirmationSteps: each destructive action has a confirmation page
// that works without JavaScript (a POST form with the CSRF token to the
// route doing it) and a danger-styled button; unknown actions or items
// are refused, and visitors who are not logged in are sent home.
func TestConfirmationSteps(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := loggedInAs(t, base, kakaotest.UserSeoyeon, "서연", "profile_image", "account_email")
	for _, tc := range []struct {
		query  string
		status int
		want   []string
	}{
		{"action=withdraw-item&item=account_email", 200, []string{`action="/auth/kakao/consent/revoke"`, `name="scope" value="account_email"`, "‘카카오계정(이메일)’ 동의를 철회할까요?"}},
		{"action=withdraw-term&item=terms_marketing", 200, []string{`action="/auth/kakao/terms/revoke"`, `name="tags" value="terms_marketing"`, "마케팅 정보 수신 동의"}},
		{"action=logout-everywhere", 200, []string{`action="/auth/kakao/logout/everywhere"`}},
		{"action=delete", 200, []string{`action="/auth/kakao/unlink"`}},
		{"action=disconnect", 404, nil}, // a Kakao-only account has no password to fall back on
		{"action=withdraw-item&item=nope", 404, nil},
		{"action=withdraw-term&item=terms_nope", 404, nil},
		{"action=format-disk", 404, nil},
	} {
		status, body, _ := c.get(base + "/confirm?" + tc.query)
		if status != tc.status {
			t.Errorf("%s: %d, want %d", tc.query, status, tc.status)
			continue
		}
		if status == 200 {
			wantContains(t, tc.query, body, append(tc.want, `id="confirm-form" method="post"`, `name="csrf_token"`, `class="danger"`, `id="confirm-cancel"`)...)
		}
	}
	for _, page := range []string{"/consent", "/account"} {
		_, body, _ := c.get(base + page)
		if strings.Contains(body, `method="post" action="/auth/kakao/consent/revoke"`) || strings.Contains(body, `action="/auth/kakao/unlink"`) ||
			strings.Contains(body, `action="/auth/kakao/logout/everywhere"`) {
			t.Errorf("%s posts a destructive action without the confirmation step", page)
		}
	}
	anon := newClient(t, "ko")
	if _, _, at := anon.get(base + "/confirm?action=delete"); at.Path != "/" {
		t.Errorf("anonymous confirmation page: landed on %s", at)
	}
}

// TestReadableNames: coded values in words, in both languages.
func TestReadableNames(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct{ got, want string }{
		{ageRangeWords("ko", "30~39"), "30대"},
		{ageRangeWords("en", "30~39"), "30s"},
		{ageRangeWords("ko", "15~19"), "15~19세"},
		{ageRangeWords("ko", "90~"), "90세 이상"},
		{ageRangeWords("en", "bogus"), "bogus"},
		{genderWord("ko", "female"), "여성"},
		{genderWord("en", "male"), "Male"},
		{birthdayWords("ko", "0214", "SOLAR", false), "2월 14일 (양력)"},
		{birthdayWords("en", "1103", "LUNAR", true), "November 3 (lunar calendar, leap month)"},
		{birthdayWords("ko", "1399", "SOLAR", false), "1399"},
		{birthyearWords("ko", "1991"), "1991년"},
		{yesNoWords("ko", &yes), "예"},
		{yesNoWords("en", &no), "No"},
		{yesNoWords("en", nil), ""},
		{itemTitle("en", "account_email"), "Kakao Account (email)"},
		{itemTitle("ko", "unknown_item"), "unknown_item"},
		{termTitle("en", "terms_service"), "Terms of service"},
		{kstTime(time.Date(2024, 1, 2, 20, 30, 0, 0, time.UTC)), "2024-01-03 05:30 KST"},
		{strings.Join(itemTitlesOf("ko", []string{"openid", "profile_nickname"}), ","), "닉네임"},
		{noticeText("en", "notice.item_withdrawn|account_email,gender"), "Consent withdrawn: Kakao Account (email), Gender"},
		{eventTitle("en", "credential-change", "password"), "Password changed"},
		{eventTitle("ko", "credential-change", "pin"), "인증 정보 변경"},
		{eventTitle("ko", "brand-new-type", ""), "기타 이벤트 (brand-new-type)"},
		{eventActionWords("en", "profile_updated", 1), "Applied to 1 login"},
		{eventActionWords("en", "profile_updated", 2), "Applied to 2 logins"},
		{eventActionWords("ko", "sessions_ended", 3), "모든 로그인을 끝냄 (3개)"},
		{eventActionWords("en", "none", 0), "No action needed"},
		{profileItemName("en", "nickname"), "Nickname"},
		{profileItemName("ko", "favourite_colour"), "favourite_colour"},
		{noticeText("ko", "notice.demo_event|account-enabled"), "가짜 카카오가 ‘카카오계정 이용 재개’ 이벤트를 보냈습니다. 처리 결과는 아래 목록에 있습니다."},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestPagesKnowTheUser: home offers the profile to a logged-in user; a
// password-only user asking for a Kakao page is told why instead of being
// sent to Kakao; the account page names the linked Kakao account, read with
// the admin key for a password login.
func TestPagesKnowTheUser(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := loggedInAs(t, base, kakaotest.UserSeoyeon, "서연", "profile_image", "account_email")
	_, body, _ := c.get(base + "/")
	wantContains(t, "home", body, `id="go-profile"`, `href="/profile"`)
	if strings.Contains(body, `id="kakao-login"`) || strings.Contains(body, `id="password-login"`) {
		t.Error("home offers a logged-in user the login")
	}

	p := newClient(t, "ko")
	p.get(base + "/")
	p.post(base+"/login", url.Values{"email": {demoEmail}, "password": {demoPassword}}, true)
	status, body, at := p.get(base + "/profile")
	if status != http.StatusOK || at.Path != "/profile" {
		t.Fatalf("password user on /profile: %d %s", status, at)
	}
	wantContains(t, "needs Kakao", body, `id="need-kakao"`, `id="need-kakao-connect"`, `name="next" value="/profile"`)
	// Connect from there: the link comes back to /profile, with its notice.
	p.post(base+"/account/connect", url.Values{"next": {"/profile"}}, true)
	status, body, at = p.consentSubmit(base, kakaotest.UserMinji, "profile_image", "account_email")
	if status != http.StatusOK || at.Path != "/profile" || at.RawQuery != "" {
		t.Fatalf("after connecting: %d %s", status, at)
	}
	wantContains(t, "profile after connect", body, "카카오 계정이 연결되었습니다.")
	// A password login of the linked account: the account page reads the
	// Kakao account with the admin key.
	q := newClient(t, "ko")
	q.get(base + "/")
	q.post(base+"/login", url.Values{"email": {demoEmail}, "password": {demoPassword}}, true)
	_, body, _ = q.get(base + "/account")
	wantContains(t, "account of a password login", body, `id="kakao-nickname">민지`, `id="kakao-email" class="code">`+demoEmail)
	_, body, _ = q.get(base + "/consent")
	wantContains(t, "needs Kakao, linked", body, `id="need-kakao-login"`, `href="/auth/kakao/login?next=%2fconsent"`)
}

// TestNextSurvivesTheLinkStep: a login started for /consent that has to
// prove an existing account comes back to /consent, also after a wrong
// password; an unsafe next goes nowhere else.
func TestNextSurvivesTheLinkStep(t *testing.T) {
	// The library itself turns an unsafe next into its default, "/".
	for _, tc := range []struct{ next, want string }{{"/consent", "/consent"}, {"//evil.example/x", "/"}} {
		_, base := startTestSite(t, appConfig{})
		c := newClient(t, "en")
		c.get(base + "/auth/kakao/login?next=" + url.QueryEscape(tc.next))
		c.consentSubmit(base, kakaotest.UserMinji, "profile_image", "account_email")
		wantContains(t, "link", c.last, `name="next" value="`+tc.want+`"`, `name="username"`, `autocomplete="username"`)
		status, body, _ := c.post(base+"/link", url.Values{"password": {"wrong"}, "next": {tc.want}}, true)
		if status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", status)
		}
		wantContains(t, "link after a wrong password", body, `role="alert"`, `aria-describedby="form-error"`, `name="next" value="`+tc.want+`"`)
		_, _, at := c.post(base+"/link", url.Values{"password": {demoPassword}, "next": {tc.want}}, true)
		if at.Path != tc.want {
			t.Errorf("next %q: landed on %s, want %s", tc.next, at, tc.want)
		}
	}
}

// TestAccessibleLayout: the skip link, the marked current page, the
// language link's lang, and a favicon instead of a 404.
func TestAccessibleLayout(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := loggedInAs(t, base, kakaotest.UserSeoyeon, "서연", "profile_image", "account_email")
	_, body, _ := c.get(base + "/account")
	wantContains(t, "account", body, `<a class="skip-link" href="#main">`, `<main id="main"`,
		`<a href="/account" aria-current="page">`, `id="lang-toggle" href="/lang?to=en" lang="en"`, `rel="icon"`)
	if strings.Contains(body, `<a href="/profile" aria-current`) {
		t.Error("another page is marked current")
	}
	resp, err := http.Get(base + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		t.Errorf("favicon: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// FuzzSitePath: next comes from the browser; what sitePath lets through
// is always a path on this site.
func FuzzSitePath(f *testing.F) {
	for _, s := range []string{"/profile", "//evil.example", "/\\evil", "https://evil.example/", "/a?b=c#d", "", "/%2F%2Fx", "/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := sitePath(next, "/def")
		if got == "/def" {
			return
		}
		u, err := url.Parse(got)
		if got != next || err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n\t") {
			t.Fatalf("sitePath(%q) = %q", next, got)
		}
	})
}

// passwordLogin logs the seeded site account in with its password and
// returns the client on the account page.
func passwordLogin(t *testing.T, base, lang string) *client {
	t.Helper()
	c := newClient(t, lang)
	c.get(base + "/")
	if _, _, at := c.post(base+"/login", url.Values{"email": {demoEmail}, "password": {demoPassword}}, true); at.Path != "/account" {
		t.Fatalf("password login landed on %s", at)
	}
	return c
}

// TestNoticesOfOtherActions: the notices the site sets outside the
// library's routes, word for word: deleting a password account, giving up
// a signup or a link, and additional consent that added nothing.
func TestNoticesOfOtherActions(t *testing.T) {
	t.Run("password account deleted", func(t *testing.T) {
		_, base := startTestSite(t, appConfig{})
		c := passwordLogin(t, base, "ko")
		c.get(base + "/account/delete")
		wantContains(t, "confirmation", c.last, `action="/account/delete"`)
		_, body, at := c.post(base+"/account/delete", url.Values{}, true)
		if at.Path != "/" || strings.Contains(body, `id="whoami"`) {
			t.Fatalf("after deleting: %s, or still logged in", at)
		}
		wantNotice(t, c, base, "deleted", body, "계정을 삭제했습니다.</p>")
	})
	for _, user := range []int64{kakaotest.UserSeoyeon, kakaotest.UserMinji} { // signup, link
		t.Run(fmt.Sprintf("pending %d abandoned", user), func(t *testing.T) {
			_, base := startTestSite(t, appConfig{})
			c := newClient(t, "ko")
			c.get(base + "/auth/kakao/login?next=/profile")
			c.consentSubmit(base, user, "profile_image", "account_email")
			wantContains(t, "signup or link page", c.last, `id="abandon"`)
			_, body, at := c.post(base+"/signup/abandon", url.Values{}, true)
			if at.Path != "/" {
				t.Fatalf("after abandoning: %s", at)
			}
			wantNotice(t, c, base, "abandoned", body, "취소했습니다. 아무것도 연결되거나 만들어지지 않았습니다.</p>")
		})
	}
	t.Run("consent added nothing", func(t *testing.T) {
		_, base := startTestSite(t, appConfig{})
		c := loggedInAs(t, base, kakaotest.UserSeoyeon, "서연", "profile_image", "account_email")
		c.get(base + "/auth/kakao/consent?scope=gender&next=/profile")
		_, body, at := c.consentSubmit(base, kakaotest.UserSeoyeon) // gender left unticked
		if at.Path != "/profile" {
			t.Fatalf("after consent: %s", at)
		}
		wantNotice(t, c, base, "nothing agreed", body, "새로 동의한 항목이 없습니다.</p>")
	})
}

// TestDeleteTextsOfAPasswordAccount: a password account says what deleting
// it does, and only a Kakao login speaks of unlinking from Kakao.
func TestDeleteTextsOfAPasswordAccount(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := passwordLogin(t, base, "ko")
	_, body, _ := c.get(base + "/account")
	wantContains(t, "account of a password login", body, `<p id="delete-text">이 사이트의 계정과 데이터를 삭제합니다.</p>`)
	_, body, _ = c.get(base + "/account/delete")
	wantContains(t, "its confirmation", body, `<p id="confirm-text">이 사이트의 계정과 데이터가 삭제되고 모든 기기에서 로그아웃됩니다. 되돌릴 수 없습니다.</p>`)
	// Linked to Kakao (민지), but logged in by password: the link goes
	// with the account.
	c.post(base+"/account/connect", url.Values{}, true)
	c.consentSubmit(base, kakaotest.UserMinji, "profile_image", "account_email")
	p := passwordLogin(t, base, "en")
	_, body, _ = p.get(base + "/account")
	wantContains(t, "account of a linked password login", body, `<p id="delete-text">Delete your account and data on this site, and its link to your Kakao account.</p>`)
	_, body, _ = p.get(base + "/account/delete")
	wantContains(t, "its confirmation", body, `<p id="confirm-text">Your account and data on this site are deleted, with its link to your Kakao account, and every login ends.`)
	// A Kakao login unlinks at Kakao.
	_, body, _ = c.get(base + "/account")
	wantContains(t, "account of a Kakao login", body, `<p id="delete-text">카카오 연결을 끊고`)
}

// TestSmallPages: the 404 page offers the way home but no "try again"; the
// logout page of a visitor who is not logged in says so and has no form.
func TestSmallPages(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := newClient(t, "ko")
	status, body, _ := c.get(base + "/no-such-page")
	if status != http.StatusNotFound {
		t.Fatalf("404 page: %d", status)
	}
	wantContains(t, "404 page", body, "페이지를 찾을 수 없습니다", `href="/"`)
	if strings.Contains(body, `id="error-retry"`) || strings.Contains(body, "다시 시도") {
		t.Errorf("the 404 page offers to try again:\n%.2000s", body)
	}
	status, body, at := c.get(base + "/logout")
	if status != http.StatusOK || at.Path != "/logout" {
		t.Fatalf("logout page: %d %s", status, at)
	}
	wantContains(t, "logout page, not logged in", body, `<p id="logout-none">로그인되어 있지 않아`)
	if strings.Contains(body, "<form") {
		t.Errorf("the logout page offers a form to a visitor who is not logged in:\n%.2000s", body)
	}
}

// TestNextSurvivesSignup: a new user's login started for /consent comes
// back to /consent through the signup page, also after a refused name.
func TestNextSurvivesSignup(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := newClient(t, "ko")
	c.get(base + "/auth/kakao/login?next=" + url.QueryEscape("/consent"))
	_, body, at := c.consentSubmit(base, kakaotest.UserSeoyeon, "profile_image", "account_email")
	if at.Path != "/signup" {
		t.Fatalf("after consent: %s", at)
	}
	wantContains(t, "signup", body, `name="next" value="/consent"`)
	status, body, _ := c.post(base+"/signup", url.Values{"name": {""}, "next": {"/consent"}}, true)
	if status != http.StatusBadRequest {
		t.Fatalf("empty name: %d", status)
	}
	wantContains(t, "signup after an empty name", body, `name="next" value="/consent"`)
	_, body, at = c.post(base+"/signup", url.Values{"name": {"서연"}, "next": {inputValue(t, body, "next")}}, true)
	if at.Path != "/consent" {
		t.Fatalf("after signup: landed on %s, want /consent", at)
	}
	wantNotice(t, c, base, "signed up", body, "가입했습니다. 환영합니다!")
}
