// Package idtoken verifies Kakao's OpenID Connect ID tokens for kakaogin.
// Its files follow the protocol's steps: discovery.go reads Kakao's
// discovery document and builds the Verifier, keyset.go fetches and caches
// Kakao's signing keys, verify.go checks a token, kakaoid.go parses the
// user ID a token (or Kakao's unlink callback) names.
//
//	p := idtoken.NewProvider(idtoken.Config{
//		Issuer:     "https://kauth.kakao.com",
//		ClientID:   restAPIKey,
//		Discovery:  api, // a *kakaoapi.Client
//		HTTPClient: api.HTTPClient(),
//		Now:        time.Now,
//	})
//	v, err := p.Verifier(ctx) // errors match ErrDiscovery
//	claims, err := v.Verify(ctx, tok.IDToken, idtoken.Checks{Nonce: nonce, MaxAge: idtoken.MaxExchangeAge})
//
// # What go-oidc checks
//
// Verify hands the token to go-oidc's IDTokenVerifier, which checks:
//   - that the token is a JWS with exactly one signature whose alg is RS256;
//   - the signature, with a key from this package's key set;
//   - that the claims decode into their standard types (iss, sub, nonce and
//     at_hash strings, aud a string or an array of strings, exp, iat and nbf
//     numbers) and that any distributed claims name a source;
//   - that iss equals the configured issuer exactly;
//   - that aud contains the client ID.
//
// Of go-oidc's skip flags only SkipExpiryCheck is set: the signature
// (InsecureSkipSignatureCheck), issuer (SkipIssuerCheck) and audience
// (SkipClientIDCheck) checks above stay on. SkipExpiryCheck switches off
// both of go-oidc's time checks, exp and nbf (which it would check with a
// fixed five minutes of leeway); go-oidc checks no other time claim. This
// package checks all four registered time claims itself, with one leeway.
//
// # What this package checks
//
// Before go-oidc sees the token: it is at most 16 KiB and has the shape of a
// compact JWS (three parts of base64url characters), so that oversized
// input, encrypted tokens (JWE) and the JSON serialization are refused
// before any parser runs.
//
// In the key set, which go-oidc calls for the signature: only RS256 and only
// keys Kakao publishes; a token's own jwk, jku, x5u or x5c header is never
// used, and a token with a crit header is refused, so that a token cannot
// bring the key that verifies it. A token without kid is accepted when
// exactly one published key verifies it. Keys Kakao publishes that cannot be
// used (other key types, encryption keys, unparseable) are skipped. The set
// is fetched on first use and cached; an unknown kid, which may mean Kakao
// rotated its keys, causes a refetch at most once per 30 seconds per key ID
// and three times a minute in all, with concurrent refetches merged into one
// request, because Kakao may block clients that fetch its keys too often.
// Cached keys keep verifying while the key set cannot be fetched.
//
// After go-oidc:
//   - none of iss, aud, sub, nonce, exp, iat, nbf, auth_time and azp appears twice,
//     so that two JSON parsers cannot read different values from one token;
//   - aud is exactly the client ID (a string or a one-element array), and
//     azp, when present, is the client ID: a token for another app is refused;
//   - sub is a Kakao user ID in canonical form (see ParseKakaoID);
//   - exp, iat, nbf and auth_time, when present, are JSON numbers between
//     the Unix epoch and the year 9999, read by this package rather than
//     taken from go-oidc, so that no overflow turns a far-future time into
//     a past one;
//   - exp is present and not past, with 60 seconds of clock leeway;
//   - iat is present, not more than 60 seconds ahead, and within Checks.MaxAge;
//   - nbf, when present, is not more than 60 seconds ahead;
//   - auth_time, when present, is not more than 60 seconds ahead;
//   - nonce equals Checks.Nonce, compared in constant time, so that a token
//     from another login attempt cannot be replayed;
//   - auth_time is present and not before Checks.AuthAfter (less the leeway)
//     when the user had to authenticate again;
//   - at_hash, when present, matches Checks.AccessToken.
//
// At discovery, Provider requires the document's issuer to equal the
// configured issuer exactly and its jwks_uri to be on the issuer's scheme
// and host, and spaces attempts ten seconds apart after a failed fetch.
//
// No error text of this package contains the token.
package idtoken
