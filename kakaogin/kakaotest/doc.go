// Package kakaotest is a faithful fake of Kakao's authorization server
// (kauth.kakao.com) and API server (kapi.kakao.com) for tests and demo mode.
// Both hosts are served on one base URL, so point the client's AuthURL and
// APIURL at Server.URL (for kakaogin:
// Config.Endpoint = kakaogin.Endpoint{AuthURL: fake.URL, APIURL: fake.URL}).
// It imports only the standard library.
//
//	fake := kakaotest.NewServer(kakaotest.WithRedirectURI("http://app.test/auth/kakao/callback"))
//	defer fake.Close()
//	// client: ClientID=fake.ClientID, ClientSecret=fake.ClientSecret,
//	//         AuthURL=fake.URL, APIURL=fake.URL, AdminKey=fake.AdminKey
//	toks, _ := fake.IssueTokens(kakaotest.UserMinji, "account_email") // skip the browser
//
// # What it covers
//
// Every path of the Kakao Login REST API: /oauth/authorize (automatic
// approval, or with WithInteractiveConsent an HTML login + consent screen
// with a user picker and per-item checkboxes), /oauth/token (both grants,
// single-use codes bound to redirect_uri and the PKCE challenge, the
// client-secret check, refresh-token rotation), /oauth/logout,
// /oauth/tokeninfo, OIDC discovery, JWKS with RS256 ID tokens and key
// rotation, the SSF metadata, /v2/user/me (GET and POST, Bearer or admin key,
// property_keys, secure_resource, consent-gated fields with
// *_needs_agreement), access-token info, OIDC userinfo, logout, unlink,
// manual signup, update_profile, consent details and revocation, Kakao Sync
// service terms (status, revoke, upgrade), shipping addresses, and the admin
// APIs /v1/user/ids and /v2/app/users. It fires Kakao's webhooks at an app:
// the unlink callback (FireUnlinkCallback) and the account status change
// webhook's signed security events (FireSecurityEvent), rightly or wrongly
// made. Error bodies follow Kakao's two
// formats: kauth {"error","error_description","error_code"} and
// kapi {"msg","code"}; authorize errors that Kakao shows on its own page are
// an HTML page with the KOE code (also in the X-Kakaotest-Error-Code header).
//
// The fake keeps a "Kakao Account session" per browser in a cookie set when
// a user logs in on the fake; prompt=none answers login_required without
// it and consent_required when the user is not linked or something needs
// agreement; prompt=login ignores it. On the interactive screen, picking
// an account other than the one the screen was computed for shows the
// screen again, computed for the picked account, so that nothing it must
// consent to is granted unseen.
//
// Answers keep the shape of Kakao's samples: profile image URLs (in
// /v2/user/me without secure_resource, /v2/app/users and the ID token's
// picture) are on http, and a shipping address's empty strings are sent as
// "" rather than left out.
//
// # Test controls
//
// Fail injects a Fault (status, body, headers, delay, truncation, garbage)
// on any endpoint; FailIDToken and MutateIDTokenClaims break ID tokens;
// WithClock drives every expiry; Requests, Hits and Reset inspect the calls
// (secrets redacted); FireUnlinkCallback plays Kakao's unlink webhook
// against the app. Points Kakao's documentation leaves open or contradicts
// are fields of Behavior.
//
// # Known deviations from real Kakao
//
//   - One app, one REST API key: any other client_id is KOE101.
//   - No real login form: logging in is choosing a user (automatically, by
//     login_hint, or with the picker). prompt=create and select_account
//     are accepted and behave like a normal request.
//   - A PKCE failure at the token endpoint answers invalid_grant KOE320
//     (Kakao's code for it is undocumented); a code is consumed by its first
//     exchange attempt even when that attempt fails.
//   - Missing token-request parameters answer invalid_request KOE207, an
//     unsupported grant_type unsupported_grant_type KOE001.
//   - Which user API needs which credentials and the -401 messages for a
//     wrong kind of key are best guesses; admin calls with a missing or
//     wrong target_id_type/target_id answer -2.
//   - /v1/user/ids paging URLs carry no app_key; scopes report
//     "delegated": false for every item.
//   - Talk, friends and channel APIs are not served.
package kakaotest
