package kakaoapi_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// calls names one representative call per client method.
var calls = map[string]func(context.Context, *kakaoapi.Client) error{
	"exchange": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.Exchange(ctx, "code-SECRET-1", "verifier")
		return err
	},
	"refresh": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.Refresh(ctx, &kakaoapi.Token{RefreshToken: "rt-SECRET-2"})
		return err
	},
	"discover":      func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Discover(ctx); return err },
	"id token info": func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.IDTokenInfo(ctx, "h.p.s"); return err },
	"userinfo":      func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.UserInfo(ctx, user); return err },
	"token info": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.AccessTokenInfo(ctx, user)
		return err
	},
	"me":       func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Me(ctx, user, nil); return err },
	"me admin": func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Me(ctx, admin, nil); return err },
	"logout":   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Logout(ctx, user); return err },
	"unlink":   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Unlink(ctx, user); return err },
	"signup":   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Signup(ctx, user, nil); return err },
	"scopes":   func(ctx context.Context, c *kakaoapi.Client) error { _, err := c.Scopes(ctx, user); return err },
	"revoke scopes": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.RevokeScopes(ctx, user, "profile")
		return err
	},
	"service terms": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.ServiceTerms(ctx, user, nil)
		return err
	},
	"revoke terms": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.RevokeServiceTerms(ctx, user, "t")
		return err
	},
	"upgrade terms": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.UpgradeServiceTerms(ctx, user, "t")
		return err
	},
	"update profile": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.UpdateProfile(ctx, user, map[string]string{"grade": "x"})
		return err
	},
	"shipping": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.ShippingAddresses(ctx, user, nil)
		return err
	},
	"user ids": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.UserIDs(ctx, testAdminKey, nil)
		return err
	},
	"users": func(ctx context.Context, c *kakaoapi.Client) error {
		_, err := c.Users(ctx, testAdminKey, []int64{1})
		return err
	},
}

var sentinels = []error{
	kakaoapi.ErrInvalidToken, kakaoapi.ErrInsufficientScope, kakaoapi.ErrNotLinked, kakaoapi.ErrRateLimited,
	kakaoapi.ErrInvalidGrant, kakaoapi.ErrCodeUsed, kakaoapi.ErrRefreshTokenInvalid, kakaoapi.ErrInvalidClient,
	kakaoapi.ErrRedirectMismatch, kakaoapi.ErrAlreadyRegistered, kakaoapi.ErrNotRevocable, kakaoapi.ErrBadParameter,
	kakaoapi.ErrUnavailable, kakaoapi.ErrUnknownProperty, kakaoapi.ErrUnderAge, kakaoapi.ErrMalformedResponse,
	kakaoapi.ErrResponseTooLarge,
}

const (
	koe320  = `{"error":"invalid_grant","error_description":"authorization code not found for code=code-SECRET-1","error_code":"KOE320"}`
	koe322  = `{"error":"invalid_grant","error_description":"expired_or_invalid_refresh_token","error_code":"KOE322"}`
	kapi401 = `{"msg":"this access token does not exist","code":-401}`
)

// TestDocumentedErrors maps every documented error answer of every endpoint
// (§2.6, §3.5, §4–§13, §14.3) to exactly the sentinels it must match (C32).
func TestDocumentedErrors(t *testing.T) {
	tests := []struct {
		call   string
		status int
		body   string
		want   []error // every sentinel the error matches; all others must not match
	}{
		// kauth token endpoint (§2.6)
		{"exchange", 400, koe320, []error{kakaoapi.ErrInvalidGrant, kakaoapi.ErrCodeUsed}},
		{"refresh", 400, koe322, []error{kakaoapi.ErrInvalidGrant, kakaoapi.ErrRefreshTokenInvalid}},
		{"exchange", 401, `{"error":"invalid_client","error_description":"Bad client credentials","error_code":"KOE010"}`, []error{kakaoapi.ErrInvalidClient}},
		{"exchange", 401, `{"error":"invalid_client","error_code":"KOE101"}`, []error{kakaoapi.ErrInvalidClient}},
		{"exchange", 400, `{"error":"invalid_grant","error_code":"KOE303"}`, []error{kakaoapi.ErrInvalidGrant, kakaoapi.ErrRedirectMismatch}},
		{"exchange", 400, `{"error":"invalid_request","error_code":"KOE303"}`, []error{kakaoapi.ErrRedirectMismatch}},
		{"exchange", 400, `{"error":"invalid_request","error_code":"KOE310"}`, []error{kakaoapi.ErrRedirectMismatch}},
		{"refresh", 400, `{"error":"invalid_request","error_code":"KOE319"}`, nil},
		{"exchange", 400, `{"error":"invalid_request","error_code":"KOE114"}`, nil},
		{"exchange", 429, `{"error":"invalid_request","error_code":"KOE237"}`, []error{kakaoapi.ErrRateLimited}},
		{"refresh", 400, `{"error":"invalid_request","error_code":"KOE237"}`, []error{kakaoapi.ErrRateLimited}},
		{"exchange", 500, `{"error":"server_error","error_code":"KOE003"}`, []error{kakaoapi.ErrUnavailable}},
		{"exchange", 400, `{"error":"server_error","error_code":"KOE003"}`, []error{kakaoapi.ErrUnavailable}},
		{"exchange", 502, `<html>Bad Gateway</html>`, []error{kakaoapi.ErrUnavailable}},
		{"refresh", 503, ``, []error{kakaoapi.ErrUnavailable}},
		{"exchange", 404, `not found`, nil},
		// kauth others (§3.1, §3.5)
		{"id token info", 400, `{"error":"invalid_token","error_description":"…","error_code":"KOE400"}`, []error{kakaoapi.ErrInvalidToken}},
		{"discover", 500, `oops`, []error{kakaoapi.ErrUnavailable}},
		// kapi common (§14.3) on each endpoint family
		{"userinfo", 401, kapi401, []error{kakaoapi.ErrInvalidToken}},
		{"userinfo", 403, `{"msg":"insufficient scopes","code":-402,"required_scopes":["openid"]}`, []error{kakaoapi.ErrInsufficientScope}},
		{"token info", 400, `{"msg":"internal error","code":-1}`, []error{kakaoapi.ErrUnavailable}},
		{"token info", 400, `{"msg":"wrong parameter","code":-2}`, []error{kakaoapi.ErrBadParameter}},
		{"token info", 401, `{"msg":"this access token is already expired","code":-401}`, []error{kakaoapi.ErrInvalidToken}},
		{"token info", 403, `{"msg":"app sanctioned","code":-12}`, nil},
		{"me", 401, kapi401, []error{kakaoapi.ErrInvalidToken}},
		{"me admin", 400, `{"msg":"NotRegisteredUserException","code":-101}`, []error{kakaoapi.ErrNotLinked}},
		{"me", 400, `{"msg":"user property not found","code":-201}`, []error{kakaoapi.ErrUnknownProperty}},
		{"me", 401, `{"msg":"under age","code":-406}`, []error{kakaoapi.ErrUnderAge}},
		{"me", 400, `{"msg":"maintenance","code":-7}`, []error{kakaoapi.ErrUnavailable}},
		{"me", 503, `{"msg":"service under maintenance","code":-9798}`, []error{kakaoapi.ErrUnavailable}},
		{"me", 400, `{"msg":"API limit has been exceeded.","code":-10}`, []error{kakaoapi.ErrRateLimited}},
		{"me", 500, `<html>`, []error{kakaoapi.ErrUnavailable}},
		{"logout", 401, kapi401, []error{kakaoapi.ErrInvalidToken}},
		{"logout", 400, `{"msg":"not linked","code":-101}`, []error{kakaoapi.ErrNotLinked}},
		{"unlink", 400, `{"msg":"not linked","code":-101}`, []error{kakaoapi.ErrNotLinked}},
		{"unlink", 401, kapi401, []error{kakaoapi.ErrInvalidToken}},
		{"unlink", 500, ``, []error{kakaoapi.ErrUnavailable}},
		{"signup", 400, `{"msg":"already registered","code":-102}`, []error{kakaoapi.ErrAlreadyRegistered}},
		{"signup", 400, `{"msg":"user property not found","code":-201}`, []error{kakaoapi.ErrUnknownProperty}},
		{"scopes", 401, kapi401, []error{kakaoapi.ErrInvalidToken}},
		{"scopes", 403, `{"msg":"not enabled","code":-3}`, nil},
		{"revoke scopes", 403, `{"msg":"[profile] is not revocable. check out if it's set as required on developers.kakao.com","code":-3}`, []error{kakaoapi.ErrNotRevocable}},
		{"revoke scopes", 400, `{"msg":"There is no scopes to revoke. check out if given scope id([email]) is correct again.","code":-2}`, []error{kakaoapi.ErrBadParameter}},
		{"service terms", 400, `{"msg":"There is no tags to get service terms.","code":-2}`, []error{kakaoapi.ErrBadParameter}},
		{"service terms", 403, `{"msg":"simple signup not enabled","code":-3}`, nil},
		{"revoke terms", 400, `{"msg":"There is no tags to revoke.","code":-2}`, []error{kakaoapi.ErrBadParameter}},
		{"revoke terms", 403, `{"msg":"simple signup not enabled","code":-3}`, nil}, // -3 here is "not enabled", not documented as "not revocable"
		{"upgrade terms", 400, `{"msg":"bad tag","code":-2}`, []error{kakaoapi.ErrBadParameter}},
		{"update profile", 400, `{"msg":"user property not found ([grade] for appId=1158231)","code":-201}`, []error{kakaoapi.ErrUnknownProperty}},
		{"shipping", 403, `{"msg":"insufficient scopes","code":-402,"required_scopes":["shipping_address"]}`, []error{kakaoapi.ErrInsufficientScope}},
		{"shipping", 401, kapi401, []error{kakaoapi.ErrInvalidToken}},
		{"user ids", 429, `{"msg":"API limit has been exceeded.","code":-10}`, []error{kakaoapi.ErrRateLimited}},
		{"user ids", 401, `{"msg":"wrong admin key","code":-401}`, []error{kakaoapi.ErrInvalidToken}},
		{"users", 400, `{"msg":"API limit has been exceeded.","code":-10}`, []error{kakaoapi.ErrRateLimited}},
		{"users", 400, `{"msg":"bad ids","code":-2}`, []error{kakaoapi.ErrBadParameter}},
	}
	for _, tt := range tests {
		t.Run(tt.call+" "+tt.body, func(t *testing.T) {
			s := newStub(t)
			s.reply(tt.status, tt.body)
			err := calls[tt.call](t.Context(), s.client(t))
			if err == nil {
				t.Fatal("no error")
			}
			for _, sentinel := range sentinels {
				if got, want := errors.Is(err, sentinel), slices.Contains(tt.want, sentinel); got != want {
					t.Errorf("errors.Is(err, %v) = %t, want %t (err: %v)", sentinel, got, want, err)
				}
			}
			var ae *kakaoapi.APIError
			var oe *kakaoapi.AuthError
			if !errors.As(err, &ae) && !errors.As(err, &oe) {
				t.Errorf("error %T is neither *APIError nor *AuthError", err)
			}
			if ae != nil && ae.HTTPStatus != tt.status || oe != nil && oe.HTTPStatus != tt.status {
				t.Errorf("HTTPStatus not %d", tt.status)
			}
			if len(s.requests()) != 1 {
				t.Errorf("%d requests, want exactly 1 (no retries, C30)", len(s.requests()))
			}
		})
	}
}

// TestAPIErrorFields checks errors.As access to the -402 details (§14.2) and
// Retry-After (R4).
func TestAPIErrorFields(t *testing.T) {
	s := newStub(t)
	s.setHeader("Retry-After", "30")
	s.reply(http.StatusForbidden, `{"msg":"insufficient scopes","code":-402,"api_type":"TALK_MESSAGE","required_scopes":["talk_message"],"allowed_scopes":["profile_nickname","account_email"]}`)
	_, err := s.client(t).Me(t.Context(), user, nil)
	var ae *kakaoapi.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	want := kakaoapi.APIError{
		Code: kakaoapi.CodeInsufficientScope, Msg: "insufficient scopes", HTTPStatus: 403, APIType: "TALK_MESSAGE",
		RequiredScopes: []string{"talk_message"}, AllowedScopes: []string{"profile_nickname", "account_email"},
		Path: "/v2/user/me", RetryAfter: 30 * time.Second,
	}
	if ae.Code != want.Code || ae.Msg != want.Msg || ae.HTTPStatus != want.HTTPStatus || ae.APIType != want.APIType ||
		!slices.Equal(ae.RequiredScopes, want.RequiredScopes) || !slices.Equal(ae.AllowedScopes, want.AllowedScopes) ||
		ae.Path != want.Path || ae.RetryAfter != want.RetryAfter {
		t.Errorf("got %+v\nwant %+v", *ae, want)
	}
	if ae.Code.Hint() == "" || !strings.Contains(ae.Code.Hint(), "consent") {
		t.Errorf("Hint %q does not mention consent", ae.Code.Hint())
	}
}

// TestAPIErrorLenient checks that one odd field does not hide the code.
func TestAPIErrorLenient(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusUnauthorized, `{"msg":12,"code":-401,"required_scopes":"x"}`)
	_, err := s.client(t).Me(t.Context(), user, nil)
	if !errors.Is(err, kakaoapi.ErrInvalidToken) {
		t.Errorf("err %v, want ErrInvalidToken", err)
	}
}

// TestAuthErrorFields checks errors.As access to a kauth error and that
// Error() leaves out the description, which may hold the code (C101).
func TestAuthErrorFields(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusBadRequest, koe320)
	_, err := s.client(t).Exchange(t.Context(), "code-SECRET-1", "v")
	var oe *kakaoapi.AuthError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v is not an *AuthError", err)
	}
	if oe.Code != "invalid_grant" || oe.KOE != kakaoapi.KOE320 || oe.HTTPStatus != 400 || oe.Path != "/oauth/token" ||
		!strings.Contains(oe.Description, "authorization code not found") {
		t.Errorf("got %+v", *oe)
	}
	if strings.Contains(err.Error(), "code-SECRET-1") || strings.Contains(err.Error(), "not found") {
		t.Errorf("error message %q carries the description", err)
	}
	if !strings.HasPrefix(err.Error(), "kakaoapi: token exchange: ") {
		t.Errorf("error message %q lacks the operation prefix", err)
	}
}

// TestAuthErrorHostileFields checks that codes that are not identifiers are
// dropped rather than carried into logs.
func TestAuthErrorHostileFields(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusBadRequest, `{"error":"invalid_grant\r\nX-Injected: 1","error_code":"<script>"}`)
	_, err := s.client(t).Exchange(t.Context(), "c", "v")
	var oe *kakaoapi.AuthError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v is not an *AuthError", err)
	}
	if oe.Code != "" || oe.KOE != "" {
		t.Errorf("hostile codes kept: %q %q", oe.Code, oe.KOE)
	}
}

// TestErrorsCarryNoSecrets runs every call against error answers that echo
// credentials and checks no error message contains one (C101, C85).
func TestErrorsCarryNoSecrets(t *testing.T) {
	secrets := []string{testClientSecret, testAdminKey, "user-access-token", "code-SECRET-1", "rt-SECRET-2"}
	echo := `{"error":"invalid_grant","error_description":"` + strings.Join(secrets, " ") + `","error_code":"KOE320","msg":"fine","code":-401}`
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			s := newStub(t)
			s.reply(http.StatusBadRequest, echo)
			err := call(t.Context(), s.client(t))
			if err == nil {
				t.Fatal("no error")
			}
			for _, sec := range secrets {
				if strings.Contains(err.Error(), sec) {
					t.Errorf("error %q contains a secret", err)
				}
			}
		})
	}
}

// TestHints checks every documented code has a specific hint.
func TestHints(t *testing.T) {
	koes := []kakaoapi.KOE{
		kakaoapi.KOE001, kakaoapi.KOE002, kakaoapi.KOE003, kakaoapi.KOE004, kakaoapi.KOE005, kakaoapi.KOE006,
		kakaoapi.KOE007, kakaoapi.KOE008, kakaoapi.KOE009, kakaoapi.KOE010, kakaoapi.KOE023, kakaoapi.KOE101,
		kakaoapi.KOE102, kakaoapi.KOE114, kakaoapi.KOE127, kakaoapi.KOE201, kakaoapi.KOE202, kakaoapi.KOE203,
		kakaoapi.KOE204, kakaoapi.KOE205, kakaoapi.KOE207, kakaoapi.KOE237, kakaoapi.KOE303, kakaoapi.KOE310,
		kakaoapi.KOE319, kakaoapi.KOE320, kakaoapi.KOE322, kakaoapi.KOE400,
	}
	unknownKOE := kakaoapi.KOE("KOE999").Hint()
	for _, k := range koes {
		if h := k.Hint(); h == "" || h == unknownKOE {
			t.Errorf("%s has no specific hint", k)
		}
	}
	if h := kakaoapi.KOE006.Hint(); !strings.Contains(h, "redirect URI") || !strings.Contains(h, "Kakao Developers console") {
		t.Errorf("KOE006 hint %q does not name the console setting", h)
	}
	codes := []kakaoapi.Code{-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -101, -102, -103, -201, -301,
		-401, -402, -405, -406, -501, -502, -504, -530, -531, -532, -602, -603, -606, -903, -911, -9798}
	unknownCode := kakaoapi.Code(-99999).Hint()
	for _, c := range codes {
		if h := c.Hint(); h == "" || h == unknownCode {
			t.Errorf("code %d has no specific hint", c)
		}
	}
}
