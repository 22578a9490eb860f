// Package kakaogin adds "Log in with Kakao" to a Gin app: the login,
// callback, additional-consent, logout and unlink routes, Kakao's unlink
// callback, RequireLogin and RequireScopes middleware, and the typed
// identity of the current user. Sessions live server-side in a
// session.Manager over any store (memory, SQLite, Redis, PostgreSQL), so
// several app instances can share them.
//
//	kg, err := kakaogin.New(kakaogin.Config{
//		ClientID:     os.Getenv("KAKAO_REST_API_KEY"),
//		ClientSecret: os.Getenv("KAKAO_CLIENT_SECRET"),
//		RedirectURL:  "https://example.com/auth/kakao/callback",
//		Scopes:       []string{"profile_nickname", "profile_image"},
//		Sessions:     sm,
//		Users:        st.Links(),
//	})
//	r.Use(kg.Middleware())
//	kg.Mount(r.Group("/auth/kakao"))
//	r.GET("/me", kg.RequireLogin(), handler)
//
// # Routes
//
// Relative to the mount point:
//
//	GET  login               start a login (next, prompt, login_hint)
//	GET  callback            finish a login, consent or re-authentication
//	GET  consent             additional consent: scope=a,b&next=…
//	GET  me                  the current identity as JSON (401 when logged out)
//	POST logout              mode=service|kakao|account (CSRF)
//	GET  logout/callback     return from Kakao's account logout
//	POST logout/everywhere   end every session of the user (CSRF)
//	POST unlink              disconnect from Kakao and leave (CSRF)
//	GET,POST unlink/callback Kakao's unlink callback (Config.UnlinkCallback)
//	GET  consent/items       the user's consent items (JSON)
//	POST consent/revoke      withdraw revocable items (CSRF)
//	GET  terms               Kakao Sync service terms (JSON)
//	POST terms/revoke        withdraw optional terms (CSRF)
//	POST disconnect          remove the Kakao link, keep the host account (CSRF)
//
// State-changing routes accept only POST, refuse cross-site requests and
// need the session's CSRF token (CSRFToken, CSRFInput). Errors are pages in
// Korean or English (by Accept-Language) or JSON (by Accept), with a stable
// ErrorCode; causes go to the log, never to the user, and tokens and
// secrets never go anywhere.
//
// # Linking
//
// The host keeps its own users; Config.Users (store's link store, or the
// host's own table: see Example_ownUserTable) maps Kakao IDs to them. A
// Kakao login whose Kakao ID is not linked goes through the hooks:
//
//   - FindCandidate may name an existing account (by verified email or
//     CI). By default nothing is linked until the user proves that account
//     through the host's own login at ProveURL, where the host calls
//     CompleteLink. LinkByVerifiedEmail links at once only when Kakao's
//     email is valid and verified and the host's is verified too.
//   - OnNewUser creates a host user (linked once, even under concurrent
//     first logins), or returns ErrSignupRequired to send the user to
//     SignupURL, where the host calls CompleteSignup or AbandonSignup.
//   - StartLink ("Connect Kakao") links the Kakao account to a host user
//     the host has authenticated; POST disconnect removes it when
//     CanDisconnect confirms another way to log in.
//
// While a signup or proof is pending, the session holds the Kakao identity
// (Pending) but is not a logged-in user for CurrentUser or RequireLogin.
//
// # Security
//
// The library applies: state, nonce and PKCE per attempt, kept server-side
// and consumed once; ID tokens verified with go-oidc plus the checks it
// leaves to callers (exact audience, canonical sub, nonce, iat window,
// auth_time for re-authentication); Kakao's key set cached and refetched
// at most once per unknown key ID and 30 s; the return-to allowlist; a
// session token renewed at every privilege change; Kakao tokens sealed in
// the session and refreshed once per session across instances.
package kakaogin
