package kakaoapi_test

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// fullUser is the §5.5 complete example with a 19-digit ID.
const fullUser = `{
  "id": 1376016924429759243,
  "connected_at": "2024-03-05T08:12:44Z",
  "synched_at": "2024-03-05T08:12:44Z",
  "properties": {"member_grade": "silver"},
  "kakao_account": {
    "profile_nickname_needs_agreement": false,
    "profile_image_needs_agreement": false,
    "profile": {
      "nickname": "민지",
      "thumbnail_image_url": "https://k.kakaocdn.net/t.jpg",
      "profile_image_url": "https://k.kakaocdn.net/p.jpg",
      "is_default_image": false,
      "is_default_nickname": false
    },
    "name_needs_agreement": false, "name": "김민지",
    "email_needs_agreement": false, "is_email_valid": true, "is_email_verified": true, "email": "minji@example.com",
    "age_range_needs_agreement": false, "age_range": "30~39",
    "birthyear_needs_agreement": false, "birthyear": "1991",
    "birthday_needs_agreement": false, "birthday": "0214", "birthday_type": "SOLAR", "is_leap_month": false,
    "gender_needs_agreement": false, "gender": "female",
    "phone_number_needs_agreement": false, "phone_number": "+82 10-2345-6789",
    "ci_needs_agreement": false, "ci": "Uq3v==", "ci_authenticated_at": "2020-01-02T03:04:05Z",
    "legal_name_needs_agreement": false, "legal_name": "김민지",
    "legal_birth_date_needs_agreement": false, "legal_birth_date": "1991-02-14",
    "legal_gender_needs_agreement": false, "legal_gender": "female",
    "is_korean_needs_agreement": false, "is_korean": true,
    "has_email": true
  },
  "for_partner": {"uuid": "xYzAbC1234dEfGh"},
  "group_user_token": "gut"
}`

func TestMeFullUser(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusOK, fullUser)
	u, err := s.client(t).Me(t.Context(), user, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != bigID {
		t.Errorf("ID %d, want %d (lost precision?)", u.ID, int64(bigID))
	}
	when := time.Date(2024, 3, 5, 8, 12, 44, 0, time.UTC)
	if u.ConnectedAt == nil || !u.ConnectedAt.Equal(when) || u.SynchedAt == nil || !u.SynchedAt.Equal(when) {
		t.Errorf("connected_at %v synched_at %v", u.ConnectedAt, u.SynchedAt)
	}
	if u.HasSignedUp != nil {
		t.Errorf("has_signed_up absent but decoded as %v", *u.HasSignedUp)
	}
	if u.Properties["member_grade"] != "silver" || u.ForPartner == nil || u.ForPartner.UUID != "xYzAbC1234dEfGh" || u.GroupUserToken != "gut" {
		t.Errorf("properties/for_partner/group token: %+v %+v %q", u.Properties, u.ForPartner, u.GroupUserToken)
	}
	a := u.KakaoAccount
	if a == nil || a.Profile == nil {
		t.Fatal("no kakao_account.profile")
	}
	p := a.Profile
	if p.Nickname != "민지" || p.ThumbnailImageURL == "" || p.ProfileImageURL == "" || !isFalse(p.IsDefaultImage) || !isFalse(p.IsDefaultNickname) {
		t.Errorf("profile %+v", *p)
	}
	for name, flag := range map[string]*bool{
		"profile_nickname": a.ProfileNicknameNeedsAgreement, "profile_image": a.ProfileImageNeedsAgreement,
		"name": a.NameNeedsAgreement, "email": a.EmailNeedsAgreement, "age_range": a.AgeRangeNeedsAgreement,
		"birthyear": a.BirthyearNeedsAgreement, "birthday": a.BirthdayNeedsAgreement, "gender": a.GenderNeedsAgreement,
		"phone_number": a.PhoneNumberNeedsAgreement, "ci": a.CINeedsAgreement, "legal_name": a.LegalNameNeedsAgreement,
		"legal_birth_date": a.LegalBirthDateNeedsAgreement, "legal_gender": a.LegalGenderNeedsAgreement,
		"is_korean": a.IsKoreanNeedsAgreement,
	} {
		if !isFalse(flag) {
			t.Errorf("%s_needs_agreement not decoded as false", name)
		}
	}
	if a.ProfileNeedsAgreement != nil {
		t.Errorf("absent profile_needs_agreement decoded")
	}
	if a.Name != "김민지" || a.Email != "minji@example.com" || !a.EmailVerified() || a.AgeRange != kakaoapi.AgeRange30to39 ||
		a.Birthyear != "1991" || a.Birthday != "0214" || a.BirthdayType != kakaoapi.Solar || !isFalse(a.IsLeapMonth) ||
		a.Gender != kakaoapi.Female || a.PhoneNumber != "+82 10-2345-6789" || a.CI != "Uq3v==" ||
		a.CIAuthenticatedAt == nil || !a.CIAuthenticatedAt.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) ||
		a.LegalName != "김민지" || a.LegalBirthDate != "1991-02-14" || a.LegalGender != "female" || a.IsKorean == nil || !*a.IsKorean {
		t.Errorf("account values %+v", *a)
	}
}

func isFalse(b *bool) bool { return b != nil && !*b }

// TestMeMinimalUser checks the §5.5 minimal example: absence stays
// distinguishable from false.
func TestMeMinimalUser(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusOK, `{"id":4012345679,"has_signed_up":true,"connected_at":"2024-06-01T00:00:00Z",
		"kakao_account":{"profile_nickname_needs_agreement":false,"profile":{"nickname":"준호","is_default_nickname":false},"email_needs_agreement":true}}`)
	u, err := s.client(t).Me(t.Context(), user, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := u.KakaoAccount
	if u.HasSignedUp == nil || !*u.HasSignedUp || u.SynchedAt != nil {
		t.Errorf("has_signed_up %v synched_at %v", u.HasSignedUp, u.SynchedAt)
	}
	if a.EmailNeedsAgreement == nil || !*a.EmailNeedsAgreement || a.Email != "" || a.EmailVerified() {
		t.Errorf("email state: needs %v email %q", a.EmailNeedsAgreement, a.Email)
	}
	if a.GenderNeedsAgreement != nil || a.Profile.IsDefaultImage != nil || a.IsEmailValid != nil {
		t.Errorf("absent fields decoded as present")
	}
}

// TestEmailVerified checks the helper is true only when is_email_valid and
// is_email_verified are both true (C53, C88).
func TestEmailVerified(t *testing.T) {
	tr, fa := true, false
	tests := []struct {
		name string
		a    *kakaoapi.Account
		want bool
	}{
		{"valid and verified", &kakaoapi.Account{Email: "a@x", IsEmailValid: &tr, IsEmailVerified: &tr}, true},
		{"verified but no longer valid", &kakaoapi.Account{Email: "a@x", IsEmailValid: &fa, IsEmailVerified: &tr}, false},
		{"valid but not verified", &kakaoapi.Account{Email: "a@x", IsEmailValid: &tr, IsEmailVerified: &fa}, false},
		{"flags absent", &kakaoapi.Account{Email: "a@x"}, false},
		{"validity absent", &kakaoapi.Account{Email: "a@x", IsEmailVerified: &tr}, false},
		{"no email", &kakaoapi.Account{IsEmailValid: &tr, IsEmailVerified: &tr}, false},
		{"nil account", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.EmailVerified(); got != tt.want {
				t.Errorf("EmailVerified() = %t, want %t", got, tt.want)
			}
		})
	}
}

// TestAccountValueVariants checks open questions 2 and 5: "0~9" and "1~9",
// "MALE" and "male".
func TestAccountValueVariants(t *testing.T) {
	tests := []struct {
		body       string
		wantAge    kakaoapi.AgeRange
		wantGender kakaoapi.Gender
	}{
		{`{"id":1,"kakao_account":{"age_range":"0~9","gender":"MALE"}}`, kakaoapi.AgeRange1to9, kakaoapi.Male},
		{`{"id":1,"kakao_account":{"age_range":"1~9","gender":"male"}}`, kakaoapi.AgeRange1to9, kakaoapi.Male},
		{`{"id":1,"kakao_account":{"age_range":"90~","gender":"Female"}}`, kakaoapi.AgeRange90Up, kakaoapi.Female},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			s := newStub(t)
			s.reply(http.StatusOK, tt.body)
			u, err := s.client(t).Me(t.Context(), user, nil)
			if err != nil {
				t.Fatal(err)
			}
			if u.KakaoAccount.AgeRange != tt.wantAge || u.KakaoAccount.Gender != tt.wantGender {
				t.Errorf("age %q gender %q", u.KakaoAccount.AgeRange, u.KakaoAccount.Gender)
			}
		})
	}
}

// TestUserIDStrict checks C50: an ID that is a float, a string, too large or
// missing is rejected, never rounded.
func TestUserIDStrict(t *testing.T) {
	for _, body := range []string{
		`{"id":1.0e9}`, `{"id":"1376016924429759243"}`, `{"id":99999999999999999999}`, `{}`, `{"id":0}`, `{"id":-5}`,
		`{"id":1,"connected_at":"yesterday"}`, `{"id":1,"properties":{"n":1}}`, `{"id":1,"kakao_account":{"is_email_valid":"true"}}`,
	} {
		t.Run(body, func(t *testing.T) {
			s := newStub(t)
			s.reply(http.StatusOK, body)
			u, err := s.client(t).Me(t.Context(), user, nil)
			if !errors.Is(err, kakaoapi.ErrMalformedResponse) {
				t.Errorf("got %+v, %v; want ErrMalformedResponse", u, err)
			}
		})
	}
}

// TestUsersShapes checks open question 3: /v2/app/users may answer with a
// bare array or an elements wrapper.
func TestUsersShapes(t *testing.T) {
	const elem = `{"id":1376016924429759243,"connected_at":"2024-03-05T08:12:44Z","kakao_account":{"email":"a@x"}},{"id":2}`
	tests := []struct {
		name    string
		body    string
		wantErr bool
	}{
		{"bare array", `[` + elem + `]`, false},
		{"elements wrapper", `{"elements":[` + elem + `]}`, false},
		{"array with whitespace", " \n[" + elem + `]`, false},
		{"object without elements", `{"users":[` + elem + `]}`, true},
		{"null", `null`, true},
		{"element without id", `[{"connected_at":"2024-03-05T08:12:44Z"}]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t)
			s.reply(http.StatusOK, tt.body)
			users, err := s.client(t).Users(t.Context(), testAdminKey, []int64{bigID, 2})
			if tt.wantErr {
				if !errors.Is(err, kakaoapi.ErrMalformedResponse) {
					t.Errorf("got %v, %v; want ErrMalformedResponse", users, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(users) != 2 || users[0].ID != bigID || users[1].ID != 2 || users[0].KakaoAccount.Email != "a@x" || users[0].ConnectedAt == nil {
				t.Errorf("users %+v", users)
			}
		})
	}
}

// TestUsersLimits checks the documented ID limits are enforced before any
// request.
func TestUsersLimits(t *testing.T) {
	s := newStub(t)
	c := s.client(t)
	ids := func(n int) []int64 {
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(i + 1)
		}
		return v
	}
	if _, err := c.Users(t.Context(), testAdminKey, nil); err == nil {
		t.Error("no IDs accepted")
	}
	if _, err := c.Users(t.Context(), testAdminKey, ids(101)); err == nil {
		t.Error("101 IDs accepted")
	}
	if _, err := c.Users(t.Context(), testAdminKey, ids(21), "kakao_account."); err == nil {
		t.Error("21 IDs with property keys accepted")
	}
	if _, err := c.Users(t.Context(), "", ids(1)); err == nil {
		t.Error("empty admin key accepted")
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestUserIDs(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusOK, `{"elements":[1376016924426111111,1376016924426222222],
		"before_url":null,
		"after_url":"http://kapi.kakao.com/v1/user/ids?limit=2&order=asc&from_id=1376016924426222222&app_key=k"}`)
	p, err := s.client(t).UserIDs(t.Context(), testAdminKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.IDs, []int64{1376016924426111111, 1376016924426222222}) || p.BeforeURL != "" {
		t.Errorf("page %+v", p)
	}
	next, ok := p.Next()
	if !ok || next != (kakaoapi.UserIDsOptions{Limit: 2, FromID: 1376016924426222222, Order: kakaoapi.Ascending}) {
		t.Errorf("Next() = %+v, %t", next, ok)
	}
	if _, ok := p.Prev(); ok {
		t.Errorf("Prev() on the first page")
	}
}

func TestScopesResponse(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusOK, `{"id":4012345678,"scopes":[
		{"id":"profile_nickname","display_name":"Nickname","type":"PRIVACY","using":true,"agreed":true,"revocable":false},
		{"id":"shipping_address","display_name":"Shipping","type":"PRIVACY","using":true,"agreed":false},
		{"id":"talk_message","display_name":"Talk","type":"SERVICE","using":true,"agreed":true,"revocable":true,"delegated":false}]}`)
	info, err := s.client(t).Scopes(t.Context(), user)
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != 4012345678 || len(info.Scopes) != 3 {
		t.Fatalf("info %+v", info)
	}
	nick, ship, talk := info.Scopes[0], info.Scopes[1], info.Scopes[2]
	if nick.Type != kakaoapi.ScopePrivacy || !nick.Agreed || !isFalse(nick.Revocable) || ship.Agreed || ship.Revocable != nil ||
		talk.Type != kakaoapi.ScopeService || talk.Revocable == nil || !*talk.Revocable || !isFalse(talk.Delegated) {
		t.Errorf("scopes %+v", info.Scopes)
	}
}

func TestServiceTermsResponses(t *testing.T) {
	s := newStub(t)
	c := s.client(t)
	s.reply(http.StatusOK, `{"id":1,"service_terms":[{"tag":"terms","required":true,"agreed":true,"revocable":false,"agreed_at":"2024-03-05T08:12:44Z","agreed_by":"KAUTH"}]}`)
	got, err := c.ServiceTerms(t.Context(), user, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.ServiceTerms) != 1 || got.ServiceTerms[0].AgreedAt == nil || got.ServiceTerms[0].AgreedBy != "KAUTH" || got.ServiceTerms[0].Required == nil || !*got.ServiceTerms[0].Required {
		t.Errorf("service terms %+v", got)
	}
	s.reply(http.StatusOK, `{"id":1,"revoked_service_terms":[{"tag":"promo_2024","agreed":false}]}`)
	got, err = c.RevokeServiceTerms(t.Context(), user, "promo_2024")
	if err != nil || len(got.RevokedServiceTerms) != 1 || got.RevokedServiceTerms[0].Tag != "promo_2024" {
		t.Errorf("revoked %+v, %v", got, err)
	}
	s.reply(http.StatusOK, `{"id":1,"agreed_service_terms":[{"tag":"promo","agreed":true,"agreed_at":"2024-03-05T08:12:44Z","agreed_by":"KAPI"}]}`)
	got, err = c.UpgradeServiceTerms(t.Context(), user, "promo")
	if err != nil || len(got.AgreedServiceTerms) != 1 || got.AgreedServiceTerms[0].AgreedBy != "KAPI" {
		t.Errorf("agreed %+v, %v", got, err)
	}
	for name, call := range map[string]func() error{
		"revoke":  func() error { _, err := c.RevokeServiceTerms(t.Context(), user); return err },
		"upgrade": func() error { _, err := c.UpgradeServiceTerms(t.Context(), user); return err },
		"scopes":  func() error { _, err := c.RevokeScopes(t.Context(), user); return err },
		"profile": func() error { _, err := c.UpdateProfile(t.Context(), user, nil); return err },
	} {
		if call() == nil {
			t.Errorf("%s without arguments accepted", name)
		}
	}
}

func TestShippingResponse(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusOK, `{"user_id":1376016924429759243,"shipping_addresses_needs_agreement":false,"shipping_addresses":[
		{"id":1376016924429759000,"name":"회사","is_default":true,"updated_at":1700000000,"type":"NEW","base_address":"서울","detail_address":"1층",
		 "receiver_name":"김","receiver_phone_number1":"010","receiver_phone_number2":"011","zone_number":"12345"},
		{"id":2,"is_default":false,"type":"OLD","zip_code":"123456"}]}`)
	info, err := s.client(t).ShippingAddresses(t.Context(), user, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.UserID != bigID || !isFalse(info.NeedsAgreement) || len(info.Addresses) != 2 {
		t.Fatalf("info %+v", info)
	}
	a, b := info.Addresses[0], info.Addresses[1]
	if a.ID != 1376016924429759000 || !a.UpdatedAt.Equal(time.Unix(1700000000, 0)) || !a.IsDefault || a.Name != "회사" || a.ZoneNumber != "12345" ||
		a.ReceiverPhoneNumber2 != "011" || !b.UpdatedAt.IsZero() || b.ZipCode != "123456" {
		t.Errorf("addresses %+v", info.Addresses)
	}
}

func TestOIDCResponses(t *testing.T) {
	s := newStub(t)
	c := s.client(t)
	s.reply(http.StatusOK, `{"issuer":"https://kauth.kakao.com","authorization_endpoint":"https://kauth.kakao.com/oauth/authorize",
		"token_endpoint":"https://kauth.kakao.com/oauth/token","userinfo_endpoint":"https://kapi.kakao.com/v1/oidc/userinfo",
		"jwks_uri":"https://kauth.kakao.com/.well-known/jwks.json","token_endpoint_auth_methods_supported":["client_secret_post"],
		"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"],"request_uri_parameter_supported":false,
		"response_types_supported":["code"],"response_modes_supported":["query"],"grant_types_supported":["authorization_code","refresh_token"],
		"code_challenge_methods_supported":["S256"],"claims_supported":["iss","aud","sub"]}`)
	d, err := c.Discover(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d.Issuer != "https://kauth.kakao.com" || d.JWKSURL != "https://kauth.kakao.com/.well-known/jwks.json" ||
		!slices.Equal(d.CodeChallengeMethodsSupported, []string{"S256"}) || !isFalse(d.RequestURIParameterSupported) {
		t.Errorf("discovery %+v", d)
	}
	s.reply(http.StatusOK, `{"issuer":"https://kauth.kakao.com"}`)
	if _, err := c.Discover(t.Context()); !errors.Is(err, kakaoapi.ErrMalformedResponse) {
		t.Errorf("discovery without jwks_uri: %v", err)
	}

	s.reply(http.StatusOK, `{"iss":"https://kauth.kakao.com","aud":"key","sub":"1376016924429759243","iat":1735689600,"exp":1735711199,"auth_time":1735689590,"nonce":"n","nickname":"민지","picture":"p","email":"e"}`)
	cl, err := c.IDTokenInfo(t.Context(), "h.p.s")
	if err != nil {
		t.Fatal(err)
	}
	if cl.Subject != "1376016924429759243" || cl.Audience != "key" || !cl.IssuedAt.Equal(time.Unix(1735689600, 0)) ||
		!cl.Expiry.Equal(time.Unix(1735711199, 0)) || !cl.AuthTime.Equal(time.Unix(1735689590, 0)) || cl.Nonce != "n" || cl.Email != "e" {
		t.Errorf("claims %+v", cl)
	}

	s.reply(http.StatusOK, `{"sub":"1376016924429759243","nickname":"민지","email":"e","email_verified":true,"gender":"MALE","birthdate":"0000-02-14","phone_number":"+82 10-1234-5678","phone_number_verified":true}`)
	ui, err := c.UserInfo(t.Context(), user)
	if err != nil {
		t.Fatal(err)
	}
	if ui.Subject != "1376016924429759243" || ui.Gender != kakaoapi.Male || ui.EmailVerified == nil || !*ui.EmailVerified || ui.Birthdate != "0000-02-14" || ui.Name != "" {
		t.Errorf("userinfo %+v", ui)
	}
	s.reply(http.StatusOK, `{"sub":1376016924429759243}`)
	if _, err := c.UserInfo(t.Context(), user); !errors.Is(err, kakaoapi.ErrMalformedResponse) {
		t.Errorf("numeric sub accepted: %v", err)
	}

	s.reply(http.StatusOK, `{"id":4012345678,"expires_in":17933,"app_id":1158231}`)
	ti, err := c.AccessTokenInfo(t.Context(), user)
	if err != nil {
		t.Fatal(err)
	}
	if *ti != (kakaoapi.AccessTokenInfo{ID: 4012345678, ExpiresIn: 17933 * time.Second, AppID: 1158231}) {
		t.Errorf("token info %+v", *ti)
	}
}

func TestIDResponses(t *testing.T) {
	s := newStub(t)
	c := s.client(t)
	s.reply(http.StatusOK, idBody)
	for name, call := range map[string]func() (int64, error){
		"logout":         func() (int64, error) { return c.Logout(t.Context(), user) },
		"unlink":         func() (int64, error) { return c.Unlink(t.Context(), admin) },
		"signup":         func() (int64, error) { return c.Signup(t.Context(), user, nil) },
		"update profile": func() (int64, error) { return c.UpdateProfile(t.Context(), user, map[string]string{"a": "b"}) },
	} {
		if id, err := call(); err != nil || id != bigID {
			t.Errorf("%s: %d, %v", name, id, err)
		}
	}
	s.reply(http.StatusOK, `{}`)
	if _, err := c.Unlink(t.Context(), user); !errors.Is(err, kakaoapi.ErrMalformedResponse) {
		t.Errorf("answer without id accepted: %v", err)
	}
}

// TestServiceTermsAbsentVsFalse: the revoke and upgrade answers carry no
// required or revocable (reference §10.2, §10.3); the typed value keeps
// them absent (nil) instead of reading false, while the status answer's
// explicit false stays false (issue 11, point 7).
func TestServiceTermsAbsentVsFalse(t *testing.T) {
	s := newStub(t)
	c := s.client(t)
	cases := []struct {
		name, body                  string
		call                        func() (*kakaoapi.ServiceTermsInfo, error)
		list                        func(*kakaoapi.ServiceTermsInfo) []kakaoapi.ServiceTerm
		wantRequired, wantRevocable *bool // nil: absent
		canRevoke                   bool
	}{
		{
			name:         "status answer, both false",
			body:         `{"id":1,"service_terms":[{"tag":"optional_no_consent","required":false,"agreed":false,"revocable":false}]}`,
			call:         func() (*kakaoapi.ServiceTermsInfo, error) { return c.ServiceTerms(t.Context(), user, nil) },
			list:         func(i *kakaoapi.ServiceTermsInfo) []kakaoapi.ServiceTerm { return i.ServiceTerms },
			wantRequired: ptr(false), wantRevocable: ptr(false),
		},
		{
			name:         "status answer, required and not revocable",
			body:         `{"id":1,"service_terms":[{"tag":"service_2020_0218","required":true,"agreed":true,"revocable":false}]}`,
			call:         func() (*kakaoapi.ServiceTermsInfo, error) { return c.ServiceTerms(t.Context(), user, nil) },
			list:         func(i *kakaoapi.ServiceTermsInfo) []kakaoapi.ServiceTerm { return i.ServiceTerms },
			wantRequired: ptr(true), wantRevocable: ptr(false),
		},
		{
			name:         "status answer, optional, agreed and revocable",
			body:         `{"id":1,"service_terms":[{"tag":"optional_20200616","required":false,"agreed":true,"revocable":true}]}`,
			call:         func() (*kakaoapi.ServiceTermsInfo, error) { return c.ServiceTerms(t.Context(), user, nil) },
			list:         func(i *kakaoapi.ServiceTermsInfo) []kakaoapi.ServiceTerm { return i.ServiceTerms },
			wantRequired: ptr(false), wantRevocable: ptr(true), canRevoke: true,
		},
		{
			name: "revoke answer",
			body: `{"id":1,"revoked_service_terms":[{"tag":"optional_20200616","agreed":false}]}`,
			call: func() (*kakaoapi.ServiceTermsInfo, error) {
				return c.RevokeServiceTerms(t.Context(), user, "optional_20200616")
			},
			list: func(i *kakaoapi.ServiceTermsInfo) []kakaoapi.ServiceTerm { return i.RevokedServiceTerms },
		},
		{
			name: "upgrade answer",
			body: `{"id":1,"agreed_service_terms":[{"tag":"term02","agreed":true,"agreed_at":"2023-08-02T08:34:56Z"}]}`,
			call: func() (*kakaoapi.ServiceTermsInfo, error) { return c.UpgradeServiceTerms(t.Context(), user, "term02") },
			list: func(i *kakaoapi.ServiceTermsInfo) []kakaoapi.ServiceTerm { return i.AgreedServiceTerms },
		},
	}
	same := func(got, want *bool) bool { return (got == nil) == (want == nil) && (got == nil || *got == *want) }
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.reply(http.StatusOK, tc.body)
			info, err := tc.call()
			if err != nil {
				t.Fatal(err)
			}
			l := tc.list(info)
			if len(l) != 1 {
				t.Fatalf("terms %+v", info)
			}
			if !same(l[0].Required, tc.wantRequired) || !same(l[0].Revocable, tc.wantRevocable) {
				t.Errorf("required %v revocable %v, want %v %v", fmtBool(l[0].Required), fmtBool(l[0].Revocable),
					fmtBool(tc.wantRequired), fmtBool(tc.wantRevocable))
			}
			if l[0].CanRevoke() != tc.canRevoke || l[0].IsRequired() != (tc.wantRequired != nil && *tc.wantRequired) {
				t.Errorf("CanRevoke %v IsRequired %v for %+v", l[0].CanRevoke(), l[0].IsRequired(), l[0])
			}
		})
	}
}

// TestAccessTokenInfoMissingFields: an access-token-info answer without
// expires_in or app_id, or with an app ID that is not positive, is
// ErrMalformedResponse rather than zeros, so that an app ID of 0 never
// reaches an app-ID comparison (C108: never 0 == 0; C31; issue 11, point 7).
func TestAccessTokenInfoMissingFields(t *testing.T) {
	s := newStub(t)
	c := s.client(t)
	cases := []struct {
		name, body string
		ok         bool
	}{
		{"complete", `{"id":123456789,"expires_in":7199,"app_id":1234}`, true},
		{"expires_in zero", `{"id":123456789,"expires_in":0,"app_id":1234}`, true},
		{"expires_in missing", `{"id":123456789,"app_id":1234}`, false},
		{"expires_in null", `{"id":123456789,"expires_in":null,"app_id":1234}`, false},
		{"app_id missing", `{"id":123456789,"expires_in":7199}`, false},
		{"app_id null", `{"id":123456789,"expires_in":7199,"app_id":null}`, false},
		{"app_id zero", `{"id":123456789,"expires_in":7199,"app_id":0}`, false},
		{"app_id negative", `{"id":123456789,"expires_in":7199,"app_id":-1}`, false},
		{"only the deprecated names", `{"id":123456789,"expiresInMillis":239036,"appId":1234}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.reply(http.StatusOK, tc.body)
			info, err := c.AccessTokenInfo(t.Context(), user)
			if tc.ok {
				if err != nil || info.AppID != 1234 || info.ID != 123456789 {
					t.Fatalf("info %+v, %v", info, err)
				}
				return
			}
			if !errors.Is(err, kakaoapi.ErrMalformedResponse) {
				t.Fatalf("info %+v, err %v; want ErrMalformedResponse", info, err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func fmtBool(b *bool) string {
	if b == nil {
		return "absent"
	}
	return strconv.FormatBool(*b)
}
