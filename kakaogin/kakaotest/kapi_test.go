package kakaotest

import (
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
)

func num(v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	return "<not a number>"
}

func TestMeIsGatedByConsent(t *testing.T) {
	s := newFake(t)
	tok, err := s.IssueTokens(UserMinji, "account_email")
	if err != nil {
		t.Fatal(err)
	}
	st, me := postForm(t, s, PathMe, url.Values{"secure_resource": {"true"}}, "Bearer "+tok.AccessToken)
	if st != 200 || num(me["id"]) != "4012345678" || me["connected_at"] == nil || me["synched_at"] == nil {
		t.Fatalf("me %d %v", st, me)
	}
	a := me["kakao_account"].(map[string]any)
	prof, _ := a["profile"].(map[string]any)
	checks := map[string]any{
		"profile_nickname_needs_agreement": false, "profile_image_needs_agreement": true,
		"email_needs_agreement": false, "email": "minji@example.com", "is_email_verified": true,
		"gender_needs_agreement": true, "phone_number_needs_agreement": true, "has_phone_number": true,
		"age_range_needs_agreement": true,
	}
	for k, want := range checks {
		if a[k] != want {
			t.Errorf("kakao_account.%s = %v, want %v", k, a[k], want)
		}
	}
	for _, absent := range []string{"gender", "phone_number", "age_range", "birthday", "name"} {
		if _, ok := a[absent]; ok {
			t.Errorf("kakao_account.%s present without consent", absent)
		}
	}
	if prof["nickname"] != "민지" || prof["thumbnail_image_url"] != nil {
		t.Errorf("profile %v: nickname only", prof)
	}

	if err := s.SetConsent(UserMinji, "profile_image", true); err != nil {
		t.Fatal(err)
	}
	_, me = get(t, s, PathMe, nil, "Bearer "+tok.AccessToken)
	prof = me["kakao_account"].(map[string]any)["profile"].(map[string]any)
	if prof["thumbnail_image_url"] != "http://k.kakaocdn.net/dn/bQx1/btsA9/Zq7w/img_110x110.jpg" {
		t.Errorf("image after consent, secure_resource off: %v", prof["thumbnail_image_url"])
	}
}

func TestMePropertyKeys(t *testing.T) {
	s := newFake(t)
	tok, _ := s.IssueTokens(UserMinji, "account_email", "gender")
	_, me := get(t, s, PathMe, url.Values{"property_keys": {`["kakao_account.email"]`}}, "Bearer "+tok.AccessToken)
	a := me["kakao_account"].(map[string]any)
	if a["email"] == nil || a["gender"] != nil || a["profile"] != nil {
		t.Fatalf("filtered account %v", a)
	}
	st, body := get(t, s, PathMe, url.Values{"property_keys": {`kakao_account.email`}}, "Bearer "+tok.AccessToken)
	wantKapiErr(t, st, body, 400, "-2")
	st, body = get(t, s, PathMe, url.Values{"property_keys": {`["properties.nope"]`}}, "Bearer "+tok.AccessToken)
	wantKapiErr(t, st, body, 400, "-201")
}

func TestKapiAuthentication(t *testing.T) {
	s := newFake(t)
	tok, _ := s.IssueTokens(UserJunho)
	admin := "KakaoAK " + s.AdminKey
	target := url.Values{"target_id_type": {"user_id"}, "target_id": {strconv.FormatInt(UserJunho, 10)}}
	cases := []struct {
		name   string
		path   string
		q      url.Values
		authz  string
		status int
		code   string
	}{
		{"no header", PathMe, nil, "", 401, "-401"},
		{"unknown bearer", PathMe, nil, "Bearer nope", 401, "-401"},
		{"wrong admin key", PathMe, target, "KakaoAK nope", 401, "-401"},
		{"admin without target", PathMe, nil, admin, 400, "-2"},
		{"admin with unlinked target", PathMe, url.Values{"target_id_type": {"user_id"}, "target_id": {"2984711002"}}, admin, 400, "-101"},
		{"admin on user-only API", PathAccessTokenInfo, target, admin, 401, "-401"},
		{"bearer on admin-only API", PathUserIDs, nil, "Bearer " + tok.AccessToken, 401, "-401"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, body := get(t, s, tc.path, tc.q, tc.authz)
			wantKapiErr(t, st, body, tc.status, tc.code)
		})
	}
	t.Run("admin with target reads the user (ID > 2^53 exact)", func(t *testing.T) {
		st, body := get(t, s, PathMe, target, admin)
		if st != 200 || num(body["id"]) != "1376016924429759243" {
			t.Fatalf("%d %v", st, body)
		}
	})
}

func TestLogoutAndUnlink(t *testing.T) {
	s := newFake(t)
	t.Run("logout kills that access token and its refresh token", func(t *testing.T) {
		a, _ := s.IssueTokens(UserMinji)
		b, _ := s.IssueTokens(UserMinji)
		if st, body := postForm(t, s, PathLogout, nil, "Bearer "+a.AccessToken); st != 200 || num(body["id"]) != "4012345678" {
			t.Fatalf("logout %d %v", st, body)
		}
		if st, _ := get(t, s, PathMe, nil, "Bearer "+a.AccessToken); st != 401 {
			t.Fatal("logged-out token still works")
		}
		if st, _ := refresh(t, s, a.RefreshToken); st != 400 {
			t.Fatal("paired refresh token still works")
		}
		if st, _ := get(t, s, PathMe, nil, "Bearer "+b.AccessToken); st != 200 {
			t.Fatal("other token died too")
		}
	})
	t.Run("admin logout kills all tokens", func(t *testing.T) {
		a, _ := s.IssueTokens(UserMinji)
		postForm(t, s, PathLogout, url.Values{"target_id_type": {"user_id"}, "target_id": {"4012345678"}}, "KakaoAK "+s.AdminKey)
		if st, _ := get(t, s, PathMe, nil, "Bearer "+a.AccessToken); st != 401 {
			t.Fatal("token survived admin logout")
		}
	})
	t.Run("unlink kills every token and resets consent", func(t *testing.T) {
		a, _ := s.IssueTokens(UserMinji, "account_email")
		b, _ := s.IssueTokens(UserMinji)
		if st, _ := postForm(t, s, PathUpdateProfile, url.Values{"properties": {`{"member_grade":"gold"}`}}, "Bearer "+a.AccessToken); st != 200 {
			t.Fatal("update_profile failed")
		}
		if st, body := postForm(t, s, PathUnlink, nil, "Bearer "+a.AccessToken); st != 200 || num(body["id"]) != "4012345678" {
			t.Fatalf("unlink %d %v", st, body)
		}
		for _, tok := range []string{a.AccessToken, b.AccessToken} {
			if st, _ := get(t, s, PathMe, nil, "Bearer "+tok); st != 401 {
				t.Fatal("token survived unlink")
			}
		}
		if st, _ := refresh(t, s, b.RefreshToken); st != 400 {
			t.Fatal("refresh token survived unlink")
		}
		u, _ := s.User(UserMinji)
		if u.Linked || len(u.Consents) != 0 || len(u.Properties) != 0 || len(u.AgreedTerms) != 0 {
			t.Fatalf("state after unlink: %+v", u)
		}
		st, body := postForm(t, s, PathUnlink, url.Values{"target_id_type": {"user_id"}, "target_id": {"4012345678"}}, "KakaoAK "+s.AdminKey)
		wantKapiErr(t, st, body, 400, "-101")
	})
}

func TestScopesAndRevoke(t *testing.T) {
	s := newFake(t)
	tok, _ := s.IssueTokens(UserMinji, "account_email")
	auth := "Bearer " + tok.AccessToken
	_, body := get(t, s, PathScopes, url.Values{"scopes": {`["account_email","profile_nickname","talk_message"]`}}, auth)
	list := body["scopes"].([]any)
	if len(list) != 3 {
		t.Fatalf("scopes %v", list)
	}
	byID := map[string]map[string]any{}
	for _, e := range list {
		m := e.(map[string]any)
		byID[m["id"].(string)] = m
	}
	if byID["profile_nickname"]["revocable"] != false || byID["account_email"]["revocable"] != true ||
		byID["talk_message"]["type"] != "SERVICE" || byID["talk_message"]["agreed"] != false {
		t.Fatalf("scope details %v", byID)
	}
	if _, has := byID["talk_message"]["revocable"]; has {
		t.Fatal("revocable present on an unagreed item")
	}
	st, e := postForm(t, s, PathRevokeScopes, url.Values{"scopes": {`["profile_nickname"]`}}, auth)
	wantKapiErr(t, st, e, 403, "-3")
	st, e = postForm(t, s, PathRevokeScopes, url.Values{"scopes": {`["email"]`}}, auth)
	wantKapiErr(t, st, e, 400, "-2")
	st, ok := postForm(t, s, PathRevokeScopes, url.Values{"scopes": {`["account_email"]`}}, auth)
	if st != 200 {
		t.Fatalf("revoke %d %v", st, ok)
	}
	_, me := get(t, s, PathMe, nil, auth)
	if me["kakao_account"].(map[string]any)["email_needs_agreement"] != true {
		t.Fatal("email still agreed after revoke")
	}
}

func TestServiceTerms(t *testing.T) {
	s := newFake(t)
	tok := login(t, s, browser(t), "t") // Kakao Sync screen agrees to all three terms
	auth := bearer(tok["access_token"])
	_, body := get(t, s, PathServiceTerms, nil, auth)
	if n := len(body["service_terms"].([]any)); n != 3 {
		t.Fatalf("agreed terms %v", body)
	}
	st, e := postForm(t, s, PathRevokeTerms, url.Values{"tags": {"promo"}}, auth)
	wantKapiErr(t, st, e, 400, "-2")
	_, rv := postForm(t, s, PathRevokeTerms, url.Values{"tags": {"terms_marketing,terms_service"}}, auth)
	if r := rv["revoked_service_terms"].([]any); len(r) != 1 || r[0].(map[string]any)["tag"] != "terms_marketing" {
		t.Fatalf("revoke result %v: only the optional term", rv)
	}
	_, all := get(t, s, PathServiceTerms, url.Values{"result": {"app_service_terms"}, "tags": {"terms_marketing"}}, auth)
	if m := all["service_terms"].([]any)[0].(map[string]any); m["agreed"] != false || m["revocable"] != false {
		t.Fatalf("app terms %v", all)
	}
	_, up := postForm(t, s, PathUpgradeTerms, url.Values{"tags": {"terms_marketing,terms_service"}}, auth)
	if a := up["agreed_service_terms"].([]any); len(a) != 1 || a[0].(map[string]any)["agreed_by"] != "KAPI" {
		t.Fatalf("upgrade %v", up)
	}
}

func TestShippingAddresses(t *testing.T) {
	s := newFake(t)
	tok, _ := s.IssueTokens(UserMinji)
	auth := "Bearer " + tok.AccessToken
	_, body := get(t, s, PathShipping, nil, auth)
	if body["shipping_addresses_needs_agreement"] != true || body["shipping_addresses"] != nil {
		t.Fatalf("without consent %v", body)
	}
	s.SetConsent(UserMinji, "shipping_address", true)
	_, body = get(t, s, PathShipping, nil, auth)
	if n := len(body["shipping_addresses"].([]any)); n != 2 || num(body["user_id"]) != "4012345678" {
		t.Fatalf("with consent %v", body)
	}
	_, body = get(t, s, PathShipping, url.Values{"from_updated_at": {"1717200000"}}, auth)
	if a := body["shipping_addresses"].([]any); len(a) != 1 || num(a[0].(map[string]any)["id"]) != "102" {
		t.Fatalf("paged %v", body)
	}
	st, e := get(t, s, PathShipping, url.Values{"page_size": {"1"}}, auth)
	wantKapiErr(t, st, e, 400, "-2")
}

func TestUpdateProfileAndManualSignup(t *testing.T) {
	s := newFake(t, WithBehavior(func(b *Behavior) { b.AutoLink = false }))
	tok := login(t, s, browser(t), "m")
	auth := bearer(tok["access_token"])
	_, me := get(t, s, PathMe, nil, auth)
	if me["has_signed_up"] != false {
		t.Fatalf("pre-registered user: %v", me)
	}
	st, e := postForm(t, s, PathSignup, url.Values{"properties": {`{"grade":"x"}`}}, auth)
	wantKapiErr(t, st, e, 400, "-201")
	if st, _ := postForm(t, s, PathSignup, url.Values{"properties": {`{"member_grade":"silver"}`}}, auth); st != 200 {
		t.Fatal("signup failed")
	}
	st, e = postForm(t, s, PathSignup, nil, auth)
	wantKapiErr(t, st, e, 400, "-102")
	_, me = get(t, s, PathMe, nil, auth)
	if me["has_signed_up"] != true || me["properties"].(map[string]any)["member_grade"] != "silver" {
		t.Fatalf("after signup %v", me)
	}
}

func TestAdminUserAPIs(t *testing.T) {
	s := newFake(t, WithBehavior(func(b *Behavior) { b.UserIDsPerMinute = 2 }))
	for _, id := range []int64{UserMinji, UserJunho, UserSeoyeon} {
		s.IssueTokens(id, "account_email")
	}
	admin := "KakaoAK " + s.AdminKey
	_, ids := get(t, s, PathUserIDs, url.Values{"limit": {"2"}}, admin)
	el := ids["elements"].([]any)
	if len(el) != 2 || num(el[0]) != "2984711002" || ids["after_url"] == nil || ids["before_url"] != nil {
		t.Fatalf("ids %v", ids)
	}
	_, ids = get(t, s, PathUserIDs, url.Values{"order": {"desc"}}, admin)
	if num(ids["elements"].([]any)[0]) != "1376016924429759243" {
		t.Fatalf("desc ids %v", ids)
	}
	st, e := get(t, s, PathUserIDs, nil, admin)
	wantKapiErr(t, st, e, 429, "-10")

	req := url.Values{"target_id_type": {"user_id"}, "target_ids": {`[4012345678,1376016924429759243,999]`},
		"property_keys": {`["kakao_account.email"]`}}
	r2, _ := newReq(s, PathAppUsers, req, admin)
	var users []map[string]any
	if err := json.Unmarshal(r2, &users); err != nil || len(users) != 2 {
		t.Fatalf("app users %s (%v)", r2, err)
	}
	if users[1]["kakao_account"].(map[string]any)["email"] != "junho.lee@example.kr" {
		t.Fatalf("app user %v", users[1])
	}
}
