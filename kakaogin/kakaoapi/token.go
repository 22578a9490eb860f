package kakaoapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// The token calls are made here rather than with oauth2.Config.Exchange and
// oauth2's token sources, because:
//   - Kakao's errors carry a KOE code (KOE320, KOE322, KOE010, …) that
//     callers branch on; oauth2 gives a *RetrieveError whose Body would have
//     to be re-parsed and which invites logging a body that holds tokens.
//   - oauth2 accepts loosely formed answers (string expires_in, 200 with an
//     error field, any token_type); Kakao's answers are parsed strictly here.
//   - oauth2's auto-detected client authentication can send the secret in
//     a Basic header and retry the request; here the secret travels only in
//     the form body and each call is exactly one request (a code is
//     single-use, so a retried exchange could only fail).
//   - Kakao's refresh rotation rule (a refresh response usually has no
//     refresh_token, and then the old one stays valid) is applied by Refresh.
// Token.OAuth2 converts the result for code that wants an *oauth2.Token.

// maxLifetime bounds expires_in values; Kakao's longest is about 60 days.
const maxLifetime = 366 * 24 * 60 * 60

// Token is the answer of the token endpoint, for a code exchange or a
// refresh. Printing a Token never shows the tokens.
type Token struct {
	AccessToken  string
	TokenType    string // "bearer"
	RefreshToken string
	// IDToken is the raw, unverified ID token (empty when none was issued).
	// Verify it (signature, issuer, audience, expiry and the login's nonce)
	// before trusting its claims.
	IDToken string
	// Scopes are the granted scope IDs; nil when the answer had no scope.
	Scopes []string
	// Expiry is when AccessToken (and IDToken) expire, computed from
	// expires_in and the Client's clock when the answer arrived.
	Expiry time.Time
	// RefreshExpiry is when RefreshToken expires; zero if unknown.
	RefreshExpiry time.Time
}

// Exchange trades an authorization code for tokens, sending
// redirect_uri from the Config, the client secret in the body, and verifier
// as code_verifier when not empty. It makes exactly one request. A used,
// unknown or expired code gives an error matching ErrCodeUsed.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (*Token, error) {
	const op = "token exchange"
	if code == "" {
		return nil, errors.New("kakaoapi: token exchange: empty code")
	}
	if c.redirectURL == "" {
		return nil, errors.New("kakaoapi: token exchange: Config.RedirectURL is not set")
	}
	form := url.Values{
		"grant_type":   {"authorization_code"},
		"client_id":    {c.clientID},
		"redirect_uri": {c.redirectURL},
		"code":         {code},
	}
	setIf(form, "code_verifier", verifier)
	return c.token(ctx, op, form)
}

// Refresh gets a new access token with prev.RefreshToken. Following
// Kakao's rotation rule, when the answer has no refresh token the result
// keeps prev's RefreshToken and RefreshExpiry; a new one replaces them (and
// prev's refresh token is then dead). When the answer has no scope, prev's
// Scopes are kept. IDToken is set only if a new one was issued. A caller
// holding only a refresh token can pass &Token{RefreshToken: rt}. A dead
// refresh token gives an error matching ErrRefreshTokenInvalid.
func (c *Client) Refresh(ctx context.Context, prev *Token) (*Token, error) {
	const op = "token refresh"
	if prev == nil || prev.RefreshToken == "" {
		return nil, errors.New("kakaoapi: token refresh: no refresh token")
	}
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {c.clientID},
		"refresh_token": {prev.RefreshToken},
	}
	t, err := c.token(ctx, op, form)
	if err != nil {
		return nil, err
	}
	if t.RefreshToken == "" {
		t.RefreshToken, t.RefreshExpiry = prev.RefreshToken, prev.RefreshExpiry
	}
	if t.Scopes == nil && prev.Scopes != nil {
		t.Scopes = append([]string(nil), prev.Scopes...)
	}
	return t, nil
}

func (c *Client) token(ctx context.Context, op string, form url.Values) (*Token, error) {
	setIf(form, "client_secret", c.clientSecret)
	body, err := c.kauth(ctx, op, http.MethodPost, "/oauth/token", form, MaxTokenResponse)
	if err != nil {
		return nil, err
	}
	t, err := parseToken(body, c.now())
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return t, nil
}

// tokenJSON is the wire form; pointers tell absent from zero.
type tokenJSON struct {
	TokenType             *string         `json:"token_type"`
	AccessToken           string          `json:"access_token"`
	IDToken               string          `json:"id_token"`
	ExpiresIn             *int64          `json:"expires_in"`
	RefreshToken          string          `json:"refresh_token"`
	RefreshTokenExpiresIn *int64          `json:"refresh_token_expires_in"`
	Scope                 *string         `json:"scope"`
	Error                 json.RawMessage `json:"error"`
}

// parseToken parses a 200 token answer strictly. Errors never contain the
// body, since it holds tokens.
func parseToken(body []byte, now time.Time) (*Token, error) {
	var j tokenJSON
	if err := decodeJSON(body, &j); err != nil {
		return nil, err
	}
	switch {
	case j.Error != nil:
		return nil, malformed("success answer carries an error field")
	case j.AccessToken == "":
		return nil, malformed("missing access_token")
	case j.TokenType == nil || !strings.EqualFold(*j.TokenType, "bearer"):
		return nil, malformed("token_type is not bearer")
	case !validLifetime(j.ExpiresIn):
		return nil, malformed("expires_in missing or out of range")
	case j.RefreshTokenExpiresIn != nil && !validLifetime(j.RefreshTokenExpiresIn):
		return nil, malformed("refresh_token_expires_in out of range")
	}
	t := &Token{
		AccessToken:  j.AccessToken,
		TokenType:    *j.TokenType,
		RefreshToken: j.RefreshToken,
		IDToken:      j.IDToken,
		Expiry:       now.Add(time.Duration(*j.ExpiresIn) * time.Second),
	}
	if j.RefreshToken != "" && j.RefreshTokenExpiresIn != nil {
		t.RefreshExpiry = now.Add(time.Duration(*j.RefreshTokenExpiresIn) * time.Second)
	}
	if j.Scope != nil {
		t.Scopes = strings.Fields(*j.Scope)
	}
	return t, nil
}

func validLifetime(s *int64) bool { return s != nil && *s > 0 && *s <= maxLifetime }

// OAuth2 converts t for x/oauth2 users. The ID token and scope are in the
// result's extra data ("id_token", "scope").
func (t *Token) OAuth2() *oauth2.Token {
	ot := &oauth2.Token{
		AccessToken:  t.AccessToken,
		TokenType:    t.TokenType,
		RefreshToken: t.RefreshToken,
		Expiry:       t.Expiry,
	}
	extra := map[string]any{}
	if t.IDToken != "" {
		extra["id_token"] = t.IDToken
	}
	if t.Scopes != nil {
		extra["scope"] = strings.Join(t.Scopes, " ")
	}
	return ot.WithExtra(extra)
}

// String describes t without its tokens.
func (t Token) String() string {
	return fmt.Sprintf("kakaoapi.Token{type=%s expiry=%s refresh=%t id_token=%t scopes=%v}",
		t.TokenType, t.Expiry.Format(time.RFC3339), t.RefreshToken != "", t.IDToken != "", t.Scopes)
}

// GoString is String, so %#v does not print the tokens either.
func (t Token) GoString() string { return t.String() }
