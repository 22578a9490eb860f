package kakaoapi

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets feed arbitrary bodies to every parser of Kakao answers
// and of the authorize redirect: none may panic, and what they accept or
// report must keep the package's promises.

func FuzzDecodeUser(f *testing.F) {
	for _, s := range []string{
		`{"id":1376016924429759243,"kakao_account":{"email":"a@x","is_email_valid":true,"is_email_verified":true}}`,
		`{"id":1,"connected_at":"2024-03-05T08:12:44Z","properties":{"a":"b"},"kakao_account":{"age_range":"0~9","gender":"MALE","profile":{}}}`,
		`{"id":1.5}`, `[]`, `null`, `{"kakao_account":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var u User
		if err := decodeJSON(body, &u); err != nil {
			return
		}
		if u.KakaoAccount.EmailVerified() && (u.KakaoAccount.Email == "" || !*u.KakaoAccount.IsEmailValid || !*u.KakaoAccount.IsEmailVerified) {
			t.Errorf("EmailVerified true for %+v", u.KakaoAccount)
		}
		if u.KakaoAccount != nil && u.KakaoAccount.AgeRange == "0~9" {
			t.Errorf("0~9 not normalised")
		}
	})
}

func FuzzDecodeUsers(f *testing.F) {
	for _, s := range []string{`[{"id":1}]`, `{"elements":[{"id":2}]}`, ` [ ]`, `{}`, `null`, `[{"id":0}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var l userList
		if err := decodeJSON(body, &l); err != nil {
			return
		}
		for _, u := range l {
			if u.ID <= 0 {
				t.Errorf("accepted a user without id")
			}
		}
	})
}

func FuzzDecodeToken(f *testing.F) {
	for _, s := range []string{
		`{"token_type":"bearer","access_token":"AT","expires_in":21599,"refresh_token":"RT","refresh_token_expires_in":5183999,"scope":"a b","id_token":"x.y.z"}`,
		`{"token_type":"Bearer","access_token":"AT","expires_in":1}`,
		`{"error":"x"}`, `{"expires_in":"1"}`, `{"expires_in":1e400}`, `<html>`, ``,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := parseToken(body, now)
		if err != nil {
			if !knownTokenError(err.Error()) {
				t.Errorf("error %q is not one of the fixed messages (it may quote the body)", err)
			}
			return
		}
		if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "bearer") || !tok.Expiry.After(now) ||
			tok.Expiry.After(now.Add(maxLifetime*time.Second)) {
			t.Errorf("accepted an invalid token answer: %v", tok)
		}
		if !tok.RefreshExpiry.IsZero() && (tok.RefreshToken == "" || !tok.RefreshExpiry.After(now)) {
			t.Errorf("refresh expiry %v without a valid refresh token", tok.RefreshExpiry)
		}
	})
}

// knownTokenError reports whether msg is one of parseToken's fixed messages,
// which name at most a struct field and never carry body text.
func knownTokenError(msg string) bool {
	reason, ok := strings.CutPrefix(msg, "malformed response: ")
	if !ok {
		return false
	}
	switch reason {
	case "not the expected JSON", "success answer carries an error field", "missing access_token",
		"token_type is not bearer", "expires_in missing or out of range", "refresh_token_expires_in out of range":
		return true
	}
	return fieldTypeError.MatchString(reason)
}

var fieldTypeError = regexp.MustCompile(`^field [a-z_]+ has the wrong type$`)

func FuzzDecodeAPIError(f *testing.F) {
	f.Add(401, []byte(`{"msg":"this access token does not exist","code":-401}`), "")
	f.Add(403, []byte(`{"msg":"x","code":-402,"api_type":"A","required_scopes":["a"],"allowed_scopes":[]}`), "30")
	f.Add(500, []byte(`<html>`), "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(400, []byte(`{"code":1e99,"msg":null}`), "-1")
	f.Fuzz(func(t *testing.T, status int, body []byte, retry string) {
		r := &response{status: status, header: http.Header{"Retry-After": {retry}}, body: body}
		e := parseAPIError(r, "/v2/user/revoke/scopes")
		msg := e.Error()
		if !utf8.ValidString(msg) || len(msg) > 1400 { // 200 clipped bytes, each at most 6 when quoted
			t.Errorf("Error() = %q", msg)
		}
		if e.RetryAfter < 0 {
			t.Errorf("negative RetryAfter")
		}
		for _, s := range sentinelsForFuzz {
			_ = e.Is(s)
		}
	})
}

func FuzzDecodeAuthError(f *testing.F) {
	f.Add(400, []byte(`{"error":"invalid_grant","error_description":"authorization code not found for code=x","error_code":"KOE320"}`))
	f.Add(401, []byte(`{"error":"invalid_client","error_code":"KOE010"}`))
	f.Add(429, []byte(`{"error":7,"error_code":["KOE237"]}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := parseAuthError(&response{status: status, header: http.Header{}, body: body}, "/oauth/token")
		if safeToken(e.Code) != e.Code || safeToken(string(e.KOE)) != string(e.KOE) {
			t.Errorf("unsafe code kept: %q %q", e.Code, e.KOE)
		}
		if e.Description != "" && len(e.Description) > 3 && strings.Contains(e.Error(), e.Description) {
			t.Errorf("Error() %q carries the description", e.Error())
		}
		for _, s := range sentinelsForFuzz {
			_ = e.Is(s)
		}
	})
}

func FuzzParseAuthorizeError(f *testing.F) {
	for _, s := range []string{"error=access_denied&error_description=User%20denied%20access&state=s", "code=x", "error=%3Cb%3E&error=x", "error_description=%FF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		e := ParseAuthorizeError(q)
		if e == nil {
			if _, ok := q["error"]; ok {
				t.Errorf("error parameter ignored")
			}
			return
		}
		if e.Code != AuthorizeInvalid && safeToken(string(e.Code)) != string(e.Code) {
			t.Errorf("unsafe code %q", e.Code)
		}
		if !utf8.ValidString(e.Description) || len(e.Description) > 256 {
			t.Errorf("description not clean: %q", e.Description)
		}
	})
}

func FuzzDecodeResponses(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"scopes":[{"id":"a","revocable":true}]}`,
		`{"user_id":1,"shipping_addresses":[{"id":1,"updated_at":1700000000}]}`,
		`{"id":1,"expires_in":5,"app_id":2}`,
		`{"iss":"x","sub":"1","iat":-9223372036854775808}`,
		`{"elements":[1,2],"after_url":"http://x/?from_id=3&limit=a"}`,
		`{"id":1,"service_terms":[{"tag":"t","agreed_at":"2024-03-05T08:12:44Z"}]}`,
		`{"id":1,"revoked_service_terms":[{"tag":"t","agreed":false}]}`,
		`{"id":1,"expires_in":5}`, `{"id":1,"app_id":0,"expires_in":5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = decodeJSON(body, new(ScopeInfo))
		_ = decodeJSON(body, new(ShippingInfo))
		var ti AccessTokenInfo
		if decodeJSON(body, &ti) == nil && (ti.AppID <= 0 || ti.ExpiresIn < 0) {
			t.Errorf("access token info accepted with app_id %d, expires_in %v", ti.AppID, ti.ExpiresIn)
		}
		_ = decodeJSON(body, new(IDTokenClaims))
		_ = decodeJSON(body, new(UserInfo))
		_ = decodeJSON(body, new(Discovery))
		_ = decodeJSON(body, new(ServiceTermsInfo))
		var p UserIDPage
		if decodeJSON(body, &p) == nil {
			p.Next()
			p.Prev()
		}
	})
}

var sentinelsForFuzz = []error{
	ErrInvalidToken, ErrInsufficientScope, ErrNotLinked, ErrRateLimited, ErrInvalidGrant, ErrCodeUsed,
	ErrRefreshTokenInvalid, ErrInvalidClient, ErrRedirectMismatch, ErrAlreadyRegistered, ErrNotRevocable,
	ErrBadParameter, ErrUnavailable, ErrUnknownProperty, ErrUnderAge, ErrMalformedResponse, ErrResponseTooLarge,
}
