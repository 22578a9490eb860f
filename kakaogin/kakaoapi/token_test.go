package kakaoapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// TestExchangeParsesToken checks the §2.2 answer and expiry computation
// with the injected clock.
func TestExchangeParsesToken(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusOK, tokenBody)
	tok, err := s.client(t).Exchange(t.Context(), "code", "verifier")
	if err != nil {
		t.Fatal(err)
	}
	want := kakaoapi.Token{
		AccessToken: "AT", TokenType: "bearer", RefreshToken: "RT", IDToken: "a.b.c",
		Scopes: []string{"openid", "profile_nickname"},
		Expiry: testNow.Add(21599 * time.Second), RefreshExpiry: testNow.Add(5183999 * time.Second),
	}
	if tok.AccessToken != want.AccessToken || tok.TokenType != want.TokenType || tok.RefreshToken != want.RefreshToken ||
		tok.IDToken != want.IDToken || !slices.Equal(tok.Scopes, want.Scopes) ||
		!tok.Expiry.Equal(want.Expiry) || !tok.RefreshExpiry.Equal(want.RefreshExpiry) {
		t.Errorf("got %#v\nwant %#v", *tok, want)
	}
}

// TestTokenStrictParsing checks C31: each malformation of a 200 answer is
// rejected with ErrMalformedResponse, without quoting the body.
func TestTokenStrictParsing(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"not JSON", `access_token=SECRET-AT&expires_in=60`},
		{"HTML", `<html><body>SECRET-AT</body></html>`},
		{"truncated JSON", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":6`},
		{"empty body", ``},
		{"JSON null", `null`},
		{"JSON array", `["SECRET-AT"]`},
		{"200 with an error field", `{"error":"invalid_grant","token_type":"bearer","access_token":"SECRET-AT","expires_in":60}`},
		{"200 with a null error field", `{"error":null,"token_type":"bearer","access_token":"SECRET-AT","expires_in":60}`},
		{"missing access_token", `{"token_type":"bearer","expires_in":60}`},
		{"empty access_token", `{"token_type":"bearer","access_token":"","expires_in":60}`},
		{"access_token not a string", `{"token_type":"bearer","access_token":12345,"expires_in":60}`},
		{"token_type mac", `{"token_type":"mac","access_token":"SECRET-AT","expires_in":60}`},
		{"token_type missing", `{"access_token":"SECRET-AT","expires_in":60}`},
		{"expires_in missing", `{"token_type":"bearer","access_token":"SECRET-AT"}`},
		{"expires_in negative", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":-1}`},
		{"expires_in zero", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":0}`},
		{"expires_in huge", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":99999999999}`},
		{"expires_in beyond int64", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":1e30}`},
		{"expires_in fractional", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":1.5}`},
		{"expires_in string", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":"21599"}`},
		{"refresh_token_expires_in negative", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":60,"refresh_token":"R","refresh_token_expires_in":-5}`},
		{"id_token not a string", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":60,"id_token":{"alg":"none"}}`},
		{"id_token a number", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":60,"id_token":1}`},
		{"scope not a string", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":60,"scope":["openid"]}`},
		{"trailing garbage", `{"token_type":"bearer","access_token":"SECRET-AT","expires_in":60} x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t)
			s.reply(http.StatusOK, tt.body)
			tok, err := s.client(t).Exchange(t.Context(), "code", "verifier")
			if err == nil {
				t.Fatalf("accepted: %v", tok)
			}
			if !errors.Is(err, kakaoapi.ErrMalformedResponse) || !errors.Is(err, kakaoapi.ErrUnavailable) {
				t.Errorf("err %v, want ErrMalformedResponse and ErrUnavailable", err)
			}
			if strings.Contains(err.Error(), "SECRET-AT") {
				t.Errorf("error %q quotes the body", err)
			}
		})
	}
}

// TestTokenTypeCaseInsensitive checks "Bearer" is accepted as "bearer".
func TestTokenTypeCaseInsensitive(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusOK, `{"token_type":"Bearer","access_token":"AT","expires_in":60}`)
	tok, err := s.client(t).Exchange(t.Context(), "code", "")
	if err != nil {
		t.Fatal(err)
	}
	if tok.IDToken != "" || tok.Scopes != nil || !tok.RefreshExpiry.IsZero() {
		t.Errorf("absent fields not zero: %#v", *tok)
	}
}

// TestRefreshRotation checks Kakao's rotation rule (§2.5, C95): without a
// new refresh token the old one and its expiry are kept; a new one replaces
// them.
func TestRefreshRotation(t *testing.T) {
	prevExpiry := testNow.Add(40 * 24 * time.Hour)
	prev := &kakaoapi.Token{AccessToken: "old-AT", RefreshToken: "old-RT", RefreshExpiry: prevExpiry, IDToken: "old.id.token", Scopes: []string{"openid", "account_email"}}
	tests := []struct {
		name        string
		body        string
		wantRT      string
		wantRTExp   time.Time
		wantIDToken string
	}{
		{
			name:   "no refresh token in the answer keeps the old one",
			body:   `{"token_type":"bearer","access_token":"new-AT","expires_in":21599}`,
			wantRT: "old-RT", wantRTExp: prevExpiry,
		},
		{
			name:   "a rotated refresh token replaces the old one",
			body:   `{"token_type":"bearer","access_token":"new-AT","expires_in":21599,"refresh_token":"new-RT","refresh_token_expires_in":5183999,"id_token":"new.id.token"}`,
			wantRT: "new-RT", wantRTExp: testNow.Add(5183999 * time.Second), wantIDToken: "new.id.token",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t)
			s.reply(http.StatusOK, tt.body)
			tok, err := s.client(t).Refresh(t.Context(), prev)
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "new-AT" || !tok.Expiry.Equal(testNow.Add(21599*time.Second)) {
				t.Errorf("access token %q expiry %v", tok.AccessToken, tok.Expiry)
			}
			if tok.RefreshToken != tt.wantRT || !tok.RefreshExpiry.Equal(tt.wantRTExp) {
				t.Errorf("refresh token %q expiry %v, want %q %v", tok.RefreshToken, tok.RefreshExpiry, tt.wantRT, tt.wantRTExp)
			}
			if tok.IDToken != tt.wantIDToken {
				t.Errorf("ID token %q, want %q", tok.IDToken, tt.wantIDToken)
			}
			if !slices.Equal(tok.Scopes, prev.Scopes) {
				t.Errorf("scopes %v, want the previous %v", tok.Scopes, prev.Scopes)
			}
			if prev.RefreshToken != "old-RT" || prev.AccessToken != "old-AT" {
				t.Errorf("previous token modified")
			}
		})
	}
}

// TestTokenCallsWithoutInput checks argument errors send nothing.
func TestTokenCallsWithoutInput(t *testing.T) {
	s := newStub(t)
	c := s.client(t)
	if _, err := c.Exchange(t.Context(), "", "v"); err == nil {
		t.Error("Exchange accepted an empty code")
	}
	if _, err := c.Refresh(t.Context(), nil); err == nil {
		t.Error("Refresh accepted a nil token")
	}
	if _, err := c.Refresh(t.Context(), &kakaoapi.Token{AccessToken: "x"}); err == nil {
		t.Error("Refresh accepted a token without refresh token")
	}
	noRedirect := s.client(t, func(c *kakaoapi.Config) { c.RedirectURL = "" })
	if _, err := noRedirect.Exchange(t.Context(), "code", "v"); err == nil {
		t.Error("Exchange without RedirectURL")
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestTokenOAuth2 checks the x/oauth2 conversion.
func TestTokenOAuth2(t *testing.T) {
	tok := &kakaoapi.Token{AccessToken: "AT", TokenType: "bearer", RefreshToken: "RT", IDToken: "a.b.c", Scopes: []string{"openid", "x"}, Expiry: testNow}
	ot := tok.OAuth2()
	if ot.AccessToken != "AT" || ot.RefreshToken != "RT" || ot.Type() != "Bearer" || !ot.Expiry.Equal(testNow) {
		t.Errorf("got %+v", ot)
	}
	if ot.Extra("id_token") != "a.b.c" || ot.Extra("scope") != "openid x" {
		t.Errorf("extra id_token %v scope %v", ot.Extra("id_token"), ot.Extra("scope"))
	}
}

// TestTokenPrintsNoSecrets checks that formatting a Token hides its tokens
// (C101).
func TestTokenPrintsNoSecrets(t *testing.T) {
	tok := kakaoapi.Token{AccessToken: "SECRET-AT", TokenType: "bearer", RefreshToken: "SECRET-RT", IDToken: "SECRET.ID.TOKEN", Expiry: testNow}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{tok, &tok} {
			out := fmt.Sprintf(format, v)
			if strings.Contains(out, "SECRET") {
				t.Errorf("%s prints %q", format, out)
			}
		}
	}
}
