package kakaogin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// TestLoginRoundTrip is the happy path (C34, C28): login lands on next,
// the identity is on the context, GET me shows it, and the Kakao calls per
// login are exactly one token and one user-info call.
func TestLoginRoundTrip(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	status, body := b.login("/private")
	if status != http.StatusOK || !strings.HasPrefix(body, "private: "+strconv.FormatInt(kakaotest.UserMinji, 10)+" ") {
		t.Fatalf("after login: %d %q", status, body)
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 1 {
		t.Errorf("token calls = %d, want 1", n)
	}
	if n := h.fake.Hits(kakaotest.PathMe); n != 1 {
		t.Errorf("user-info calls = %d, want 1", n)
	}
	status, body, resp := b.get("/auth/kakao/me", "Accept", "application/json")
	var me struct {
		KakaoID  string `json:"kakao_id"`
		Nickname string `json:"nickname"`
		Scopes   []string
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &me) != nil || me.KakaoID != strconv.FormatInt(kakaotest.UserMinji, 10) || me.Nickname == "" {
		t.Fatalf("GET me: %d %s", status, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("C64: GET me without Cache-Control: no-store")
	}
	// A second login reuses discovery and keys (fetched once per process).
	b2 := h.browser()
	b2.login("/")
	if n := h.fake.Hits(kakaotest.PathDiscovery); n != 1 {
		t.Errorf("discovery fetched %d times for two logins, want 1", n)
	}
	if n := h.fake.Hits(kakaotest.PathJWKS); n != 1 {
		t.Errorf("JWKS fetched %d times for two logins, want 1", n)
	}
}

// TestLoginLargeKakaoID: an ID above 2^53 survives end to end (GET me
// sends it as a string).
func TestLoginLargeKakaoID(t *testing.T) {
	h := newHarness(t)
	if err := h.fake.SetLoginUser(kakaotest.UserJunho); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("/")
	_, body, _ := b.get("/auth/kakao/me", "Accept", "application/json")
	if !strings.Contains(body, `"kakao_id":"`+strconv.FormatInt(kakaotest.UserJunho, 10)+`"`) {
		t.Fatalf("GET me = %s", body)
	}
}

// TestAuthorizeRequest covers C2, C9, C10, C11, C12: the authorize URL is
// built from server-side values only.
func TestAuthorizeRequest(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	u := b.toKakao("/auth/kakao/login?redirect_uri=https://evil.example/cb&client_id=x&state=s&nonce=n&scope=talk_message&prompt=none&code_challenge=a&code_challenge_method=plain&response_type=token")
	q := u.Query()
	want := map[string]string{
		"client_id": h.fake.ClientID, "redirect_uri": h.srv.URL + "/auth/kakao/callback",
		"response_type": "code", "code_challenge_method": "S256",
	}
	for k, v := range want {
		if got := q[k]; len(got) != 1 || got[0] != v {
			t.Errorf("C9: %s = %q, want exactly [%q]", k, got, v)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge", "scope"} {
		if len(q[k]) != 1 {
			t.Errorf("C9: %s appears %d times", k, len(q[k]))
		}
	}
	if q.Get("prompt") != "" {
		t.Errorf("C12: prompt = %q by default", q.Get("prompt"))
	}
	if q.Get("state") == "s" || q.Get("nonce") == "n" || q.Get("code_challenge") == "a" {
		t.Error("C9: attacker's value forwarded")
	}
	scopes := strings.Split(q.Get("scope"), ",")
	if scopes[0] != "openid" || strings.Contains(q.Get("scope"), "talk_message") {
		t.Errorf("C10: scope = %q", q.Get("scope"))
	}
	for _, k := range []string{"state", "nonce"} {
		raw, err := base64.RawURLEncoding.DecodeString(q.Get(k))
		if err != nil || len(raw) != 32 {
			t.Errorf("C11/C13: %s is not 32 random bytes in base64url: %q", k, q.Get(k))
		}
	}
	if q.Has("code_verifier") {
		t.Error("C11: code_verifier on the front channel")
	}

	// C2: a forged Host and X-Forwarded-* change nothing.
	status, _, resp := b.step("/auth/kakao/login", "X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https")
	if status != http.StatusFound {
		t.Fatal(status)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if got := loc.Query().Get("redirect_uri"); got != want["redirect_uri"] {
		t.Errorf("C2: redirect_uri = %q", got)
	}
	// Every token request carried the configured redirect URI as well.
	b.login("/")
	for _, r := range h.fake.Requests() {
		if r.Path == kakaotest.PathToken && r.Form.Get("redirect_uri") != want["redirect_uri"] {
			t.Errorf("C2: token request redirect_uri = %q", r.Form.Get("redirect_uri"))
		}
	}
}

// TestStateValuesDistinct is C11: fresh values per attempt.
func TestStateValuesDistinct(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	seen := map[string]bool{}
	for range 50 {
		q := b.toKakao("/auth/kakao/login").Query()
		for _, k := range []string{"state", "nonce", "code_challenge"} {
			if seen[q.Get(k)] {
				t.Fatalf("C11: %s repeated", k)
			}
			seen[q.Get(k)] = true
		}
	}
}

// TestLoginQueryValidation: only allowlisted values pass (C9).
func TestLoginQueryValidation(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	for _, p := range []string{"/auth/kakao/login?prompt=none", "/auth/kakao/login?prompt=consent"} {
		if u := b.toKakao(p); u.Query().Has("prompt") {
			t.Errorf("C12: %s forwarded prompt=%q", p, u.Query().Get("prompt"))
		}
	}
	for _, p := range []string{
		"/auth/kakao/login?next=/a&next=/b",
		"/auth/kakao/login?prompt=login&prompt=create",
		"/auth/kakao/login?login_hint=" + url.QueryEscape(strings.Repeat("a", 300)),
		"/auth/kakao/login?login_hint=%00",
	} {
		if status, _, _ := b.step(p); status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", p, status)
		}
	}
	for _, p := range []string{"/auth/kakao/login?prompt=login", "/auth/kakao/login?prompt=select_account", "/auth/kakao/login?prompt=create&login_hint=minji@example.com"} {
		u := b.toKakao(p)
		if u.Query().Get("prompt") == "" {
			t.Errorf("%s: prompt dropped", p)
		}
	}
}

// TestCallbackStateChecks is C17, C20, C22, C25: a bad state never reaches
// the token endpoint.
func TestCallbackStateChecks(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	cb := b.callbackURL(b.toKakao("/auth/kakao/login"))
	cu, _ := url.Parse(cb)
	code, state := cu.Query().Get("code"), cu.Query().Get("state")
	other := h.browser() // another browser's jar
	cases := []struct {
		name   string
		b      *browser
		path   string
		status int
	}{
		{"C17 random state", b, "/auth/kakao/callback?code=" + code + "&state=" + randomToken(), 400},
		{"C17 no state", b, "/auth/kakao/callback?code=" + code, 400},
		{"C17 state twice", b, "/auth/kakao/callback?code=" + code + "&state=" + state + "&state=" + state, 400},
		{"C17 state from another browser", other, "/auth/kakao/callback?code=" + code + "&state=" + state, 400},
		{"C17 oversized state", b, "/auth/kakao/callback?code=" + code + "&state=" + strings.Repeat("a", 600), 400},
		{"C20 code twice", b, "/auth/kakao/callback?code=" + code + "&code=x&state=" + state, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := tc.b.step(tc.path)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
		})
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 0 {
		t.Fatalf("C17: %d token requests for rejected callbacks", n)
	}
	// C22: POST to the callback.
	resp, err := b.Post(h.srv.URL+"/auth/kakao/callback?"+cu.RawQuery, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("C22: POST callback = %d", resp.StatusCode)
	}
	// The real callback still works once (the bad attempts did not consume
	// the flow: they never matched it), with unknown parameters ignored (C25).
	status, body, _ := b.get(cb + "&foo=%3Cimg+src%3Dx%3E")
	if status != http.StatusOK || !strings.HasPrefix(body, "home: logged in") {
		t.Fatalf("real callback: %d %q", status, body)
	}
}

// TestCallbackCodeMalformed is C20.
func TestCallbackCodeMalformed(t *testing.T) {
	for name, code := range map[string]string{"missing": "", "100 KiB": strings.Repeat("c", 100<<10), "NUL": "%00", "UTF-8": "%ED%95%9C"} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			b := h.browser()
			u := b.toKakao("/auth/kakao/login")
			p := "/auth/kakao/callback?state=" + u.Query().Get("state")
			if code != "" {
				p += "&code=" + code
			}
			status, _, _ := b.step(p)
			if status != http.StatusBadRequest && status != http.StatusRequestURITooLong && status != http.StatusRequestHeaderFieldsTooLarge {
				t.Fatalf("status %d", status)
			}
			if h.fake.Hits(kakaotest.PathToken) != 0 {
				t.Fatal("C20: token request made")
			}
		})
	}
}

// TestCallbackReplay is C18: the same callback fired concurrently and again
// afterwards makes exactly one token request. Of the concurrent ones, one
// logs in; the others are refused as already used or, when they arrive
// with the logged-in session, sent on like the later reload (issue 11,
// point 4).
func TestCallbackReplay(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	cb := b.callbackURL(b.toKakao("/auth/kakao/login"))
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := b.noFollow().Get(cb)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	if n := h.fake.Hits(kakaotest.PathToken); n != 1 {
		t.Fatalf("C18: %d token requests for one code fired 8 times (statuses %v)", n, statuses)
	}
	for _, s := range statuses {
		if s != http.StatusSeeOther && s != http.StatusBadRequest {
			t.Fatalf("C18: statuses %v", statuses)
		}
	}
	if !b.loggedIn() {
		t.Fatal("no callback logged in")
	}
	if status, _, resp := b.step(cb); status != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("C18: replay afterwards = %d to %q", status, resp.Header.Get("Location"))
	}
	if n := h.fake.Hits(kakaotest.PathToken); n != 1 {
		t.Fatalf("C18: %d token requests after the replay", n)
	}
}

// TestIDTokenFaults is §E end to end: each broken ID token from the fake
// fails the login with no user-info call and no session (C35–C41, C47).
func TestIDTokenFaults(t *testing.T) {
	faults := map[string]kakaotest.IDTokenFault{
		"C35 wrong key": kakaotest.IDTokenWrongKey, "C35 tampered": kakaotest.IDTokenTampered, "C35 truncated": kakaotest.IDTokenTruncatedSig,
		"C36 HS256": kakaotest.IDTokenHS256, "C37 alg none": kakaotest.IDTokenAlgNone, "C38 wrong iss": kakaotest.IDTokenWrongIss,
		"C39/C47 wrong aud": kakaotest.IDTokenWrongAud, "C42 expired": kakaotest.IDTokenExpired, "C41 wrong nonce": kakaotest.IDTokenWrongNonce,
		"C41 no nonce": kakaotest.IDTokenNoNonce, "C31 missing": kakaotest.IDTokenMissing, "C44 unknown kid": kakaotest.IDTokenUnknownKid,
	}
	for name, f := range faults {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.fake.FailIDToken(f)
			b := h.browser()
			status, body := b.login("/private")
			if status < 400 {
				t.Fatalf("login succeeded: %d %q", status, body)
			}
			if n := h.fake.Hits(kakaotest.PathMe); n != 0 {
				t.Fatalf("user info read %d times after a rejected ID token", n)
			}
			if _, body, _ := b.get("/"); body != "home: anonymous" {
				t.Fatalf("session after rejected login: %q", body)
			}
		})
	}
}

// TestIDTokenClaimMutations: claims go-oidc accepts and we must not (C39,
// C40, C50).
func TestIDTokenClaimMutations(t *testing.T) {
	cases := map[string]func(map[string]any){
		"C39 aud ours plus other": func(m map[string]any) { m["aud"] = []string{m["aud"].(string), "other"} },
		"C39 azp other":           func(m map[string]any) { m["azp"] = "other" },
		"C40 numeric sub":         func(m map[string]any) { m["sub"] = 4012345678 },
		"C50 another user's sub":  func(m map[string]any) { m["sub"] = strconv.FormatInt(kakaotest.UserSeoyeon, 10) },
	}
	for name, mut := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.fake.MutateIDTokenClaims(mut)
			b := h.browser()
			if status, body := b.login("/"); status < 400 {
				t.Fatalf("login succeeded: %d %q", status, body)
			}
			if _, body, _ := b.get("/"); body != "home: anonymous" {
				t.Fatalf("session after rejected login: %q", body)
			}
		})
	}
}

// TestIDTokenTimeClaimsEndToEnd: an ID token Kakao's key signed with nbf or
// auth_time beyond the clock leeway logs nobody in; within the leeway, or
// without nbf, the login goes through (C42, C48; issue 11, point 1).
func TestIDTokenTimeClaimsEndToEnd(t *testing.T) {
	ahead := func(claim string, d time.Duration) func(map[string]any) {
		return func(m map[string]any) { m[claim] = m["iat"].(int64) + int64(d/time.Second) }
	}
	cases := []struct {
		name string
		mut  func(map[string]any)
		ok   bool
	}{
		{"nbf an hour ahead", ahead("nbf", time.Hour), false},
		{"nbf within the leeway", ahead("nbf", 30*time.Second), true},
		{"nbf absent", func(m map[string]any) { delete(m, "nbf") }, true},
		{"C48 auth_time an hour ahead", ahead("auth_time", time.Hour), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.fake.MutateIDTokenClaims(tc.mut)
			b := h.browser()
			status, body := b.login("/")
			if loggedIn := strings.HasPrefix(body, "home: logged in"); loggedIn != tc.ok {
				t.Fatalf("login: %d %q, want logged in = %v", status, body, tc.ok)
			}
			if !tc.ok {
				if status < 400 {
					t.Fatalf("refused login answered %d", status)
				}
				if n := h.fake.Hits(kakaotest.PathMe); n != 0 {
					t.Fatalf("C49: user info read %d times after a refused ID token", n)
				}
			}
		})
	}
}

// TestKeyRotationBetweenLogins is C45 end to end.
func TestKeyRotationBetweenLogins(t *testing.T) {
	h := newHarness(t)
	h.browser().login("/")
	h.fake.RotateKey()
	b := h.browser()
	if _, body := b.login("/"); !strings.HasPrefix(body, "home: logged in") {
		t.Fatalf("login after rotation: %q", body)
	}
	if n := h.fake.Hits(kakaotest.PathJWKS); n != 2 {
		t.Fatalf("C45: JWKS fetched %d times, want 2 (one refetch for the new kid)", n)
	}
}

// TestAccessDenied is C24: Cancel at Kakao lands on a friendly page; the
// error text is never reflected.
func TestAccessDenied(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	u := b.toKakao("/auth/kakao/login")
	p := "/auth/kakao/callback?state=" + u.Query().Get("state") +
		"&error=access_denied&error_description=" + url.QueryEscape("<script>alert(1)</script>") + "&error_uri=" + url.QueryEscape("javascript:alert(1)")
	status, body, resp := b.step(p)
	if status != http.StatusForbidden || !strings.Contains(body, "취소") {
		t.Fatalf("status %d body %q", status, body)
	}
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "javascript:") {
		t.Fatal("C24: error_description or error_uri reflected")
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("C23: headers missing on the error page")
	}
	// The flow was consumed; the user can restart.
	if status, _, _ := b.step(p); status != http.StatusBadRequest {
		t.Fatalf("C24: flow not consumed: %d", status)
	}
	if _, body := b.login("/"); !strings.HasPrefix(body, "home: logged in") {
		t.Fatalf("restart after cancel: %q", body)
	}
}

// TestCallbackIssParameter is C21.
func TestCallbackIssParameter(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	cb := b.callbackURL(b.toKakao("/auth/kakao/login"))
	if status, _, _ := b.step(cb + "&iss=" + url.QueryEscape("https://evil.example")); status != http.StatusBadRequest {
		t.Fatalf("C21: foreign iss accepted: %d", status)
	}
	if h.fake.Hits(kakaotest.PathToken) != 0 {
		t.Fatal("C21: token request after a foreign iss")
	}
}

// TestCallbackSuccessHeaders is C23 and C56: 303 to next with no-store and
// no-referrer, and a session token different from the one before login.
func TestCallbackSuccessHeaders(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	u := b.toKakao("/auth/kakao/login?next=/private")
	appURL, _ := url.Parse(h.srv.URL)
	before := b.Jar.Cookies(appURL)
	cb := b.callbackURL(u)
	status, _, resp := b.step(cb)
	if status != http.StatusSeeOther || resp.Header.Get("Location") != "/private" {
		t.Fatalf("C23: %d to %q", status, resp.Header.Get("Location"))
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatal("C23: headers missing")
	}
	after := b.Jar.Cookies(appURL)
	if len(before) == 0 || len(after) == 0 || before[0].Value == after[0].Value {
		t.Fatal("C56: session token not renewed at login")
	}
	// C56: the pre-login token is dead: replayed, it is anonymous.
	replay := h.browser()
	replay.Jar.SetCookies(mustURL(h.srv.URL), before)
	if replay.loggedIn() {
		t.Fatal("C56: the pre-login session token still works after login")
	}
}

// TestRequireLogin: HTML gets a 303 to login with next; JSON gets 401 with
// the login URL; a session holding only a flow is not logged in (C59).
func TestRequireLogin(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	status, _, resp := b.step("/private?x=1")
	if status != http.StatusSeeOther || resp.Header.Get("Location") != "/auth/kakao/login?next="+url.QueryEscape("/private?x=1") {
		t.Fatalf("HTML: %d %q", status, resp.Header.Get("Location"))
	}
	status, body, _ := b.step("/private", "Accept", "application/json")
	var j struct {
		Error    string `json:"error"`
		LoginURL string `json:"login_url"`
	}
	json.Unmarshal([]byte(body), &j)
	if status != http.StatusUnauthorized || j.Error != "login_required" || j.LoginURL == "" {
		t.Fatalf("JSON: %d %s", status, body)
	}
	b.toKakao("/auth/kakao/login") // a flow, not a login
	if status, _, _ := b.step("/private", "Accept", "application/json"); status != http.StatusUnauthorized {
		t.Fatalf("C59: half-finished flow counts as logged in: %d", status)
	}
	if status, _, _ := b.step("/auth/kakao/me"); status != http.StatusUnauthorized {
		t.Fatalf("GET me logged out: %d", status)
	}
}

// TestRequireScopesAndConsent is issue 4 §4 and N: a missing item sends
// the browser through consent; an unticked optional item is not recorded.
func TestRequireScopesAndConsent(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.login("/")
	status, body, _ := b.step("/talk", "Accept", "application/json")
	if status != http.StatusForbidden || !strings.Contains(body, `"missing_scopes":["talk_message"]`) {
		t.Fatalf("JSON: %d %s", status, body)
	}
	status, _, resp := b.step("/talk")
	if status != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/kakao/consent?scope=talk_message") {
		t.Fatalf("HTML: %d %q", status, resp.Header.Get("Location"))
	}
	u := b.toKakao(resp.Header.Get("Location"))
	if got := u.Query().Get("scope"); got != "openid,talk_message" {
		t.Fatalf("consent scope = %q", got)
	}
	cb := b.callbackURL(u)
	if status, body, _ := b.get(cb); status != http.StatusOK || body != "talk ok" {
		t.Fatalf("after consent: %d %q", status, body)
	}
	if _, body, _ := b.get("/private"); !strings.Contains(body, "talk_message") {
		t.Fatalf("granted scope not recorded: %q", body)
	}
}

// TestConsentUntickedItem: a user who unticks an optional item at Kakao is
// recorded without it (N).
func TestConsentUntickedItem(t *testing.T) {
	users := kakaotest.DefaultUsers()
	users[0].Decline = []string{"account_email"}
	h := newHarness(t, withFake(kakaotest.WithUsers(users...)))
	if err := h.fake.SetLoginUser(users[0].ID); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("/")
	status, _, resp := b.step("/auth/kakao/consent?scope=account_email,talk_message&next=/private")
	if status != http.StatusFound {
		t.Fatalf("consent: %d", status)
	}
	_, body, _ := b.get(resp.Header.Get("Location"))
	if !strings.Contains(body, "talk_message") || strings.Contains(body, "account_email") {
		t.Fatalf("recorded scopes: %q", body)
	}
}

// TestConsentCancel: Cancel during additional consent returns to next
// with the session intact.
func TestConsentCancel(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.login("/")
	u := b.toKakao("/auth/kakao/consent?scope=talk_message&next=/private")
	status, _, resp := b.step("/auth/kakao/callback?state=" + u.Query().Get("state") + "&error=access_denied")
	if status != http.StatusSeeOther || resp.Header.Get("Location") != "/private?kakao_consent=cancelled" {
		t.Fatalf("cancel: %d %q", status, resp.Header.Get("Location"))
	}
	if _, body, _ := b.get("/"); !strings.HasPrefix(body, "home: logged in") {
		t.Fatalf("session lost on consent cancel: %q", body)
	}
}

// TestConsentFlowCannotLogInAnotherUser is C19: a consent flow finished
// by another Kakao user is refused.
func TestConsentFlowCannotLogInAnotherUser(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.login("/")
	u := b.toKakao("/auth/kakao/consent?scope=talk_message")
	if err := h.fake.SetLoginUser(kakaotest.UserSeoyeon); err != nil {
		t.Fatal(err)
	}
	u.RawQuery += "&prompt=login"
	status, _, _ := b.get(u.String())
	if status != http.StatusBadRequest {
		t.Fatalf("C19: consent completed by another user: %d", status)
	}
	if _, body, _ := b.get("/"); !strings.Contains(body, strconv.FormatInt(kakaotest.UserMinji, 10)) {
		t.Fatalf("C19: session switched user: %q", body)
	}
}

// TestKakaoTalkAutoLogin: in the Kakao Talk browser a silent login is tried
// first, and login_required falls back to the normal login without an
// error page (reference §16.1).
func TestKakaoTalkAutoLogin(t *testing.T) {
	h := newHarness(t, withConfig(func(c *Config) { c.Login.KakaoTalkAutoLogin = true }))
	b := h.browser()
	ua := "Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36 KAKAOTALK/10.8.0"
	status, _, resp := b.step("/auth/kakao/login?next=/private", "User-Agent", ua)
	if status != http.StatusFound {
		t.Fatal(status)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("prompt") != "none" {
		t.Fatalf("prompt = %q, want none", loc.Query().Get("prompt"))
	}
	// No Kakao session in this browser: login_required → normal login.
	status, _, resp = b.step(loc.String(), "User-Agent", ua)
	if status != http.StatusFound {
		t.Fatalf("authorize prompt=none: %d", status)
	}
	cb, _ := url.Parse(resp.Header.Get("Location"))
	if cb.Query().Get("error") != "login_required" {
		t.Fatalf("fake answered %q", cb.RawQuery)
	}
	status, _, resp = b.step(cb.String(), "User-Agent", ua)
	if status != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/kakao/login?fallback=1") {
		t.Fatalf("fallback: %d %q", status, resp.Header.Get("Location"))
	}
	u := b.toKakao(resp.Header.Get("Location"))
	if u.Query().Get("prompt") != "" {
		t.Fatal("fallback login still silent")
	}
	if _, body, _ := b.get(u.String()); !strings.HasPrefix(body, "private: ") {
		t.Fatalf("fallback login: %q", body)
	}
	// Default browsers never get prompt=none (C12).
	if q := h.browser().toKakao("/auth/kakao/login").Query(); q.Get("prompt") != "" {
		t.Fatal("C12: prompt=none outside Kakao Talk")
	}
}

// TestCheckDiscoveryIssuer is C3.
func TestCheckDiscoveryIssuer(t *testing.T) {
	for _, iss := range []string{"https://evil.example", ""} {
		h := newHarness(t, withFake(kakaotest.WithIssuer(iss)))
		err := h.kg.Check(context.Background())
		if iss == "" {
			if err != nil {
				t.Fatalf("matching issuer refused: %v", err)
			}
			continue
		}
		if !errors.Is(err, ErrDiscovery) {
			t.Fatalf("C3: issuer %q: err = %v", iss, err)
		}
	}
	h := newHarness(t)
	cfg := h.cfg
	cfg.Endpoint.Issuer = h.fake.URL + "/" // trailing slash
	kg, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := kg.Check(context.Background()); !errors.Is(err, ErrDiscovery) {
		t.Fatalf("C3: trailing-slash issuer accepted: %v", err)
	}
}

// TestTokenEndpointFailures is C30 and C32: one attempt, a category page.
func TestTokenEndpointFailures(t *testing.T) {
	cases := []struct {
		name   string
		fault  kakaotest.Fault
		status int
	}{
		{"C32 invalid_grant KOE320", kakaotest.KauthFault(400, "invalid_grant", "KOE320", "authorization code not found"), 400},
		{"C32 rate limited", kakaotest.Fault{Status: 429}, 503},
		{"C30 server error", kakaotest.Fault{Status: 500}, 503},
		{"C31 malformed JSON", kakaotest.Fault{Malformed: true}, 503},
		{"C1 wrong client secret", kakaotest.KauthFault(401, "invalid_client", "KOE010", "Bad client credentials"), 502},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.fake.Fail(kakaotest.PathToken, tc.fault)
			b := h.browser()
			status, body := b.login("/")
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if n := h.fake.Hits(kakaotest.PathToken); n != 1 {
				t.Fatalf("C30: %d token attempts", n)
			}
		})
	}
}

// TestConsentAllowlist is C92: GET consent asks only for configured items.
func TestConsentAllowlist(t *testing.T) {
	h := newHarness(t, withConfig(func(c *Config) { c.ExtraScopes = []string{"phone_number"} }))
	b := h.browser()
	b.login("/")
	for _, p := range []string{"?scope=friends", "?scope=talk_message,friends", "?scope=", "?scope=nope"} {
		if status, _, _ := b.step("/auth/kakao/consent" + p); status != http.StatusBadRequest {
			t.Errorf("C92: consent%s = %d, want 400", p, status)
		}
	}
	for _, p := range []string{"?scope=phone_number", "?scope=talk_message", "?scope=account_email"} {
		u := b.toKakao("/auth/kakao/consent" + p)
		if !strings.HasPrefix(u.Query().Get("scope"), "openid,") {
			t.Errorf("C92: consent%s scope = %q", p, u.Query().Get("scope"))
		}
	}
	if h.fake.Hits(kakaotest.PathAuthorize) != 1 {
		t.Fatal("a refused consent reached Kakao")
	}
}

// TestLoginWithoutOIDC: apps with OpenID Connect off in the Kakao console
// log in on user info alone; no nonce or openid is sent.
func TestLoginWithoutOIDC(t *testing.T) {
	h := newHarness(t,
		withFake(kakaotest.WithBehavior(func(b *kakaotest.Behavior) { b.OIDC = false })),
		withConfig(func(c *Config) { c.Login.DisableOIDC = true }))
	b := h.browser()
	u := b.toKakao("/auth/kakao/login")
	if strings.Contains(u.Query().Get("scope"), "openid") || u.Query().Has("nonce") {
		t.Fatalf("OIDC parameters sent: %s", u.RawQuery)
	}
	if _, body, _ := b.get(b.callbackURL(u)); !strings.HasPrefix(body, "home: logged in as "+strconv.FormatInt(kakaotest.UserMinji, 10)) {
		t.Fatalf("login without OIDC: %q", body)
	}
	if h.fake.Hits(kakaotest.PathJWKS)+h.fake.Hits(kakaotest.PathDiscovery) != 0 {
		t.Fatal("discovery or JWKS fetched with OIDC off")
	}
}

// TestUserInfoFailure is C51 (user info is required: it fails closed with
// "try again") and C49 (the token travels in the Authorization header).
func TestUserInfoFailure(t *testing.T) {
	for name, f := range map[string]kakaotest.Fault{
		"500": {Status: 500}, "401": kakaotest.KapiFault(401, -401, "this access token does not exist"), "timeout": {Delay: 15 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			// A host client with a 1 s overall timeout keeps the test short;
			// the library's default is kakaoapi.RequestTimeout.
			h := newHarness(t, withConfig(func(c *Config) { c.HTTPClient = &http.Client{Timeout: time.Second} }))
			h.fake.Fail(kakaotest.PathMe, f)
			b := h.browser()
			start := time.Now()
			status, body := b.login("/")
			if status < 400 || strings.HasPrefix(body, "home: logged in") {
				t.Fatalf("login with failing user info: %d", status)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("C4: answered after %v", d)
			}
		})
	}
	h := newHarness(t)
	h.browser().login("/")
	for _, r := range h.fake.Requests() {
		if r.Path == kakaotest.PathMe && (r.AuthScheme != "Bearer" || r.Query.Get("access_token") != "") {
			t.Fatalf("C49: user info request auth %q query %v", r.AuthScheme, r.Query)
		}
	}
}

// TestCallbackFailureRateLimit is C27: after 20 failed callbacks a client
// is refused with 429 for the rest of the minute; no token request is
// ever made; another client is not affected.
func TestCallbackFailureRateLimit(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	var statuses []int
	for range 100 {
		status, _, _ := b.step("/auth/kakao/callback?code=x&state=" + randomToken())
		statuses = append(statuses, status)
	}
	for i, s := range statuses {
		want := http.StatusBadRequest
		if i >= maxCallbackFailures {
			want = http.StatusTooManyRequests
		}
		if s != want {
			t.Fatalf("C27: callback %d = %d, want %d", i+1, s, want)
		}
	}
	if h.fake.Hits(kakaotest.PathToken) != 0 {
		t.Fatal("C27: token request during spraying")
	}
	h.clock.Advance(callbackFailWindow)
	if status, _, _ := b.step("/auth/kakao/callback?code=x&state=" + randomToken()); status != http.StatusBadRequest {
		t.Fatalf("after the window: %d", status)
	}
}

// TestParallelLoginTabs is C16: three tabs finished in reverse order all
// succeed; of 50 started flows only the newest 5 stay valid and the
// cookie stays small.
func TestParallelLoginTabs(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	var cbs []string
	for range 3 {
		cbs = append(cbs, b.callbackURL(b.toKakao("/auth/kakao/login")))
	}
	for i := len(cbs) - 1; i >= 0; i-- {
		if _, body, _ := b.get(cbs[i]); !strings.HasPrefix(body, "home: logged in") {
			t.Fatalf("C16: tab %d: %q", i, body)
		}
	}
	b2 := h.browser()
	var states []string
	for range 50 {
		states = append(states, b2.toKakao("/auth/kakao/login").Query().Get("state"))
	}
	for _, ck := range b2.Jar.Cookies(mustURL(h.srv.URL)) {
		if len(ck.Name)+len(ck.Value) > 4096 {
			t.Fatal("C16: cookie over 4 KiB")
		}
	}
	for i := len(states) - 1; i >= 35; i-- { // newest first; 15 checks stay under the C27 limit
		status, _, _ := b2.step("/auth/kakao/callback?code=x&state=" + states[i] + "&error=access_denied")
		valid := status == http.StatusForbidden // the flow existed: cancelled page
		if valid != (i >= 45) {
			t.Fatalf("C16: flow %d valid=%v (status %d)", i, valid, status)
		}
	}
}

// TestRateLimitIgnoresForgedForwardedFor is C7: with no trusted proxies
// configured on the engine, X-Forwarded-For cannot give a client a fresh
// failure budget.
func TestRateLimitIgnoresForgedForwardedFor(t *testing.T) {
	h := newHarness(t)
	if err := h.eng.SetTrustedProxies(nil); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	var last int
	for i := range maxCallbackFailures + 5 {
		last, _, _ = b.step("/auth/kakao/callback?code=x&state="+randomToken(), "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("C7: forged X-Forwarded-For escaped the limit: %d", last)
	}
}
