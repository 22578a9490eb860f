package kakaotest

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestAuthorizeRejectsUntrustedRequestsOnKakaosOwnPage(t *testing.T) {
	s := newFake(t)
	base := s.authParams("st")
	cases := []struct {
		name   string
		edit   func(url.Values)
		code   string
		status int
	}{
		{"missing client_id", func(v url.Values) { v.Del("client_id") }, "KOE207", 400},
		{"unknown client_id", func(v url.Values) { v.Set("client_id", "nope") }, "KOE101", 401},
		{"unregistered redirect_uri", func(v url.Values) { v.Set("redirect_uri", "http://evil.test/cb") }, "KOE006", 400},
		{"redirect_uri with extra path", func(v url.Values) { v.Set("redirect_uri", testRedirect+"/x") }, "KOE006", 400},
		{"implicit grant", func(v url.Values) { v.Set("response_type", "token") }, "KOE202", 400},
		{"unknown response_type", func(v url.Values) { v.Set("response_type", "xyz") }, "KOE201", 400},
		{"unconfigured scope", func(v url.Values) { v.Set("scope", "account_email,friends") }, "KOE205", 400},
		{"unknown PKCE method", func(v url.Values) { v.Set("code_challenge_method", "S512") }, "KOE204", 400},
		{"unknown prompt", func(v url.Values) { v.Set("prompt", "bogus") }, "KOE204", 400},
		{"unknown service term", func(v url.Values) { v.Set("service_terms", "nope") }, "KOE204", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{}
			for k, v := range base {
				q[k] = append([]string(nil), v...)
			}
			tc.edit(q)
			resp := authorize(t, browser(t), s, q)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || resp.Header.Get("Location") != "" || !strings.Contains(string(body), tc.code) {
				t.Fatalf("status %d Location %q body %.200s; want %d page with %s", resp.StatusCode, resp.Header.Get("Location"), body, tc.status, tc.code)
			}
		})
	}
}

func TestAuthorizeAutoApprovesWithCodeAndState(t *testing.T) {
	s := newFake(t)
	q := redirectParams(t, authorize(t, browser(t), s, s.authParams("abc")))
	if q.Get("code") == "" || q.Get("state") != "abc" || q.Has("error") {
		t.Fatalf("redirect query %v", q)
	}
	noState := s.authParams("x")
	noState.Del("state")
	if q := redirectParams(t, authorize(t, browser(t), s, noState)); q.Has("state") {
		t.Fatalf("state echoed though none was sent: %v", q)
	}
}

func TestPromptNoneAnswersLikeKakao(t *testing.T) {
	s := newFake(t)
	c := browser(t)
	q := redirectParams(t, authorize(t, c, s, s.authParams("p1", "prompt", "none")))
	if q.Get("error") != "login_required" || q.Get("state") != "p1" {
		t.Fatalf("no Kakao session: got %v, want login_required", q)
	}
	tok := login(t, s, c, "p2") // signs the browser in and links the user
	q = redirectParams(t, authorize(t, c, s, s.authParams("p3", "prompt", "none")))
	if q.Get("code") == "" {
		t.Fatalf("linked user with session: got %v, want a code", q)
	}
	q = redirectParams(t, authorize(t, c, s, s.authParams("p4", "prompt", "none", "scope", "shipping_address")))
	if q.Get("error") != "consent_required" {
		t.Fatalf("additional item pending: got %v, want consent_required", q)
	}
	if st, _ := postForm(t, s, PathUnlink, nil, bearer(tok["access_token"])); st != 200 {
		t.Fatalf("unlink status %d", st)
	}
	q = redirectParams(t, authorize(t, c, s, s.authParams("p5", "prompt", "none")))
	if q.Get("error") != "consent_required" || q.Get("error_description") != "user consent required." {
		t.Fatalf("unlinked user with session: got %v, want consent_required", q)
	}
}

func TestPromptLoginIgnoresSessionAndRenewsAuthTime(t *testing.T) {
	clk := newClock()
	s := newFake(t, WithClock(clk.Now))
	c := browser(t)
	first := login(t, s, c, "a")
	clk.Add(30 * 60e9)
	again := login(t, s, c, "b")
	forced := login(t, s, c, "c", "prompt", "login")
	at := func(m map[string]any) any { return decodeClaims(t, m["id_token"].(string))["auth_time"] }
	if at(first) != at(again) {
		t.Fatalf("session reuse changed auth_time: %v vs %v", at(first), at(again))
	}
	if at(forced) == at(first) {
		t.Fatalf("prompt=login kept the old auth_time %v", at(forced))
	}
}

func TestLoginHintPicksUser(t *testing.T) {
	s := newFake(t)
	tok := login(t, s, browser(t), "h", "login_hint", "seoyeon.park@example.com")
	_, me := get(t, s, PathMe, nil, bearer(tok["access_token"]))
	if me["id"].(interface{ String() string }).String() != "2984711002" {
		t.Fatalf("login_hint ignored: id %v", me["id"])
	}
}

var (
	pendingRe = regexp.MustCompile(`name="p" value="([0-9a-f]+)"`)
)

// consentForm loads the interactive consent screen and returns its pending id.
func consentForm(t *testing.T, c *http.Client, s *Server, q url.Values) (string, string) {
	t.Helper()
	resp := authorize(t, c, s, q)
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	m := pendingRe.FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("consent screen: status %d body %.300s", resp.StatusCode, page)
	}
	return m[1], page
}

func submitConsent(t *testing.T, c *http.Client, s *Server, form url.Values) url.Values {
	t.Helper()
	resp, err := c.PostForm(s.URL+PathConsent, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return redirectParams(t, resp)
}

func TestInteractiveConsentScreen(t *testing.T) {
	s := newFake(t, WithInteractiveConsent())
	t.Run("shows Korean labels, Kakao yellow, picker and item checkboxes", func(t *testing.T) {
		_, page := consentForm(t, browser(t), s, s.authParams("s"))
		for _, want := range []string{"#FEE500", "동의하고 계속하기", "취소", `id="user"`, `id="scope-account_email"`,
			`id="scope-profile_nickname"`, `id="term-terms_marketing"`, "1376016924429759243"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
	t.Run("cancel redirects access_denied", func(t *testing.T) {
		c := browser(t)
		p, _ := consentForm(t, c, s, s.authParams("c"))
		q := submitConsent(t, c, s, url.Values{"p": {p}, "user": {"4012345678"}, "action": {"cancel"}})
		if q.Get("error") != "access_denied" || q.Get("error_description") != "User denied access" || q.Get("state") != "c" {
			t.Fatalf("cancel: %v", q)
		}
	})
	t.Run("accept with an unticked optional item leaves it unagreed", func(t *testing.T) {
		c := browser(t)
		p, _ := consentForm(t, c, s, s.authParams("u"))
		q := submitConsent(t, c, s, url.Values{"p": {p}, "user": {"1376016924429759243"}, "action": {"accept"},
			"scope": {"profile_image", "name", "gender", "age_range", "birthday", "birthyear", "phone_number"},
			"term":  {}})
		st, tok := exchange(t, s, q.Get("code"), "u")
		if st != 200 {
			t.Fatalf("exchange %d %v", st, tok)
		}
		_, me := get(t, s, PathMe, nil, bearer(tok["access_token"]))
		acct := me["kakao_account"].(map[string]any)
		if acct["email_needs_agreement"] != true || acct["email"] != nil || acct["gender"] != "male" {
			t.Fatalf("kakao_account %v: want email unagreed, gender agreed", acct)
		}
		if me["id"].(interface{ String() string }).String() != "1376016924429759243" {
			t.Fatalf("picker ignored, id %v", me["id"])
		}
		u, _ := s.User(UserJunho)
		if strings.Contains(strings.Join(u.AgreedTerms, ","), "terms_marketing") || len(u.AgreedTerms) != 2 {
			t.Fatalf("terms %v: want the two required only", u.AgreedTerms)
		}
		// The session now exists and nothing is pending: no screen again.
		if q := redirectParams(t, authorize(t, c, s, s.authParams("again"))); q.Get("code") == "" {
			t.Fatalf("second login with session showed no code: %v", q)
		}
	})
	t.Run("used form is rejected", func(t *testing.T) {
		c := browser(t)
		p, _ := consentForm(t, c, s, s.authParams("r"))
		submitConsent(t, c, s, url.Values{"p": {p}, "user": {"4012345678"}, "action": {"accept"}})
		resp, err := c.PostForm(s.URL+PathConsent, url.Values{"p": {p}, "user": {"4012345678"}, "action": {"accept"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("replayed consent form: status %d", resp.StatusCode)
		}
	})
}

func TestAutoApproveHonoursDecline(t *testing.T) {
	u := DefaultUsers()[0]
	u.Decline = []string{"account_email", "profile_nickname"}
	s := newFake(t, WithUsers(u))
	tok := login(t, s, browser(t), "d")
	if sc := tok["scope"].(string); strings.Contains(sc, "account_email") || !strings.Contains(sc, "profile_nickname") || !strings.Contains(sc, "openid") {
		t.Fatalf("scope %q: required kept, declined optional dropped, openid present", sc)
	}
}

func TestAdditionalConsentAddsScopeAndOpenID(t *testing.T) {
	s := newFake(t)
	c := browser(t)
	login(t, s, c, "a")
	more := login(t, s, c, "b", "scope", "shipping_address")
	if more["id_token"] != nil {
		t.Fatal("additional consent without openid issued an ID token")
	}
	if !strings.Contains(more["scope"].(string), "shipping_address") {
		t.Fatalf("scope %q lacks the new item", more["scope"])
	}
	withID := login(t, s, c, "c", "scope", "talk_message openid")
	if withID["id_token"] == nil {
		t.Fatal("additional consent with openid (space-separated) issued no ID token")
	}
}

func TestAccountLogoutRedirect(t *testing.T) {
	s := newFake(t, WithLogoutRedirectURI("http://app.test/logged-out"))
	c := browser(t)
	login(t, s, c, "a")
	resp, err := c.Get(s.URL + PathLogoutRedirect + "?" + url.Values{"client_id": {s.ClientID},
		"logout_redirect_uri": {"http://app.test/logged-out"}, "state": {"z"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "http://app.test/logged-out?state=z" {
		t.Fatalf("logout redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if q := redirectParams(t, authorize(t, c, s, s.authParams("n", "prompt", "none"))); q.Get("error") != "login_required" {
		t.Fatalf("Kakao session survived account logout: %v", q)
	}
	resp, err = c.Get(s.URL + PathLogoutRedirect + "?" + url.Values{"client_id": {s.ClientID},
		"logout_redirect_uri": {"http://evil.test/"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("X-Kakaotest-Error-Code") != "KOE007" {
		t.Fatalf("unregistered logout URI: %d %s", resp.StatusCode, resp.Header.Get("X-Kakaotest-Error-Code"))
	}
}
