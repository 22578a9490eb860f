package kakaoapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// Discovery is Kakao's OpenID Connect discovery document.
type Discovery struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURL                           string   `json:"jwks_uri"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	RequestURIParameterSupported      *bool    `json:"request_uri_parameter_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
}

// Discover fetches the discovery document
// (/.well-known/openid-configuration). It does not compare Issuer with an
// expected value; the caller must, or a wrong base URL could hand it
// another issuer's keys.
func (c *Client) Discover(ctx context.Context) (*Discovery, error) {
	const op = "discovery"
	body, err := c.kauth(ctx, op, http.MethodGet, "/.well-known/openid-configuration", nil, MaxTokenResponse)
	if err != nil {
		return nil, err
	}
	var d Discovery
	if err := decodeJSON(body, &d); err != nil {
		return nil, wrapErr(op, err)
	}
	if d.Issuer == "" || d.JWKSURL == "" {
		return nil, wrapMalformed(op, "missing issuer or jwks_uri")
	}
	return &d, nil
}

// IDTokenClaims are the claims of an ID token as decoded by Kakao's
// ID-token info API.
type IDTokenClaims struct {
	Issuer   string    `json:"iss"`
	Audience string    `json:"aud"`
	Subject  string    `json:"sub"`
	IssuedAt time.Time `json:"-"`
	Expiry   time.Time `json:"-"`
	AuthTime time.Time `json:"-"`
	Nonce    string    `json:"nonce,omitempty"`
	Nickname string    `json:"nickname,omitempty"`
	Picture  string    `json:"picture,omitempty"`
	Email    string    `json:"email,omitempty"`
}

// UnmarshalJSON decodes the claims, with iat, exp and auth_time as Unix
// seconds.
func (c *IDTokenClaims) UnmarshalJSON(b []byte) error {
	type plain IDTokenClaims
	var j struct {
		plain
		IAT      *int64 `json:"iat"`
		Exp      *int64 `json:"exp"`
		AuthTime *int64 `json:"auth_time"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = IDTokenClaims(j.plain)
	c.IssuedAt, c.Expiry, c.AuthTime = unixTime(j.IAT), unixTime(j.Exp), unixTime(j.AuthTime)
	return nil
}

// IDTokenInfo asks Kakao to decode idToken (/oauth/tokeninfo). It is
// for debugging only: Kakao forbids using it to validate tokens in
// production; verify ID tokens locally with the JWKS. An invalid token gives
// an error matching ErrInvalidToken.
func (c *Client) IDTokenInfo(ctx context.Context, idToken string) (*IDTokenClaims, error) {
	const op = "id token info"
	if idToken == "" {
		return nil, errors.New("kakaoapi: id token info: empty ID token")
	}
	body, err := c.kauth(ctx, op, http.MethodPost, "/oauth/tokeninfo", url.Values{"id_token": {idToken}}, MaxResponse)
	if err != nil {
		return nil, err
	}
	var claims IDTokenClaims
	if err := decodeJSON(body, &claims); err != nil {
		return nil, wrapErr(op, err)
	}
	if claims.Subject == "" {
		return nil, wrapMalformed(op, "missing sub")
	}
	return &claims, nil
}

// UserInfo is the OpenID Connect userinfo answer. Claims the user did
// not consent to are empty (nil for the booleans).
type UserInfo struct {
	Subject       string `json:"sub"`
	Name          string `json:"name,omitempty"`
	Nickname      string `json:"nickname,omitempty"`
	Picture       string `json:"picture,omitempty"`
	Email         string `json:"email,omitempty"`
	EmailVerified *bool  `json:"email_verified,omitempty"` // verified and still valid
	Gender        Gender `json:"gender,omitempty"`
	// Birthdate is "YYYY-MM-DD", "0000-MM-DD" (no year) or "YYYY" (year
	// only).
	Birthdate           string `json:"birthdate,omitempty"`
	PhoneNumber         string `json:"phone_number,omitempty"`
	PhoneNumberVerified *bool  `json:"phone_number_verified,omitempty"`
}

// UserInfo returns the OIDC userinfo of the user who owns the access token
// (/v1/oidc/userinfo). auth must be a user token. The caller must check
// that Subject equals the verified ID token's sub, or the answer may describe
// another user.
func (c *Client) UserInfo(ctx context.Context, auth Auth) (*UserInfo, error) {
	e := endpoint{op: "oidc userinfo", method: http.MethodGet, path: "/v1/oidc/userinfo", userOnly: true}
	var u UserInfo
	if err := c.api(ctx, e, auth, nil, &u); err != nil {
		return nil, err
	}
	if u.Subject == "" {
		return nil, wrapMalformed(e.op, "missing sub")
	}
	return &u, nil
}

// unixTime converts optional Unix seconds; nil gives the zero time.
func unixTime(s *int64) time.Time {
	if s == nil {
		return time.Time{}
	}
	return time.Unix(*s, 0).UTC()
}
