package kakaotest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// FuzzAuthorize feeds arbitrary query strings to /oauth/authorize: it must
// never panic, and must only redirect to a registered URI.
func FuzzAuthorize(f *testing.F) {
	s := NewUnstartedServer(WithSigningKey(testKey), WithRedirectURI(testRedirect), WithClientID("cid"))
	for _, seed := range []string{
		"client_id=cid&redirect_uri=" + url.QueryEscape(testRedirect) + "&response_type=code",
		"client_id=cid&redirect_uri=" + url.QueryEscape(testRedirect) + "&response_type=code&prompt=none,login&scope=openid%20account_email",
		"client_id=cid&redirect_uri=x&response_type=token", "%zz", "code_challenge=a&code_challenge_method=plain",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		req := httptest.NewRequest(http.MethodGet, "/oauth/authorize", nil)
		req.URL.RawQuery = rawQuery
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if loc := rec.Header().Get("Location"); loc != "" && !strings.HasPrefix(loc, testRedirect+"?") {
			t.Fatalf("redirect to %q", loc)
		}
	})
}

// FuzzTokenEndpoint feeds arbitrary form bodies to /oauth/token.
func FuzzTokenEndpoint(f *testing.F) {
	s := NewUnstartedServer(WithSigningKey(testKey), WithClientID("cid"), WithClientSecret(""))
	f.Add("grant_type=authorization_code&client_id=cid&code=x&redirect_uri=y")
	f.Add("grant_type=refresh_token&client_id=cid&refresh_token=%00")
	f.Add("a=%zz&&=")
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code == 200 {
			t.Fatalf("token issued for fuzz body %q", body)
		}
	})
}

// FuzzKapiParams feeds arbitrary property_keys / target_ids / scopes and
// admin targets to the kapi endpoints that parse them.
func FuzzKapiParams(f *testing.F) {
	s := NewUnstartedServer(WithSigningKey(testKey), WithAdminKey("ak"))
	tok, _ := s.IssueTokens(UserMinji)
	f.Add(`["kakao_account.email","properties."]`, "4012345678")
	f.Add(`[1e30, -1, 1376016924429759243]`, "x")
	f.Add(`{"a":1}`, "")
	f.Fuzz(func(t *testing.T, arr, target string) {
		v := url.Values{"property_keys": {arr}, "target_ids": {arr}, "scopes": {arr}, "tags": {arr},
			"target_id_type": {"user_id"}, "target_id": {target}, "page_size": {target}, "from_id": {target}}
		for _, p := range []string{PathMe, PathAppUsers, PathScopes, PathServiceTerms, PathShipping, PathUserIDs} {
			for _, authz := range []string{"Bearer " + tok.AccessToken, "KakaoAK ak"} {
				req := httptest.NewRequest(http.MethodGet, p+"?"+v.Encode(), nil)
				req.Header.Set("Authorization", authz)
				s.Handler().ServeHTTP(httptest.NewRecorder(), req)
			}
		}
	})
}

// FuzzTokenInfo feeds arbitrary strings to the ID-token parser.
func FuzzTokenInfo(f *testing.F) {
	s := NewUnstartedServer(WithSigningKey(testKey))
	tok, _ := s.IssueTokens(UserMinji)
	f.Add(tok.IDToken)
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, idToken string) {
		s.mu.Lock()
		claims, err := s.verifyJWT(idToken)
		s.mu.Unlock()
		if err == nil && idToken != tok.IDToken && claims["sub"] == nil {
			t.Fatalf("accepted %q", idToken)
		}
	})
}

// FuzzConsentSubmit feeds arbitrary form bodies to the interactive consent
// screen's submit, for a screen computed for the picker's first account (민지,
// already linked with everything, so the screen lists nothing): it must never
// panic, must only redirect to the registered URI, and a code it issues may
// carry an optional item or term only if the form ticked it, whichever
// account was picked.
func FuzzConsentSubmit(f *testing.F) {
	s := NewUnstartedServer(WithSigningKey(testKey), WithRedirectURI(testRedirect), WithClientID("cid"), WithInteractiveConsent())
	if _, err := s.IssueTokens(UserMinji, "profile_image", "account_email", "name", "gender", "age_range",
		"birthday", "birthyear", "phone_number"); err != nil {
		f.Fatal(err)
	}
	for _, tag := range []string{"terms_service", "terms_privacy", "terms_marketing"} {
		if err := s.SetTermAgreed(UserMinji, tag, true); err != nil {
			f.Fatal(err)
		}
	}
	pendingRe := regexp.MustCompile(`name="p" value="([0-9a-f]+)"`)
	for _, seed := range []string{
		"user=4012345678&action=accept", "user=2984711002&action=accept",
		"user=2984711002&action=accept&scope=profile_image&term=terms_marketing",
		"user=1376016924429759243&action=cancel", "user=x&action=accept", "%zz",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		q := s.authParams("f")
		q.Set("client_id", "cid")
		req := httptest.NewRequest(http.MethodGet, PathAuthorize+"?"+q.Encode(), nil)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		m := pendingRe.FindStringSubmatch(rec.Body.String())
		if m == nil {
			t.Fatalf("no consent screen: %d", rec.Code)
		}
		req = httptest.NewRequest(http.MethodPost, PathConsent, strings.NewReader("p="+m[1]+"&"+body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec = httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		loc := rec.Header().Get("Location")
		if loc == "" {
			return
		}
		u, err := url.Parse(loc)
		if err != nil || !strings.HasPrefix(loc, testRedirect+"?") {
			t.Fatalf("redirect to %q", loc)
		}
		code := u.Query().Get("code")
		if code == "" {
			return
		}
		form, _ := url.ParseQuery(body)
		s.mu.Lock()
		defer s.mu.Unlock()
		c := s.codes[code]
		for _, id := range c.items {
			if it, _ := s.scopeByID(id); !it.Required && !slices.Contains(form["scope"], id) {
				t.Fatalf("optional item %s granted unticked (body %q)", id, body)
			}
		}
		for _, tag := range c.terms {
			if t2, _ := s.termByTag(tag); !t2.Required && !slices.Contains(form["term"], tag) {
				t.Fatalf("optional term %s granted unticked (body %q)", tag, body)
			}
		}
	})
}
