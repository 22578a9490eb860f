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
//	kg.Mount(r) // under /auth/kakao, RedirectURL's directory
//	r.GET("/me", kg.RequireLogin(), handler)
//
// Config holds a short required core and groups by concern (Endpoint,
// Login, Linking, Unlink, Logout); New checks it once and nothing changes
// the *Kakao afterwards. For tests, point Config.Endpoint at a kakaotest
// server: Endpoint{AuthURL: fake.URL, APIURL: fake.URL}.
//
// # Routes
//
// Mount serves them under the directory of Config.RedirectURL's path
// ("/auth/kakao" for ".../auth/kakao/callback"):
//
//	GET  login               start a login (next, prompt, login_hint)
//	GET  callback            finish a login, consent or re-authentication
//	GET  consent             additional consent: scope=a,b&next=…
//	GET  me                  the current identity as JSON (401 when logged out; bearer sessions too)
//	POST logout              mode=service|kakao|account (CSRF)
//	GET  logout/callback     return from Kakao's account logout
//	POST logout/everywhere   end every session of the user (CSRF)
//	POST unlink              disconnect from Kakao and leave (CSRF)
//	GET,POST unlink/callback Kakao's unlink callback (Config.Unlink.Callback)
//	POST events              Kakao's account status change webhook (Config.SecurityEvents)
//	GET  consent/items       the user's consent items (JSON)
//	POST consent/revoke      withdraw revocable items (CSRF)
//	GET  terms               Kakao Sync service terms (JSON)
//	POST terms/revoke        withdraw optional terms (CSRF)
//	POST disconnect          remove the Kakao link, keep the host account (CSRF)
//
// With Config.AppID (and, with OpenID Connect, Config.SDKKeys), apps that
// logged in with Kakao's SDK sign in with their tokens; these routes
// answer JSON and use bearer session tokens, never cookies:
//
//	POST token/nonce         a single-use nonce for the SDK's login
//	POST token               sign in: {access_token, id_token, refresh_token, nonce}
//	POST token/logout        end the bearer session ({"everywhere":true}: all of the user's)
//	POST token/unlink        disconnect from Kakao and leave
//
// The answer's session_token goes in "Authorization: Bearer …" on the
// host's routes that accept it (AllowBearer); elsewhere it is refused.
//
// State-changing routes accept only POST, refuse cross-site requests and
// need the session's CSRF token (CSRFToken, CSRFInput). Errors are pages in
// Korean or English (by Accept-Language) or JSON (by Accept), with a stable
// ErrorCode; causes go to the log, never to the user, and tokens and
// secrets never go anywhere.
//
// # Linking
//
// The host keeps its own users; Config.Users (a store's link store, or the
// host's own table: see Example_ownUserTable) maps Kakao IDs to them. A
// Kakao login whose Kakao ID is not linked goes through the Config.Linking
// hooks:
//
//   - FindCandidate may name an existing account (by verified email or
//     CI). By default nothing is linked until the user proves that account
//     through the host's own login at ProveURL, where the host calls
//     CompletePending. Policy LinkByVerifiedEmail links at once only when
//     Kakao's email is valid and verified and the host's is verified too.
//   - OnNewUser creates a host user (linked once, even under concurrent
//     first logins), or returns ErrSignupRequired to send the user to
//     SignupURL, where the host calls CompletePending or AbandonPending.
//   - StartLink ("Connect Kakao") links the Kakao account to a host user
//     the host has authenticated; POST disconnect removes it when
//     CanDisconnect confirms another way to log in.
//
// While a signup or proof is pending, the session holds the Kakao identity
// (Pending) but is not a logged-in user for CurrentUser or RequireLogin.
//
// # Hooks
//
// Every hook takes a context.Context first, never the *gin.Context, and
// runs under a deadline of 5 seconds. Hooks that can stop something return
// an error: OnLogin (refuses the login), FindCandidate and OnNewUser (the
// login fails with an error page), CanDisconnect (refuses the disconnect),
// OnUnlink (queued and retried until it succeeds; run Run once per
// instance). OnLink and OnTokenRefreshed are notifications.
//
// # Calling Kakao
//
// Client(c) is the Kakao API client with the request's user's token,
// refreshed as needed. API() is the same client without a user token, for
// app-level calls with the admin key.
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
