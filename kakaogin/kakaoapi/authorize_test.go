package kakaoapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

func parseURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestAuthCodeURL checks every §1.1 parameter, each exactly once (C9), and
// PKCE S256 (C11).
func TestAuthCodeURL(t *testing.T) {
	c, err := kakaoapi.New(kakaoapi.Config{ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: testRedirect, AuthURL: "https://kauth.example/"})
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	u := parseURL(t, c.AuthCodeURL(kakaoapi.AuthRequest{
		State: "st", Nonce: "no", Verifier: verifier,
		Scopes:           []string{"openid", "account_email"},
		Prompts:          []kakaoapi.Prompt{kakaoapi.PromptLogin, kakaoapi.PromptSelectAccount},
		LoginHint:        "a@example.com",
		ServiceTerms:     []string{"terms", "privacy"},
		ChannelPublicIDs: []string{"_abcd1", "_efgh2"},
	}))
	if got := u.Scheme + "://" + u.Host + u.Path; got != "https://kauth.example/oauth/authorize" {
		t.Errorf("endpoint %s", got)
	}
	want := url.Values{
		"client_id": {testClientID}, "redirect_uri": {testRedirect}, "response_type": {"code"},
		"state": {"st"}, "nonce": {"no"}, "scope": {"openid,account_email"}, "prompt": {"login,select_account"},
		"login_hint": {"a@example.com"}, "service_terms": {"terms,privacy"}, "channel_public_id": {"_abcd1,_efgh2"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	}
	if got := u.Query(); got.Encode() != want.Encode() {
		t.Errorf("query\n got %s\nwant %s", got.Encode(), want.Encode())
	}
	if strings.Contains(u.RawQuery, verifier) || strings.Contains(u.RawQuery, testClientSecret) {
		t.Errorf("front-channel URL carries the verifier or the secret")
	}
}

// TestAuthCodeURLMinimal checks that unset options are not sent, and that
// no prompt is added by default (C12).
func TestAuthCodeURLMinimal(t *testing.T) {
	c, err := kakaoapi.New(kakaoapi.Config{ClientID: testClientID, RedirectURL: testRedirect})
	if err != nil {
		t.Fatal(err)
	}
	u := parseURL(t, c.AuthCodeURL(kakaoapi.AuthRequest{}))
	if !strings.HasPrefix(u.String(), kakaoapi.DefaultAuthURL+"/oauth/authorize?") {
		t.Errorf("URL %s", u)
	}
	want := url.Values{"client_id": {testClientID}, "redirect_uri": {testRedirect}, "response_type": {"code"}}
	if got := u.Query(); got.Encode() != want.Encode() {
		t.Errorf("query %s, want %s", got.Encode(), want.Encode())
	}
}

func TestAccountLogoutURL(t *testing.T) {
	c, err := kakaoapi.New(kakaoapi.Config{ClientID: testClientID})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		state string
		want  url.Values
	}{
		{"s1", url.Values{"client_id": {testClientID}, "logout_redirect_uri": {"https://svc.example/logout/callback"}, "state": {"s1"}}},
		{"", url.Values{"client_id": {testClientID}, "logout_redirect_uri": {"https://svc.example/logout/callback"}}},
	}
	for _, tt := range tests {
		u := parseURL(t, c.AccountLogoutURL("https://svc.example/logout/callback", tt.state))
		if u.Host != "kauth.kakao.com" || u.Path != "/oauth/logout" || u.Query().Encode() != tt.want.Encode() {
			t.Errorf("URL %s", u)
		}
	}
}

// TestParseAuthorizeError checks §1.3 errors and hostile input (C24).
func TestParseAuthorizeError(t *testing.T) {
	long := strings.Repeat("가", 200)
	tests := []struct {
		name     string
		query    string
		wantNil  bool
		wantCode kakaoapi.AuthorizeErrorCode
		wantDesc string
	}{
		{name: "success redirect", query: "code=abc&state=s", wantNil: true},
		{name: "user cancelled", query: "error=access_denied&error_description=User%20denied%20access&state=s", wantCode: kakaoapi.AccessDenied, wantDesc: "User denied access"},
		{name: "login required", query: "error=login_required", wantCode: kakaoapi.LoginRequired},
		{name: "consent required with old description", query: "error=consent_required&error_description=user%20authentication%20required.", wantCode: kakaoapi.ConsentRequired, wantDesc: "user authentication required."},
		{name: "interaction required", query: "error=interaction_required", wantCode: kakaoapi.InteractionRequired},
		{name: "unknown code kept", query: "error=temporarily_unavailable", wantCode: "temporarily_unavailable"},
		{name: "duplicated error", query: "error=access_denied&error=consent_required", wantCode: kakaoapi.AuthorizeInvalid},
		{name: "script in error", query: "error=%3Cscript%3E", wantCode: kakaoapi.AuthorizeInvalid},
		{name: "empty error", query: "error=", wantCode: kakaoapi.AuthorizeInvalid},
		{name: "invalid UTF-8 description", query: "error=access_denied&error_description=%FF%FE", wantCode: kakaoapi.AccessDenied, wantDesc: "\uFFFD"},
		{name: "long description cut", query: "error=access_denied&error_description=" + url.QueryEscape(long), wantCode: kakaoapi.AccessDenied, wantDesc: long[:255]},
		{name: "duplicated description dropped", query: "error=access_denied&error_description=a&error_description=b", wantCode: kakaoapi.AccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			e := kakaoapi.ParseAuthorizeError(q)
			if tt.wantNil {
				if e != nil {
					t.Errorf("got %+v, want nil", e)
				}
				return
			}
			if e == nil {
				t.Fatal("nil")
			}
			if e.Code != tt.wantCode || e.Description != tt.wantDesc {
				t.Errorf("got %q %q, want %q %q", e.Code, e.Description, tt.wantCode, tt.wantDesc)
			}
			if strings.Contains(e.Error(), e.Description) && e.Description != "" {
				t.Errorf("Error() %q includes the description", e.Error())
			}
		})
	}
}

// TestNewValidatesConfig checks fail-closed configuration (C1).
func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  kakaoapi.Config
	}{
		{"missing client ID", kakaoapi.Config{}},
		{"relative auth URL", kakaoapi.Config{ClientID: "id", AuthURL: "kauth.kakao.com"}},
		{"ftp API URL", kakaoapi.Config{ClientID: "id", APIURL: "ftp://kapi.kakao.com"}},
		{"auth URL with query", kakaoapi.Config{ClientID: "id", AuthURL: "https://kauth.kakao.com?x=1"}},
		{"API URL with user info", kakaoapi.Config{ClientID: "id", APIURL: "https://u:p@kapi.kakao.com"}},
		{"unparsable URL", kakaoapi.Config{ClientID: "id", APIURL: "https://%zz"}},
		{"relative redirect URL", kakaoapi.Config{ClientID: "id", RedirectURL: "/callback"}},
		{"redirect URL with fragment", kakaoapi.Config{ClientID: "id", RedirectURL: "https://svc.example/cb#x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := kakaoapi.New(tt.cfg); err == nil {
				t.Errorf("New accepted it: %v", c)
			}
		})
	}
}

// TestAuthValidation checks that unusable credentials fail before any
// request, and that an Auth never prints its credential.
func TestAuthValidation(t *testing.T) {
	srcErr := errors.New("refresh failed")
	tests := []struct {
		name string
		call func(context.Context, *kakaoapi.Client) error
		is   error
	}{
		{"zero Auth", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.Me(ctx, kakaoapi.Auth{}, nil)
			return err
		}, nil},
		{"empty bearer", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.Me(ctx, kakaoapi.Bearer(""), nil)
			return err
		}, nil},
		{"empty admin key", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.Unlink(ctx, kakaoapi.Admin("", 1))
			return err
		}, nil},
		{"admin without target", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.Unlink(ctx, kakaoapi.Admin("k", 0))
			return err
		}, nil},
		{"admin on signup", func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Signup(ctx, admin, nil); return err }, nil},
		{"admin on update profile", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.UpdateProfile(ctx, admin, map[string]string{"a": "b"})
			return err
		}, nil},
		{"admin on token info", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.AccessTokenInfo(ctx, admin)
			return err
		}, nil},
		{"admin on oidc userinfo", func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.UserInfo(ctx, admin); return err }, nil},
		{"failing token source", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.Me(ctx, kakaoapi.BearerFrom(func(context.Context) (string, error) { return "", srcErr }), nil)
			return err
		}, srcErr},
		{"failing oauth2 token source", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.Me(ctx, kakaoapi.TokenSource(errSource{srcErr}), nil)
			return err
		}, srcErr},
		{"nil oauth2 token source", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.Me(ctx, kakaoapi.TokenSource(nil), nil)
			return err
		}, nil},
		{"oauth2 token source without a token", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.Me(ctx, kakaoapi.TokenSource(errSource{}), nil)
			return err
		}, nil},
		{"empty token from source", func(ctx context.Context, c *kakaoapi.Client) error {
			_, err := c.Me(ctx, kakaoapi.BearerFrom(func(context.Context) (string, error) { return "", nil }), nil)
			return err
		}, nil},
		{"empty admin key on user ids", func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.UserIDs(ctx, "", nil); return err }, nil},
		{"empty ID token", func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.IDTokenInfo(ctx, ""); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t)
			err := tt.call(t.Context(), s.client(t))
			if err == nil {
				t.Fatal("accepted")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err %v does not wrap %v", err, tt.is)
			}
			if n := len(s.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

type errSource struct{ err error }

func (s errSource) Token() (*oauth2.Token, error) { return nil, s.err }

type tokSource struct{}

func (tokSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "from-source"}, nil
}

// TestTokenSourceAuth checks that the token of a source is sent.
func TestTokenSourceAuth(t *testing.T) {
	s := newStub(t)
	s.reply(200, idBody)
	if _, err := s.client(t).Logout(t.Context(), kakaoapi.TokenSource(tokSource{})); err != nil {
		t.Fatal(err)
	}
	if got := s.last(t).Authorization; got != "Bearer from-source" {
		t.Errorf("Authorization %q", got)
	}
}

func TestAuthPrintsNoSecrets(t *testing.T) {
	for _, a := range []kakaoapi.Auth{kakaoapi.Bearer("SECRET-AT"), kakaoapi.Admin("SECRET-KEY", 7)} {
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(format, a)
			if strings.Contains(out, "SECRET") || !utf8.ValidString(out) {
				t.Errorf("%s prints %q", format, out)
			}
		}
	}
}

// TestAuthAccessToken: a host calling a Kakao API this package does not
// wrap gets the user token an Auth carries, never an admin key (C101).
func TestAuthAccessToken(t *testing.T) {
	errSource := errors.New("source down")
	for _, tc := range []struct {
		name    string
		auth    kakaoapi.Auth
		want    string
		wantErr error
	}{
		{"bearer", kakaoapi.Bearer("at-1"), "at-1", nil},
		{"from a source", kakaoapi.BearerFrom(func(context.Context) (string, error) { return "at-2", nil }), "at-2", nil},
		{"source error is wrapped", kakaoapi.BearerFrom(func(context.Context) (string, error) { return "", errSource }), "", errSource},
		{"empty source token", kakaoapi.BearerFrom(func(context.Context) (string, error) { return "", nil }), "", nil},
		{"admin key", kakaoapi.Admin("SECRET-KEY", 7), "", nil},
		{"zero Auth", kakaoapi.Auth{}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.auth.AccessToken(t.Context())
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("AccessToken = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if err == nil || got != "" {
				t.Fatalf("AccessToken = %q, %v; want an error", got, err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v does not match %v", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("error shows the admin key: %v", err)
			}
		})
	}
}
