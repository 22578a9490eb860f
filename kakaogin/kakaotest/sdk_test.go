package kakaotest

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestSDKLoginTokens(t *testing.T) {
	s := newFake(t)
	for _, key := range []string{s.NativeAppKey, s.JavaScriptKey} {
		tok, err := s.SDKLogin(UserMinji, key, "app-nonce", "account_email")
		if err != nil {
			t.Fatal(err)
		}
		c := decodeClaims(t, tok.IDToken)
		if c["aud"] != key || c["nonce"] != "app-nonce" || c["sub"] != strconv.FormatInt(UserMinji, 10) {
			t.Fatalf("ID token claims %v: want aud = the SDK key, the app's nonce", c)
		}
		if err := verifyAud(t, s, tok.IDToken, key); err != nil {
			t.Fatalf("SDK ID token does not verify: %v", err)
		}
		st, info := get(t, s, PathAccessTokenInfo, nil, bearer(tok.AccessToken))
		if st != 200 || fmt.Sprint(info["app_id"]) != strconv.FormatInt(s.AppID, 10) || fmt.Sprint(info["id"]) != strconv.FormatInt(UserMinji, 10) {
			t.Fatalf("access token info %d %v", st, info)
		}
	}
	if _, err := s.SDKLogin(UserMinji, s.ClientID, ""); !errors.Is(err, ErrUnknownAppKey) {
		t.Fatalf("SDK login with the REST API key: %v, want ErrUnknownAppKey", err)
	}
	if _, err := s.SDKLogin(1, s.NativeAppKey, ""); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestOtherAppSDKLoginTokens(t *testing.T) {
	s := newFake(t)
	tok, err := s.OtherAppSDKLogin(UserMinji, "n")
	if err != nil {
		t.Fatal(err)
	}
	if c := decodeClaims(t, tok.IDToken); c["aud"] != s.OtherAppKey || c["nonce"] != "n" {
		t.Fatalf("other app's ID token claims %v", c)
	}
	st, info := get(t, s, PathAccessTokenInfo, nil, bearer(tok.AccessToken))
	if st != 200 || fmt.Sprint(info["app_id"]) != strconv.FormatInt(s.OtherAppID, 10) || s.OtherAppID == s.AppID {
		t.Fatalf("other app's access token info %d %v", st, info)
	}
	if st, me := get(t, s, PathMe, nil, bearer(tok.AccessToken)); st != 200 || fmt.Sprint(me["id"]) != strconv.FormatInt(UserMinji, 10) {
		t.Fatalf("user info with the other app's token: %d %v", st, me)
	}
}

// verifyAud checks an SDK ID token's signature against the published key
// set, its issuer and that its audience is aud.
func verifyAud(t *testing.T, s *Server, tok, aud string) error {
	t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return err
	}
	ks := fetchJWKS(t, s)
	keys := ks.Key(parsed.Headers[0].KeyID)
	if len(keys) == 0 {
		return errString("no published key")
	}
	var std jwt.Claims
	if err := parsed.Claims(keys[0].Key, &std); err != nil {
		return err
	}
	return std.ValidateWithLeeway(jwt.Expected{Issuer: s.URL, AnyAudience: jwt.Audience{aud}, Time: time.Now()}, time.Minute)
}
