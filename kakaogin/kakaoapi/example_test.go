package kakaoapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

func ExampleClient_AuthCodeURL() {
	c, err := kakaoapi.New(kakaoapi.Config{
		ClientID:     "my-rest-api-key",
		ClientSecret: "my-client-secret", // never appears in URLs
		RedirectURL:  "https://example.com/auth/kakao/callback",
	})
	if err != nil {
		log.Fatal(err)
	}
	// In a real login, State, Nonce and Verifier are fresh random values
	// (Verifier from oauth2.GenerateVerifier) kept server-side.
	fmt.Println(c.AuthCodeURL(kakaoapi.AuthRequest{
		State:    "state-123",
		Nonce:    "nonce-456",
		Verifier: "verifier-verifier-verifier-verifier-verifier-789",
		Scopes:   []string{"openid", "profile_nickname"},
	}))
	// Output:
	// https://kauth.kakao.com/oauth/authorize?client_id=my-rest-api-key&code_challenge=X3zfUtBGAIMkWi0Z_ZpBeO8GeJOdcrkjO6xZ1ypx_ek&code_challenge_method=S256&nonce=nonce-456&redirect_uri=https%3A%2F%2Fexample.com%2Fauth%2Fkakao%2Fcallback&response_type=code&scope=openid%2Cprofile_nickname&state=state-123
}

func ExampleClient_Exchange() {
	// A stand-in for kauth.kakao.com answering the token request.
	kakao := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		if r.FormValue("code") != "good-code" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant","error_description":"authorization code not found","error_code":"KOE320"}`)
			return
		}
		io.WriteString(w, `{"token_type":"bearer","access_token":"at","expires_in":21599,"refresh_token":"rt","refresh_token_expires_in":5183999,"scope":"openid profile_nickname","id_token":"h.p.s"}`)
	}))
	defer kakao.Close()

	c, err := kakaoapi.New(kakaoapi.Config{
		ClientID:    "my-rest-api-key",
		RedirectURL: "https://example.com/auth/kakao/callback",
		AuthURL:     kakao.URL,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	tok, err := c.Exchange(ctx, "good-code", "the-verifier-kept-since-login")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Scopes, tok.IDToken != "", time.Until(tok.Expiry) > 5*time.Hour)

	_, err = c.Exchange(ctx, "good-code-used-twice", "the-verifier-kept-since-login")
	var ae *kakaoapi.AuthError
	if errors.Is(err, kakaoapi.ErrCodeUsed) && errors.As(err, &ae) {
		fmt.Println("start the login again:", ae.KOE, "-", ae.KOE.Hint())
	}
	// Output:
	// [openid profile_nickname] true true
	// start the login again: KOE320 - the authorization code is unknown, already used or expired; start the login again
}

func ExampleClient_Me() {
	kakao := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":1376016924429759243,"kakao_account":{"profile":{"nickname":"민지"},"email_needs_agreement":false,"is_email_valid":true,"is_email_verified":true,"email":"minji@example.com"}}`)
	}))
	defer kakao.Close()
	c, err := kakaoapi.New(kakaoapi.Config{ClientID: "my-rest-api-key", APIURL: kakao.URL})
	if err != nil {
		log.Fatal(err)
	}
	u, err := c.Me(context.Background(), kakaoapi.Bearer("access-token"), &kakaoapi.MeOptions{SecureResource: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.ID, u.KakaoAccount.Profile.Nickname, u.KakaoAccount.EmailVerified())
	// Output:
	// 1376016924429759243 민지 true
}
