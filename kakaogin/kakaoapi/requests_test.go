package kakaoapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

const (
	bearerAuth = "Bearer user-access-token"
	adminAuth  = "KakaoAK " + testAdminKey
	formType   = "application/x-www-form-urlencoded;charset=utf-8"
)

var (
	user   = kakaoapi.Bearer("user-access-token")
	admin  = kakaoapi.Admin(testAdminKey, bigID)
	target = url.Values{"target_id_type": {"user_id"}, "target_id": {"1376016924429759243"}}
)

// with returns target plus extra parameters.
func with(extra url.Values) url.Values {
	v := url.Values{}
	for k, x := range target {
		v[k] = x
	}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

const (
	tokenBody = `{"token_type":"bearer","access_token":"AT","expires_in":21599,"refresh_token":"RT","refresh_token_expires_in":5183999,"scope":"openid profile_nickname","id_token":"a.b.c"}`
	idBody    = `{"id":1376016924429759243}`
)

// TestRequestShape checks, for every client method, the HTTP method, path,
// Authorization header and parameters Kakao documents (C28, C29).
func TestRequestShape(t *testing.T) {
	tests := []struct {
		name   string
		reply  string
		call   func(context.Context, *kakaoapi.Client) error
		method string
		path   string
		authz  string
		params url.Values // query for GET, form body for POST
	}{
		{
			name: "exchange sends code, redirect URI, verifier and the secret in the body", reply: tokenBody,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.Exchange(ctx, "the-code", "the-verifier")
				return err
			},
			method: "POST", path: "/oauth/token",
			params: url.Values{"grant_type": {"authorization_code"}, "client_id": {testClientID}, "redirect_uri": {testRedirect},
				"code": {"the-code"}, "code_verifier": {"the-verifier"}, "client_secret": {testClientSecret}},
		},
		{
			name: "refresh sends the refresh token and the secret in the body", reply: tokenBody,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.Refresh(ctx, &kakaoapi.Token{RefreshToken: "old-rt"})
				return err
			},
			method: "POST", path: "/oauth/token",
			params: url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID}, "refresh_token": {"old-rt"}, "client_secret": {testClientSecret}},
		},
		{
			name: "discovery", reply: `{"issuer":"https://kauth.kakao.com","jwks_uri":"https://kauth.kakao.com/.well-known/jwks.json"}`,
			call:   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Discover(ctx); return err },
			method: "GET", path: "/.well-known/openid-configuration", params: url.Values{},
		},
		{
			name: "id token info posts the token", reply: `{"iss":"https://kauth.kakao.com","sub":"1","iat":1,"exp":2,"auth_time":1}`,
			call:   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.IDTokenInfo(ctx, "h.p.s"); return err },
			method: "POST", path: "/oauth/tokeninfo", params: url.Values{"id_token": {"h.p.s"}},
		},
		{
			name: "oidc userinfo", reply: `{"sub":"1376016924429759243"}`,
			call:   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.UserInfo(ctx, user); return err },
			method: "GET", path: "/v1/oidc/userinfo", authz: bearerAuth, params: url.Values{},
		},
		{
			name: "access token info", reply: `{"id":1,"expires_in":100,"app_id":7}`,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.AccessTokenInfo(ctx, user)
				return err
			},
			method: "GET", path: "/v1/user/access_token_info", authz: bearerAuth, params: url.Values{},
		},
		{
			name: "me by GET with property keys and secure resource", reply: idBody,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.Me(ctx, user, &kakaoapi.MeOptions{PropertyKeys: []string{"kakao_account.email", "kakao_account.profile"}, SecureResource: true})
				return err
			},
			method: "GET", path: "/v2/user/me", authz: bearerAuth,
			params: url.Values{"property_keys": {`["kakao_account.email","kakao_account.profile"]`}, "secure_resource": {"true"}},
		},
		{
			name: "me by POST with the admin key and target", reply: idBody,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.Me(ctx, admin, &kakaoapi.MeOptions{Post: true, PropertyKeys: []string{"kakao_account.email"}})
				return err
			},
			method: "POST", path: "/v2/user/me", authz: adminAuth,
			params: with(url.Values{"property_keys": {`["kakao_account.email"]`}}),
		},
		{
			name: "logout with a user token has no body", reply: idBody,
			call:   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Logout(ctx, user); return err },
			method: "POST", path: "/v1/user/logout", authz: bearerAuth, params: url.Values{},
		},
		{
			name: "logout with the admin key", reply: idBody,
			call:   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Logout(ctx, admin); return err },
			method: "POST", path: "/v1/user/logout", authz: adminAuth, params: target,
		},
		{
			name: "unlink with a user token", reply: idBody,
			call:   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Unlink(ctx, user); return err },
			method: "POST", path: "/v1/user/unlink", authz: bearerAuth, params: url.Values{},
		},
		{
			name: "unlink with the admin key", reply: idBody,
			call:   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Unlink(ctx, admin); return err },
			method: "POST", path: "/v1/user/unlink", authz: adminAuth, params: target,
		},
		{
			name: "signup with properties", reply: idBody,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.Signup(ctx, user, map[string]string{"b": "2", "a": "1"})
				return err
			},
			method: "POST", path: "/v1/user/signup", authz: bearerAuth, params: url.Values{"properties": {`{"a":"1","b":"2"}`}},
		},
		{
			name: "signup without properties", reply: idBody,
			call:   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Signup(ctx, user, nil); return err },
			method: "POST", path: "/v1/user/signup", authz: bearerAuth, params: url.Values{},
		},
		{
			name: "consent details restricted to scopes", reply: `{"id":1,"scopes":[]}`,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.Scopes(ctx, user, "account_email", "friends")
				return err
			},
			method: "GET", path: "/v2/user/scopes", authz: bearerAuth, params: url.Values{"scopes": {`["account_email","friends"]`}},
		},
		{
			name: "consent details with the admin key", reply: `{"id":1,"scopes":[]}`,
			call:   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Scopes(ctx, admin); return err },
			method: "GET", path: "/v2/user/scopes", authz: adminAuth, params: target,
		},
		{
			name: "revoke consent", reply: `{"id":1,"scopes":[]}`,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.RevokeScopes(ctx, admin, "account_email")
				return err
			},
			method: "POST", path: "/v2/user/revoke/scopes", authz: adminAuth, params: with(url.Values{"scopes": {`["account_email"]`}}),
		},
		{
			name: "service terms with result and tags", reply: `{"id":1}`,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.ServiceTerms(ctx, user, &kakaoapi.ServiceTermsOptions{Result: kakaoapi.AppServiceTerms, Tags: []string{"t1", "t2"}})
				return err
			},
			method: "GET", path: "/v2/user/service_terms", authz: bearerAuth, params: url.Values{"result": {"app_service_terms"}, "tags": {"t1,t2"}},
		},
		{
			name: "revoke service terms", reply: `{"id":1}`,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.RevokeServiceTerms(ctx, user, "promo", "mail")
				return err
			},
			method: "POST", path: "/v2/user/revoke/service_terms", authz: bearerAuth, params: url.Values{"tags": {"promo,mail"}},
		},
		{
			name: "agree service terms with the admin key", reply: `{"id":1}`,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.UpgradeServiceTerms(ctx, admin, "promo")
				return err
			},
			method: "POST", path: "/v2/user/upgrade/service_terms", authz: adminAuth, params: with(url.Values{"tags": {"promo"}}),
		},
		{
			name: "update profile", reply: idBody,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.UpdateProfile(ctx, user, map[string]string{"member_grade": "gold"})
				return err
			},
			method: "POST", path: "/v1/user/update_profile", authz: bearerAuth, params: url.Values{"properties": {`{"member_grade":"gold"}`}},
		},
		{
			name: "shipping addresses with paging", reply: `{"user_id":1}`,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.ShippingAddresses(ctx, user, &kakaoapi.ShippingOptions{AddressID: 9, FromUpdatedAt: time.Unix(1700000000, 0), PageSize: 5})
				return err
			},
			method: "GET", path: "/v1/user/shipping_address", authz: bearerAuth,
			params: url.Values{"address_id": {"9"}, "from_updated_at": {"1700000000"}, "page_size": {"5"}},
		},
		{
			name: "shipping addresses with the admin key", reply: `{"user_id":1}`,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.ShippingAddresses(ctx, admin, nil)
				return err
			},
			method: "GET", path: "/v1/user/shipping_address", authz: adminAuth, params: target,
		},
		{
			name: "user ids", reply: `{"elements":[]}`,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.UserIDs(ctx, testAdminKey, &kakaoapi.UserIDsOptions{Limit: 3, FromID: bigID, Order: kakaoapi.Descending})
				return err
			},
			method: "GET", path: "/v1/user/ids", authz: adminAuth,
			params: url.Values{"limit": {"3"}, "from_id": {"1376016924429759243"}, "order": {"desc"}},
		},
		{
			name: "multiple users", reply: `[]`,
			call: func(ctx context.Context, c *kakaoapi.Client) error {
				_, err := c.Users(ctx, testAdminKey, []int64{bigID, 42}, "kakao_account.", "properties.")
				return err
			},
			method: "GET", path: "/v2/app/users", authz: adminAuth,
			params: url.Values{"target_id_type": {"user_id"}, "target_ids": {"[1376016924429759243,42]"}, "property_keys": {`["kakao_account.","properties."]`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t)
			s.reply(http.StatusOK, tt.reply)
			if err := tt.call(t.Context(), s.client(t)); err != nil {
				t.Fatalf("call: %v", err)
			}
			r := s.last(t)
			if r.Method != tt.method || r.Path != tt.path {
				t.Errorf("request %s %s, want %s %s", r.Method, r.Path, tt.method, tt.path)
			}
			if r.Authorization != tt.authz {
				t.Errorf("Authorization %q, want %q", r.Authorization, tt.authz)
			}
			got := r.Query
			if tt.method == "POST" {
				if len(r.Query) != 0 {
					t.Errorf("POST carries a query %v; parameters belong in the body", r.Query)
				}
				if len(tt.params) > 0 && r.ContentType != formType {
					t.Errorf("Content-Type %q, want %q", r.ContentType, formType)
				}
				got = r.Form
			}
			if got.Encode() != tt.params.Encode() {
				t.Errorf("parameters\n got %s\nwant %s", got.Encode(), tt.params.Encode())
			}
		})
	}
}

// TestSecretOnlyInBody checks C29: the client secret never appears in the URL
// or in a Basic Authorization header, and kauth calls carry no
// Authorization header at all.
func TestSecretOnlyInBody(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusOK, tokenBody)
	if _, err := s.client(t).Exchange(t.Context(), "c", "v"); err != nil {
		t.Fatal(err)
	}
	r := s.last(t)
	if r.Authorization != "" {
		t.Errorf("token request has an Authorization header")
	}
	if strings.Contains(r.Query.Encode(), testClientSecret) {
		t.Errorf("client secret in the URL")
	}
	if r.Form.Get("client_secret") != testClientSecret {
		t.Errorf("client secret not in the body")
	}
}

// TestNoSecretWhenUnset checks that an app with the secret check off sends
// no client_secret field.
func TestNoSecretWhenUnset(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusOK, tokenBody)
	c := s.client(t, func(c *kakaoapi.Config) { c.ClientSecret = "" })
	if _, err := c.Exchange(t.Context(), "c", ""); err != nil {
		t.Fatal(err)
	}
	r := s.last(t)
	if _, ok := r.Form["client_secret"]; ok {
		t.Errorf("client_secret sent although unset")
	}
	if _, ok := r.Form["code_verifier"]; ok {
		t.Errorf("code_verifier sent although empty")
	}
}
