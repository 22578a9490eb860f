package kakaotest

import (
	"net/url"
	"sync"
	"testing"
	"time"
)

func codeFor(t *testing.T, s *Server, state string, extra ...string) string {
	t.Helper()
	return redirectParams(t, authorize(t, browser(t), s, s.authParams(state, extra...))).Get("code")
}

func TestTokenExchangeRules(t *testing.T) {
	s := newFake(t)
	t.Run("happy path returns Kakao's token shape", func(t *testing.T) {
		st, body := exchange(t, s, codeFor(t, s, "ok"), "ok")
		if st != 200 || body["token_type"] != "bearer" || body["expires_in"].(interface{ String() string }).String() != "21599" ||
			body["refresh_token_expires_in"].(interface{ String() string }).String() != "5183999" || body["id_token"] == nil {
			t.Fatalf("token response %d %v", st, body)
		}
	})
	t.Run("code reuse is KOE320", func(t *testing.T) {
		code := codeFor(t, s, "re")
		if st, _ := exchange(t, s, code, "re"); st != 200 {
			t.Fatal("first use failed")
		}
		st, body := exchange(t, s, code, "re")
		wantKauthErr(t, st, body, 400, "invalid_grant", "KOE320")
	})
	t.Run("PKCE mismatch", func(t *testing.T) {
		st, body := exchange(t, s, codeFor(t, s, "pk"), "other")
		wantKauthErr(t, st, body, 400, "invalid_grant", "KOE320")
	})
	t.Run("PKCE verifier missing", func(t *testing.T) {
		st, body := postForm(t, s, PathToken, url.Values{"grant_type": {"authorization_code"}, "client_id": {s.ClientID},
			"client_secret": {s.ClientSecret}, "redirect_uri": {testRedirect}, "code": {codeFor(t, s, "nv")}}, "")
		wantKauthErr(t, st, body, 400, "invalid_grant", "KOE320")
	})
	t.Run("PKCE plain", func(t *testing.T) {
		code := codeFor(t, s, "pl", "code_challenge", verifierFor("pl"), "code_challenge_method", "plain")
		if st, body := exchange(t, s, code, "pl"); st != 200 {
			t.Fatalf("plain PKCE: %d %v", st, body)
		}
	})
	t.Run("redirect mismatch is KOE303", func(t *testing.T) {
		s.AddRedirectURI("http://app.test/other")
		st, body := postForm(t, s, PathToken, url.Values{"grant_type": {"authorization_code"}, "client_id": {s.ClientID},
			"client_secret": {s.ClientSecret}, "redirect_uri": {"http://app.test/other"}, "code": {codeFor(t, s, "rm")},
			"code_verifier": {verifierFor("rm")}}, "")
		wantKauthErr(t, st, body, 400, "invalid_grant", "KOE303")
	})
	for _, tc := range []struct{ name, secret string }{{"secret missing", ""}, {"secret wrong", "nope"}} {
		t.Run(tc.name+" is KOE010", func(t *testing.T) {
			st, body := postForm(t, s, PathToken, url.Values{"grant_type": {"authorization_code"}, "client_id": {s.ClientID},
				"client_secret": {tc.secret}, "redirect_uri": {testRedirect}, "code": {"dummy"}}, "")
			wantKauthErr(t, st, body, 401, "invalid_client", "KOE010")
		})
	}
	t.Run("dummy code with good secret is KOE320", func(t *testing.T) {
		st, body := exchange(t, s, "dummy", "x")
		wantKauthErr(t, st, body, 400, "invalid_grant", "KOE320")
	})
	t.Run("unknown client is KOE101", func(t *testing.T) {
		st, body := postForm(t, s, PathToken, url.Values{"grant_type": {"authorization_code"}, "client_id": {"nope"}, "code": {"x"}}, "")
		wantKauthErr(t, st, body, 401, "invalid_client", "KOE101")
	})
	t.Run("secret check off", func(t *testing.T) {
		open := newFake(t, WithClientSecret(""))
		st, body := postForm(t, open, PathToken, url.Values{"grant_type": {"authorization_code"}, "client_id": {open.ClientID},
			"redirect_uri": {testRedirect}, "code": {codeFor(t, open, "so")}, "code_verifier": {verifierFor("so")}}, "")
		if st != 200 {
			t.Fatalf("no secret configured: %d %v", st, body)
		}
	})
}

func TestCodeExpires(t *testing.T) {
	clk := newClock()
	s := newFake(t, WithClock(clk.Now))
	code := codeFor(t, s, "e")
	clk.Add(11 * time.Minute)
	st, body := exchange(t, s, code, "e")
	wantKauthErr(t, st, body, 400, "invalid_grant", "KOE320")
}

func TestCodeIsSingleUseUnderConcurrency(t *testing.T) {
	s := newFake(t)
	code := codeFor(t, s, "cc")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 10 {
		wg.Go(func() {
			if st, _ := exchange(t, s, code, "cc"); st == 200 {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d successful exchanges of one code, want 1", ok)
	}
}

func refresh(t *testing.T, s *Server, rt any) (int, map[string]any) {
	t.Helper()
	return postForm(t, s, PathToken, url.Values{"grant_type": {"refresh_token"}, "client_id": {s.ClientID},
		"client_secret": {s.ClientSecret}, "refresh_token": {rt.(string)}}, "")
}

func TestRefreshRotationRule(t *testing.T) {
	clk := newClock()
	s := newFake(t, WithClock(clk.Now))
	tok := login(t, s, browser(t), "r")
	rt := tok["refresh_token"]

	clk.Add(2 * 24 * time.Hour) // 58 days left (> 1 month)
	st, body := refresh(t, s, rt)
	if st != 200 || body["refresh_token"] != nil || body["refresh_token_expires_in"] != nil || body["access_token"] == nil {
		t.Fatalf("refresh with 2 months left: %d %v; want access token only", st, body)
	}
	if body["id_token"] == nil {
		t.Fatal("refresh of a token issued with an ID token returned none")
	}

	clk.Add(37 * 24 * time.Hour) // 3 weeks left
	st, body = refresh(t, s, rt)
	if st != 200 || body["refresh_token"] == nil || body["refresh_token"] == rt {
		t.Fatalf("refresh with 3 weeks left: %d %v; want a new refresh token", st, body)
	}
	st, old := refresh(t, s, rt)
	wantKauthErr(t, st, old, 400, "invalid_grant", "KOE322")
	if st, _ := refresh(t, s, body["refresh_token"]); st != 200 {
		t.Fatal("the rotated refresh token does not work")
	}

	clk.Add(61 * 24 * time.Hour)
	st, exp := refresh(t, s, body["refresh_token"])
	wantKauthErr(t, st, exp, 400, "invalid_grant", "KOE322")

	st, missing := postForm(t, s, PathToken, url.Values{"grant_type": {"refresh_token"}, "client_id": {s.ClientID},
		"client_secret": {s.ClientSecret}}, "")
	wantKauthErr(t, st, missing, 400, "invalid_request", "KOE319")
}

func TestAccessTokenExpires(t *testing.T) {
	clk := newClock()
	s := newFake(t, WithClock(clk.Now))
	tok, err := s.IssueTokens(UserMinji)
	if err != nil {
		t.Fatal(err)
	}
	_, info := get(t, s, PathAccessTokenInfo, nil, "Bearer "+tok.AccessToken)
	if info["expires_in"].(interface{ String() string }).String() != "21600" || info["app_id"] == nil {
		t.Fatalf("token info %v", info)
	}
	clk.Add(6 * time.Hour)
	st, body := get(t, s, PathAccessTokenInfo, nil, "Bearer "+tok.AccessToken)
	wantKapiErr(t, st, body, 401, "-401")
	if body["msg"] != "this access token is already expired" {
		t.Fatalf("msg %v", body["msg"])
	}
}
