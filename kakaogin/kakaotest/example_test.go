package kakaotest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// The authorize + token dance against the fake with plain net/http.
func Example() {
	fake := kakaotest.NewServer(kakaotest.WithRedirectURI("http://app.test/callback"))
	defer fake.Close()

	verifier := "a-long-random-pkce-verifier-0123456789abcdef"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"client_id": {fake.ClientID}, "redirect_uri": {"http://app.test/callback"},
		"response_type": {"code"}, "state": {"xyz"}, "nonce": {"n1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(fake.URL + "/oauth/authorize?" + q.Encode())
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	fmt.Println(resp.StatusCode, loc.Query().Get("state"))

	resp, err = http.PostForm(fake.URL+"/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret},
		"redirect_uri": {"http://app.test/callback"}, "code": {loc.Query().Get("code")}, "code_verifier": {verifier},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var tok kakaotest.Tokens
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	fmt.Println(resp.StatusCode, tok.TokenType, tok.ExpiresIn, tok.IDToken != "")

	req, _ := http.NewRequest(http.MethodGet, fake.URL+"/v2/user/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	me, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer me.Body.Close()
	var user struct {
		ID      int64 `json:"id"`
		Account struct {
			Profile struct {
				Nickname string `json:"nickname"`
			} `json:"profile"`
		} `json:"kakao_account"`
	}
	_ = json.NewDecoder(me.Body).Decode(&user)
	fmt.Println(user.ID, user.Account.Profile.Nickname)
	// Output:
	// 302 xyz
	// 200 bearer 21599 true
	// 4012345678 민지
}
