package kakaotest

import (
	"crypto/rsa"
	"time"
)

// Behavior holds the fake's answers to the points Kakao's documentation
// leaves open or contradicts, plus lifetimes. Change it with WithBehavior;
// each field's comment gives its default (from DefaultBehavior).
type Behavior struct {
	// CodeLifetime is how long an authorization code can be exchanged.
	// Default 10 minutes (commonly assumed; Kakao does not document it).
	CodeLifetime time.Duration
	// AccessTokenLifetime is the access-token (and ID-token) lifetime.
	// Default 6 hours; expires_in is reported one second short (21599).
	AccessTokenLifetime time.Duration
	// RefreshTokenLifetime is the refresh-token lifetime. Default 60 days
	// (refresh_token_expires_in 5183999).
	RefreshTokenLifetime time.Duration
	// RefreshRotateWithin: a refresh issues a new refresh token (and kills
	// the old one) only when the old one has less than this left. Default
	// 30 days ("less than one month").
	RefreshRotateWithin time.Duration
	// SessionLifetime is the lifetime of the fake's Kakao Account browser
	// session cookie. Default 24 hours.
	SessionLifetime time.Duration
	// RetiredKeyLifetime is how long a rotated-out signing key stays in the
	// JWKS. Default 24 hours; 0 keeps it until DropRetiredKeys.
	RetiredKeyLifetime time.Duration

	// PKCEPlain accepts code_challenge_method=plain (not advertised by Kakao;
	// unconfirmed whether accepted). Default true; false answers KOE204.
	PKCEPlain bool
	// PKCERequireVerifier rejects a token request without code_verifier
	// when the code was issued with a challenge (Kakao does not document
	// whether it does). Default true.
	PKCERequireVerifier bool
	// RedirectMismatchError and RedirectMismatchCode are the error and
	// error_code of a token request whose redirect_uri differs from the
	// authorize one (Kakao does not confirm which). Default
	// "invalid_grant", "KOE303".
	RedirectMismatchError string
	RedirectMismatchCode  string
	// AcceptSpaceLists accepts spaces as well as commas between scope and
	// prompt values (Kakao's REST docs say commas, its SDKs send spaces).
	// Default true.
	AcceptSpaceLists bool
	// ConsentRequiredDescription is the error_description of
	// consent_required (older Kakao docs show "user authentication
	// required." instead). Default "user consent required.".
	ConsentRequiredDescription string

	// OIDC switches OpenID Connect on for the app: every code exchange
	// returns an id_token and /v1/oidc/userinfo works. Default true.
	OIDC bool
	// AutoLink links users on their first code exchange. False models a
	// manual-link app: has_signed_up appears and /v1/user/signup is needed.
	// Default true.
	AutoLink bool
	// LogoutRevokesRefresh: the user-token logout also kills the refresh
	// token issued with that access token (Kakao's documentation is
	// ambiguous about it). Default true.
	LogoutRevokesRefresh bool
	// RefreshScope adds "scope" to refresh responses (unconfirmed whether
	// Kakao ever does). Default false.
	RefreshScope bool
	// LegacyHasFlags adds the deprecated has_email, has_phone_number, …
	// flags to kakao_account. Default true.
	LegacyHasFlags bool
	// UserInfoGenderUpper makes OIDC userinfo report gender as "MALE" /
	// "FEMALE" like Kakao's sample response, not "male"/"female" as its
	// field description says. Default false.
	UserInfoGenderUpper bool
	// AppUsersElements wraps /v2/app/users in {"elements": [...]} instead of
	// a bare array (Kakao's field table describes elements, its example is
	// a bare array). Default false.
	AppUsersElements bool
	// UserIDsPerMinute limits /v1/user/ids per app; over it the answer is
	// UserIDsLimitStatus with code -10. Default 100 per minute, status 429
	// (as Kakao's example for this API shows; its common error table says
	// 400). 0 disables the limit.
	UserIDsPerMinute   int
	UserIDsLimitStatus int
	// TokenRateLimit enforces 20 access tokens / 10 min and 30 refresh
	// tokens / 60 min per user (KOE237, 429). Default false so that load
	// tests against one demo user are not throttled.
	TokenRateLimit bool
	// WWWAuthenticate adds "WWW-Authenticate: Bearer error=invalid_token"
	// to every -401 answer (Kakao shows it in one example). Default true.
	WWWAuthenticate bool
}

// DefaultBehavior returns the defaults documented on Behavior's fields.
func DefaultBehavior() Behavior {
	return Behavior{
		CodeLifetime:               10 * time.Minute,
		AccessTokenLifetime:        6 * time.Hour,
		RefreshTokenLifetime:       60 * 24 * time.Hour,
		RefreshRotateWithin:        30 * 24 * time.Hour,
		SessionLifetime:            24 * time.Hour,
		RetiredKeyLifetime:         24 * time.Hour,
		PKCEPlain:                  true,
		PKCERequireVerifier:        true,
		RedirectMismatchError:      "invalid_grant",
		RedirectMismatchCode:       "KOE303",
		AcceptSpaceLists:           true,
		ConsentRequiredDescription: "user consent required.",
		OIDC:                       true,
		AutoLink:                   true,
		LogoutRevokesRefresh:       true,
		LegacyHasFlags:             true,
		UserIDsPerMinute:           100,
		UserIDsLimitStatus:         429,
		WWWAuthenticate:            true,
	}
}

// config is what the options build before the server exists.
type config struct {
	clientID, clientSecret, adminKey string
	nativeAppKey, javaScriptKey      string
	appID                            int64
	secretSet                        bool
	baseURL                          string
	prefix                           string
	issuer                           string
	clock                            func() time.Time
	interactive                      bool
	tls                              bool
	users                            []User
	usersSet                         bool
	scopes                           []ConsentItem
	scopesSet                        bool
	terms                            []ServiceTerm
	termsSet                         bool
	propertyKeys                     []string
	redirectURIs                     []string
	logoutURIs                       []string
	key                              *rsa.PrivateKey
	behavior                         Behavior
}

// Option configures a Server at construction.
type Option func(*config)

// WithClientID sets the REST API key (default: a random 32-hex string).
func WithClientID(id string) Option { return func(c *config) { c.clientID = id } }

// WithClientSecret switches the client-secret check on with secret
// (KOE010 when missing or wrong). Default: a random secret, check on. An
// empty secret switches the check off.
func WithClientSecret(secret string) Option {
	return func(c *config) { c.clientSecret, c.secretSet = secret, true }
}

// WithAdminKey sets the admin key (default: a random 32-hex string).
func WithAdminKey(key string) Option { return func(c *config) { c.adminKey = key } }

// WithAppID sets the numeric app ID (default 1158231).
func WithAppID(id int64) Option { return func(c *config) { c.appID = id } }

// WithSDKKeys sets the app's native app key and JavaScript key, the keys
// SDKLogin accepts (default: random 32-hex strings each), so that a host's
// configuration can name them before the fake starts.
func WithSDKKeys(native, javaScript string) Option {
	return func(c *config) { c.nativeAppKey, c.javaScriptKey = native, javaScript }
}

// WithBaseURL fixes the fake's public base URL, e.g.
// "http://localhost:8080/_fake-kakao", for a Handler mounted on the host's
// own listener. Its path is the prefix Handler strips. The issuer and every
// URL the fake publishes derive from it.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithPathPrefix serves every path under prefix (e.g. "/_fake-kakao") on the
// httptest listener; URL then includes the prefix.
func WithPathPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithIssuer overrides the iss claim and the discovery issuer (default: URL).
func WithIssuer(iss string) Option { return func(c *config) { c.issuer = iss } }

// WithClock injects the clock used for every expiry (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithInteractiveConsent makes authorize render an HTML login + consent
// screen (user picker, per-item checkboxes, Accept/Cancel) instead of
// approving automatically.
func WithInteractiveConsent() Option { return func(c *config) { c.interactive = true } }

// WithTLS makes NewServer start an HTTPS server; use Server.Client to trust it.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// WithUsers replaces the initial users (default DefaultUsers()).
func WithUsers(users ...User) Option {
	return func(c *config) { c.users, c.usersSet = users, true }
}

// WithConsentItems replaces the app's configured consent items (default
// DefaultConsentItems()).
func WithConsentItems(items ...ConsentItem) Option {
	return func(c *config) { c.scopes, c.scopesSet = items, true }
}

// WithServiceTerms replaces the app's Kakao Sync service terms (default
// DefaultServiceTerms()). No terms means the app does not use Kakao Sync.
func WithServiceTerms(terms ...ServiceTerm) Option {
	return func(c *config) { c.terms, c.termsSet = terms, true }
}

// WithPropertyKeys sets the custom user-property keys defined for the app
// (default "member_grade", "signup_source").
func WithPropertyKeys(keys ...string) Option { return func(c *config) { c.propertyKeys = keys } }

// WithRedirectURI registers login redirect URIs (AddRedirectURI does the
// same later).
func WithRedirectURI(uris ...string) Option {
	return func(c *config) { c.redirectURIs = append(c.redirectURIs, uris...) }
}

// WithLogoutRedirectURI registers logout redirect URIs for /oauth/logout.
func WithLogoutRedirectURI(uris ...string) Option {
	return func(c *config) { c.logoutURIs = append(c.logoutURIs, uris...) }
}

// WithSigningKey sets the initial RSA signing key (default: a new 2048-bit
// key). Sharing one key across many fakes keeps test suites fast.
func WithSigningKey(k *rsa.PrivateKey) Option { return func(c *config) { c.key = k } }

// WithBehavior edits the Behavior (unconfirmed points and lifetimes).
func WithBehavior(edit func(*Behavior)) Option { return func(c *config) { edit(&c.behavior) } }
