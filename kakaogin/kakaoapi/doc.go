// Package kakaoapi is a typed client for the Kakao Login REST APIs: the
// authorization server kauth.kakao.com (authorize and logout URLs, token
// exchange and refresh, OpenID Connect discovery, ID-token info) and the
// API server kapi.kakao.com (user info, OIDC userinfo, access-token info,
// logout, unlink, signup, consent details and revocation, service terms,
// user properties, shipping addresses and the admin-key user APIs).
//
// It has no web-framework dependency; package kakaogin builds the Gin
// integration on it, and package kakaotest fakes Kakao's servers for tests.
//
//	c, err := kakaoapi.New(kakaoapi.Config{
//		ClientID:     os.Getenv("KAKAO_REST_API_KEY"),
//		ClientSecret: os.Getenv("KAKAO_CLIENT_SECRET"),
//		RedirectURL:  "https://example.com/auth/kakao/callback",
//	})
//	verifier := oauth2.GenerateVerifier()
//	http.Redirect(w, r, c.AuthCodeURL(kakaoapi.AuthRequest{State: state, Nonce: nonce, Verifier: verifier}), http.StatusFound)
//	// … in the callback, after checking state:
//	tok, err := c.Exchange(ctx, r.URL.Query().Get("code"), verifier)
//	user, err := c.Me(ctx, kakaoapi.Bearer(tok.AccessToken), nil)
//
// # Credentials
//
// kapi methods take an Auth: Bearer (a user's access token), BearerFrom or
// TokenSource (an access token obtained at call time, e.g. refreshed), or
// Admin (the app's admin key plus the target user ID, for server-side
// calls). The admin-only APIs UserIDs and Users take the admin key itself.
// The client secret travels only in token request bodies. No error message,
// String or GoString output of this package contains a token, the secret or
// the admin key.
//
// # Errors
//
// Kakao's error answers become *APIError (kapi, with Code and the -402
// scope lists) or *AuthError (kauth, with the OAuth error and the KOE code);
// network failures become *TransportError. All three match the package's
// sentinel errors with errors.Is, for example:
//
//	switch {
//	case errors.Is(err, kakaoapi.ErrInvalidToken):      // refresh, then retry once
//	case errors.Is(err, kakaoapi.ErrInsufficientScope): // ask for additional consent
//	case errors.Is(err, kakaoapi.ErrRateLimited):       // back off
//	case errors.Is(err, kakaoapi.ErrUnavailable):       // "Kakao is unavailable, try again"
//	}
//
// KOE.Hint and Code.Hint explain codes to operators. Kakao's free-text
// messages are kept in the typed errors but never drive behaviour.
//
// # HTTP
//
// Every call takes a context and makes exactly one HTTP request. The default
// client (NewHTTPClient) has connect, TLS, response-header and overall
// timeouts, never follows redirects, and caps response bodies; a caller's
// own *http.Client is used through a copy that enforces the same redirect
// and size rules.
package kakaoapi
