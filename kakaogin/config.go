package kakaogin

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// Config configures Kakao Login for a Gin app. ClientID, RedirectURL and
// Sessions are required; every other field, and every field of the groups
// (Endpoint, Login, Linking, Unlink, Logout), has the default its comment
// states, so a zero group means "the defaults" or "off". New reads the
// Config once: nothing changes a *Kakao afterwards.
//
// Hooks are the func fields whose names start with On, plus FindCandidate
// and CanDisconnect. Every hook takes a context.Context first and never
// the *gin.Context: when it runs in a request, the context is the
// request's, with a deadline of at most 5 seconds; when it runs from the
// unlink retry queue (OnUnlink only), it is the context given to Run or
// RetryPendingUnlinks, with the same deadline. A hook returns an error
// where the library can act on it (the comment says what it does); the
// others are notifications.
type Config struct {
	// ClientID is the app's REST API key. Required.
	ClientID string
	// ClientSecret is the REST API key's client secret. Kakao lets an app
	// switch the secret off; leave it empty only then.
	ClientSecret string
	// RedirectURL is the absolute URL of the callback route as registered
	// in the Kakao Developers console, e.g.
	// "https://example.com/auth/kakao/callback". Required. Its path ends
	// in /callback, and its directory ("/auth/kakao") is where Mount
	// serves every route. It must be https unless AllowInsecureHTTP is
	// set. It is the only redirect URI ever sent; the request's Host and
	// X-Forwarded-* headers are never used, so a forged header cannot send
	// the code to another host.
	RedirectURL string
	// Scopes are the consent items asked for at login, besides openid,
	// which is always asked for (Kakao issues no ID token without it).
	// Only Kakao's consent-item IDs (such as profile_nickname,
	// account_email, talk_message); New refuses any other value, so that
	// a typo fails at startup instead of at every login.
	Scopes []string
	// Sessions keeps logins between requests. Required.
	Sessions *session.Manager
	// Users records which host user each Kakao user is. Every store's
	// Links() implements it; so can a host's own user table. Default nil:
	// the app has no users of its own and the identity is the Kakao user
	// alone (the Linking hooks need Users).
	Users UserLinks

	// ExtraScopes are the consent items the app may ask for later, by
	// additional consent (GET consent and RequireScopes), besides Scopes.
	// GET consent refuses any other item, so that a crafted link cannot
	// make the app ask for more than it declared; RequireScopes panics on
	// one when the route is set up. Default none.
	ExtraScopes []string
	// ServiceTerms are the Kakao Sync service-terms tags sent at login.
	// Default none (apps without Kakao Sync).
	ServiceTerms []string
	// AdminKey is the app's admin key. It authenticates Kakao's unlink
	// callback (Unlink.Callback) and lets the library unlink a user or
	// revoke tokens when no user token is left. Never sent to browsers or
	// logged. Default none.
	AdminKey string
	// AppID is the app's numeric ID (console: 앱 > 일반 > 앱 ID). Kakao
	// reports it for access tokens and in its unlink callback; token
	// sign-ins from apps check that an access token was issued to this
	// app, and the unlink callback refuses one naming another app.
	// Default 0 (neither is possible).
	AppID int64
	// SDKKeys are the app's other keys that Kakao's SDKs are initialised
	// with: the native app key (iOS, Android) and the JavaScript key. An
	// ID token an SDK obtained names that key as its audience, not the
	// REST API key. Default none. Like ClientID, they are not secrets.
	SDKKeys []string

	// Endpoint names Kakao's servers. The zero value is the real Kakao.
	Endpoint Endpoint
	// Login configures the login route and where logins land.
	Login LoginConfig
	// Linking ties Kakao users to the host's own users. The zero value
	// links nothing by itself: a Kakao user who is not linked yet logs in
	// as the Kakao user alone.
	Linking LinkingConfig
	// Unlink configures users leaving the app, from the app (POST unlink)
	// or from Kakao (the unlink callback).
	Unlink UnlinkConfig
	// Logout configures where logouts land.
	Logout LogoutConfig
	// SecurityEvents, when set, serves the receiver of Kakao's account
	// status change webhook (POST events under the mount point). Default
	// nil (not served).
	SecurityEvents *SecurityEventsConfig
	// Telemetry passes the host's OpenTelemetry meter and tracer
	// providers. The zero value uses the global ones.
	Telemetry TelemetryConfig

	// OnTokenRefreshed is told, after the user's Kakao tokens were
	// refreshed and saved, the new token answer. A notification: it
	// cannot undo the refresh. It runs in the request that needed the
	// refresh and must not log the tokens. Default nil.
	OnTokenRefreshed func(ctx context.Context, id Identity, t *kakaoapi.Token)
	// HTTPClient makes the calls to Kakao. Default: kakaoapi's client with
	// connect and overall timeouts, no redirects and capped bodies. A
	// host's client is copied and given the same rules.
	HTTPClient *http.Client
	// Logger receives security events and errors. Tokens, codes and
	// secrets are never logged. Default slog.Default().
	Logger *slog.Logger
	// ErrorPage renders error pages instead of the built-in template. It
	// is a renderer, not a hook: it writes the answer to c. It is not
	// called for JSON clients. Default nil (the built-in page).
	ErrorPage func(c *gin.Context, p ErrorPage)
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// AllowInsecureHTTP allows http:// URLs for RedirectURL, the Endpoint
	// and Login.AllowedReturnOrigins, for local development and tests
	// only. Default false.
	AllowInsecureHTTP bool
}

// Endpoint names Kakao's authorization and API servers and the OIDC issuer
// ID tokens must name. The zero value is the real Kakao. A kakaotest
// server serves both on one URL:
//
//	Endpoint: kakaogin.Endpoint{AuthURL: fake.URL, APIURL: fake.URL}
type Endpoint struct {
	// AuthURL is the authorization server (authorize, token, logout,
	// OIDC discovery). Default https://kauth.kakao.com.
	AuthURL string
	// APIURL is the API server (user info, consent items, unlink, …).
	// Default https://kapi.kakao.com.
	APIURL string
	// Issuer is the OIDC issuer that ID tokens must name exactly.
	// Default: AuthURL. OIDC discovery must report the same value, or
	// Check and the first login fail.
	Issuer string
}

// LoginConfig configures the login route and where logins land.
type LoginConfig struct {
	// AfterURL is where a login without a valid next lands. Default "/".
	// A path on this site.
	AfterURL string
	// AllowedReturnOrigins are origins other than RedirectURL's (for
	// example "https://app.example.com") that next may point to, after a
	// login, a consent or a management route; requests from them also
	// pass the cross-origin check of state-changing routes. They are
	// compared exactly (scheme, host and port); no wildcards. Default
	// none.
	AllowedReturnOrigins []string
	// KakaoTalkAutoLogin tries a silent login (prompt=none) first when the
	// browser is the Kakao Talk in-app browser, and falls back to the
	// normal login when Kakao answers that the user is not logged in to
	// Kakao or has not signed up to the app yet. Default false.
	KakaoTalkAutoLogin bool
	// DisableOIDC supports apps with OpenID Connect switched off in the
	// Kakao console: no ID token is requested or expected, and the
	// identity comes from user info alone. Default false.
	DisableOIDC bool
	// NewSessionsPerMinute bounds the logins that browsers without a
	// session may start from one client address (an IPv6 /64 counts as
	// one) per minute and app instance. Each such start stores a small
	// session that lives at most ten minutes unless the login finishes;
	// the bound keeps a flood of cookieless requests from filling the
	// store. A start beyond it gets 429 with a "try again in a minute"
	// page; browsers that already have a session are never counted.
	// Raise it when many users share one address (a large NAT) and log in
	// at once. Default 60.
	NewSessionsPerMinute int
	// OnLogin runs when a login is about to complete: through the login
	// route (re-authentication included) or CompletePending, after any
	// link was made and before the session is saved. Returning an error
	// refuses the login: the session is logged out and the user sees the
	// error page with CodeHookFailed (CompletePending returns the error).
	// Use it to refuse a blocked account or to record the login.
	// Default nil.
	OnLogin func(ctx context.Context, id Identity) error
}

// LinkingConfig ties Kakao users to the host's own users (see the package
// doc's "Linking" section). Its hooks need Config.Users.
type LinkingConfig struct {
	// FindCandidate looks for an existing host account that may belong to
	// a Kakao user logging in for the first time (by email when
	// nu.EmailVerified, or by CI). Its answer never links anything by
	// itself unless Policy allows it; by default the user must prove the
	// account at ProveURL first. An error shows the error page with
	// CodeHookFailed. Default nil (no candidates).
	FindCandidate func(ctx context.Context, nu NewUser) (Candidate, bool, error)
	// Policy says when a candidate is linked. Default LinkWithProof.
	Policy LinkPolicy
	// ProveURL is the host's own login page where a user proves an
	// existing account before it is linked (the host then calls
	// CompletePending). Required with FindCandidate. A path on this site.
	ProveURL string
	// OnNewUser creates a host user for a Kakao user with no link and no
	// candidate, and returns its ID; the library links it, once even
	// under concurrent first logins. Returning ErrSignupRequired holds the
	// login as pending and sends the browser to SignupURL; any other error
	// shows the error page with CodeHookFailed, and nothing is saved.
	// Default nil: the identity is the Kakao user alone (or a pending
	// signup, when SignupURL is set).
	OnNewUser func(ctx context.Context, nu NewUser) (userID string, err error)
	// SignupURL is the host's signup-completion page (a path on this
	// site); it reads Pending and calls CompletePending or AbandonPending.
	// Default none.
	SignupURL string
	// AbandonUnlinksKakao makes AbandonPending unlink the user at Kakao
	// too, so that Kakao keeps no link to an app the user never joined.
	// Default false.
	AbandonUnlinksKakao bool
	// OnLink is told after a Kakao user was linked to a host user. A
	// notification: the link is already stored. Default nil.
	OnLink func(ctx context.Context, l store.Link)
	// CanDisconnect answers whether a host user has another way to log in,
	// so that POST disconnect may remove the Kakao link; false refuses
	// with CodeNoOtherLogin, an error with CodeHookFailed. Default nil:
	// POST disconnect is refused.
	CanDisconnect func(ctx context.Context, userID string) (bool, error)
	// DisconnectUnlinksKakao makes POST disconnect unlink the app at Kakao
	// as well. Default false.
	DisconnectUnlinksKakao bool
}

// UnlinkConfig configures users leaving the app.
type UnlinkConfig struct {
	// OnUnlink is called after a user left: unlinked through POST unlink,
	// or reported by Kakao's unlink callback. The host deletes or
	// anonymises that user's data. An error (or a panic, or running past
	// the deadline) queues the event: it is retried, in the background,
	// across restarts, from any instance, until it succeeds (see Run), so
	// it must be idempotent. Every session of the user has ended before it
	// runs, whatever it returns. Default nil.
	OnUnlink func(ctx context.Context, ev UnlinkEvent) error
	// MaxAuthAge, when positive, makes POST unlink require a Kakao
	// authentication at most this old; an older session is sent through a
	// fresh login (prompt=login) first, whose authentication time must be
	// newer than the request. Default 0 (any logged-in session may
	// unlink).
	MaxAuthAge time.Duration
	// Callback, when set, serves Kakao's unlink callback (GET and POST
	// unlink/callback), authenticated by Config.AdminKey, which it
	// requires. Default nil (not served).
	Callback *UnlinkCallback
}

// UnlinkCallback turns on Kakao's unlink callback (the webhook Kakao calls
// when a user leaves the app from Kakao's side).
type UnlinkCallback struct {
	// AppID is the Kakao app ID (numeric); callbacks naming another app
	// are refused. Default Config.AppID; one of the two is required.
	AppID int64
}

// LogoutConfig configures where logouts land.
type LogoutConfig struct {
	// AfterURL is where every logout (and unlink and disconnect) lands.
	// Default "/". A path on this site.
	AfterURL string
	// RedirectURL is the absolute URL of the logout/callback route,
	// registered in the Kakao console as a logout redirect URI; Kakao
	// sends the browser there after an account logout (mode=account).
	// Default: RedirectURL's directory + "/logout/callback".
	RedirectURL string
}
