package kakaotest

import (
	"errors"
	"fmt"
)

// ErrUnknownAppKey is returned by SDKLogin for a key that is not one of
// the app's SDK keys.
var ErrUnknownAppKey = errors.New("app key not configured")

// SDKLogin does what Kakao's iOS, Android or JavaScript SDK does when an
// app initialised with key (NativeAppKey or JavaScriptKey) logs userID in
// and the user agrees to scopes: it links the user, records the consent and
// returns the tokens the app then holds. The ID token (with OIDC on, as by
// default) names key as its audience, not the REST API key, and carries
// nonce when it is not empty, as the SDKs' login calls take one; the
// access token belongs to this app (AppID). FailIDToken and
// MutateIDTokenClaims apply to its ID token as to the web flow's.
func (s *Server) SDKLogin(userID int64, key, nonce string, scopes ...string) (Tokens, error) {
	if key != s.NativeAppKey && key != s.JavaScriptKey {
		return Tokens{}, fmt.Errorf("kakaotest: SDK login: %w", ErrUnknownAppKey)
	}
	return s.sdkLogin(userID, 0, key, nonce, scopes)
}

// OtherAppSDKLogin returns what another app (OtherAppID, initialised with
// OtherAppKey) holds after its SDK logged userID in with nonce: an access
// token that Kakao's access-token info reports for OtherAppID, and an ID
// token for OtherAppKey, both genuine and signed by Kakao's keys. A server
// that accepted them would let that app's operator log in as the user
// (token substitution). /v2/user/me answers for the user with them.
func (s *Server) OtherAppSDKLogin(userID int64, nonce string) (Tokens, error) {
	return s.sdkLogin(userID, s.OtherAppID, s.OtherAppKey, nonce, nil)
}

func (s *Server) sdkLogin(userID, appID int64, aud, nonce string, scopes []string) (Tokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The fake keeps one state per user: the other app's login links the
	// user here too, so that /v2/user/me answers for its token.
	st, err := s.loginDirectly("SDK login", userID, scopes)
	if err != nil {
		return Tokens{}, err
	}
	t := s.issueTokens(st, false, "", s.now())
	if appID != 0 {
		s.access[t.AccessToken].appID = appID
	}
	if s.beh.OIDC {
		t.IDToken = s.idTokenFor(st, aud, nonce, s.now())
		if t.Scope != "" {
			t.Scope += " "
		}
		t.Scope += "openid"
	}
	return t, nil
}
