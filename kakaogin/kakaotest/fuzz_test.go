package kakaotest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
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
