package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// Config configures Kakao Login for a Gin app. ClientID, RedirectURL and
// Sessions are required; everything else has a safe default.
type Config struct {
	// ClientID is the app's REST API key. Required.
	ClientID string
	// ClientSecret is the REST API key's client secret. Kakao lets an app
	// switch the secret off; leave it empty only then.
	ClientSecret string
	// RedirectURL is the absolute URL of the callback route as registered
	// in the Kakao Developers console, e.g.
	// "https://example.com/auth/kakao/callback". It must be https unless
	// AllowInsecureHTTP is set. It is the only redirect URI ever sent; the
	// request's Host and X-Forwarded-* headers are never used, so a forged
	// header cannot send the code to another host.
	RedirectURL string
	// Scopes are the consent items asked for at login, besides openid
	// which is always asked for (Kakao issues no ID token without it).
	// Only Kakao's consent-item IDs (such as profile_nickname,
	// account_email, talk_message); New refuses any other value.
	Scopes []string
	// ExtraScopes are the consent items the app may ask for later, by
	// additional consent (GET consent, RequireScopes), besides Scopes.
	// GET consent refuses any other item. Items named in
	// RequireScopes are added automatically.
	ExtraScopes []string
	// ServiceTerms are the Kakao Sync service-terms tags sent as
	// service_terms at login; empty for apps without Kakao Sync.
	ServiceTerms []string

	// AdminKey is the app's admin key. It authenticates Kakao's unlink
	// callback and lets the library unlink a user or revoke tokens when no
	// user token is left. Never sent to browsers or logged.
	AdminKey string
	// AppID is the Kakao app ID (numeric), checked on the unlink callback.
	AppID int64
	// UnlinkCallback mounts Kakao's unlink callback (GET and POST
	// unlink/callback). It needs AdminKey and AppID.
	UnlinkCallback bool

	// AfterLogoutURL is where every logout lands. Default "/". A
	// same-site path.
	AfterLogoutURL string
	// LogoutRedirectURL is the absolute URL of the logout/callback route,
	// registered in the Kakao console as a logout redirect URI; needed for
	// mode=account logout. Default: RedirectURL's directory + "logout/callback".
	LogoutRedirectURL string
	// UnlinkMaxAuthAge, when positive, makes POST unlink require a login
	// (Kakao authentication) at most this old; older sessions are sent
	// through a fresh login (prompt=login) first, whose authentication
	// time must be newer than the request.
	UnlinkMaxAuthAge time.Duration
	// OnUnlink is called after a user left: unlinked through POST unlink,
	// or reported by Kakao's unlink callback. The host deletes or
	// anonymises that user's data and drops the link there. It must be
	// idempotent: it is retried (in the background, across restarts, from
	// any instance) until it succeeds.
	OnUnlink func(ctx context.Context, ev UnlinkEvent) error

	// Linking (all optional). See the package doc's "Linking" section.

	// FindCandidate looks for an existing host account that may belong to
	// a Kakao user logging in for the first time (by email when
	// nu.EmailVerified, or by CI). Its answer never links anything by
	// itself unless LinkPolicy allows it; by default the user must prove
	// the account at ProveURL first.
	FindCandidate func(ctx context.Context, nu NewUser) (Candidate, bool, error)
	// LinkPolicy: LinkWithProof (default) or LinkByVerifiedEmail.
	LinkPolicy LinkPolicy
	// ProveURL is the host's own login page where a user proves an
	// existing account before it is linked (the host then calls
	// CompleteLink). Required with FindCandidate. A same-site path.
	ProveURL string
	// OnNewUser creates a host user for a Kakao user with no link and no
	// candidate, and returns its ID (the library links it, once even under
	// concurrent first logins). Returning ErrSignupRequired holds the login
	// as pending and sends the browser to SignupURL. Nil: the identity is
	// the Kakao user alone (or a signup, when SignupURL is set).
	OnNewUser func(c *gin.Context, nu NewUser) (userID string, err error)
	// SignupURL is the host's signup-completion page (a same-site path);
	// it reads Pending and calls CompleteSignup or AbandonSignup.
	SignupURL string
	// AbandonUnlinksKakao makes AbandonSignup unlink the user at Kakao too.
	AbandonUnlinksKakao bool
	// OnLink is called after a Kakao user was linked to a host user.
	OnLink func(ctx context.Context, l store.Link)
	// OnLogin is called after a login (including a completed link or
	// signup) was saved, before the redirect.
	OnLogin func(c *gin.Context, id Identity)
	// CanDisconnect answers whether a host user has another way to log in,
	// so that POST disconnect may remove the Kakao link. Nil disables
	// POST disconnect.
	CanDisconnect func(ctx context.Context, userID string) (bool, error)
	// DisconnectUnlinksKakao makes POST disconnect unlink the app at Kakao
	// as well.
	DisconnectUnlinksKakao bool

	// Sessions keeps logins between requests. Required.
	Sessions *session.Manager
	// Users finds the host user linked to a Kakao user. Every store
	// backend's Links() implements it; so can a host's own user table.
	// Nil means the app has no users of its own: the identity is the
	// Kakao user alone.
	Users Users

	// AuthURL and APIURL are Kakao's authorization and API servers.
	// Defaults: https://kauth.kakao.com and https://kapi.kakao.com; tests
	// and demo mode point them at a kakaotest server.
	AuthURL string
	APIURL  string
	// Issuer is the OIDC issuer ID tokens must name exactly.
	// Default: AuthURL. OIDC discovery must report the same value or New
	// fails.
	Issuer string
	// DisableOIDC supports apps with OpenID Connect switched off in the
	// Kakao console: no ID token is requested or expected, and the
	// identity comes from user info alone.
	DisableOIDC bool

	// AllowInsecureHTTP allows http:// URLs for RedirectURL, AuthURL and
	// APIURL, for local development and tests only.
	AllowInsecureHTTP bool

	// KakaoTalkAutoLogin tries prompt=none first when the browser is the
	// Kakao Talk in-app browser, and falls back to the normal login when
	// Kakao answers login_required or consent_required (the user is not
	// logged in to Kakao or has not signed up to the app yet).
	KakaoTalkAutoLogin bool

	// AfterLoginURL is where a login without a valid next lands. Default
	// "/". A same-site path.
	AfterLoginURL string
	// AllowedReturnOrigins are origins other than RedirectURL's (for
	// example "https://app.example.com") that next may point to. They
	// are compared exactly (scheme, host and port); no wildcards.
	AllowedReturnOrigins []string

	// HTTPClient makes the calls to Kakao. Default: kakaoapi's client with
	// connect and overall timeouts, no redirects and capped bodies. A
	// host's client is copied and given the same rules.
	HTTPClient *http.Client
	// Logger receives security events and errors. Tokens, codes and
	// secrets are never logged. Default slog.Default().
	Logger *slog.Logger
	// OnTokenRefreshed, when set, is called after the user's Kakao tokens
	// were refreshed and saved, with the new token answer. It runs in the
	// request that made the refresh; it must not log the tokens.
	OnTokenRefreshed func(c *gin.Context, id Identity, t *kakaoapi.Token)
	// ErrorPage renders error pages instead of the built-in template. It
	// is not called for JSON clients.
	ErrorPage func(c *gin.Context, p ErrorPage)
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// settings is a validated Config with defaults applied.
type settings struct {
	Config
	redirect *url.URL
	issuer   string
}

// ErrConfig is matched by every error New returns for a bad Config.
var ErrConfig = errors.New("kakaogin: invalid config")

func configError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
}

// validate checks cfg and applies defaults. It fails closed: every setting
// that could make the login unsafe is an error.
func (cfg Config) validate() (*settings, error) {
	s := &settings{Config: cfg}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, configError("ClientID (the REST API key) is required")
	}
	if cfg.Sessions == nil {
		return nil, configError("Sessions is required (session.New over a store)")
	}
	u, err := s.absURL("RedirectURL", cfg.RedirectURL, "")
	if err != nil {
		return nil, err
	}
	if u.RawQuery != "" {
		return nil, configError("RedirectURL must not have a query")
	}
	s.redirect = u
	auth, err := s.absURL("AuthURL", cfg.AuthURL, kakaoapi.DefaultAuthURL)
	if err != nil {
		return nil, err
	}
	s.AuthURL = strings.TrimSuffix(auth.String(), "/")
	api, err := s.absURL("APIURL", cfg.APIURL, kakaoapi.DefaultAPIURL)
	if err != nil {
		return nil, err
	}
	s.APIURL = strings.TrimSuffix(api.String(), "/")
	s.issuer = cfg.Issuer
	if s.issuer == "" {
		s.issuer = s.AuthURL
	}
	if _, err := s.absURL("Issuer", s.issuer, ""); err != nil {
		return nil, err
	}
	for _, list := range [][]string{cfg.Scopes, cfg.ExtraScopes} {
		for _, sc := range list {
			if !knownScope(sc) {
				return nil, configError("unknown scope %q (see Kakao's consent item IDs)", sc)
			}
		}
	}
	for _, t := range cfg.ServiceTerms {
		if t == "" || strings.ContainsAny(t, ", \t\r\n") {
			return nil, configError("service terms tag %q is not a single tag", t)
		}
	}
	for _, o := range cfg.AllowedReturnOrigins {
		ou, err := url.Parse(o)
		if err != nil || ou.Host == "" || (ou.Path != "" && ou.Path != "/") || ou.RawQuery != "" || ou.User != nil ||
			(ou.Scheme != "https" && !(ou.Scheme == "http" && cfg.AllowInsecureHTTP)) {
			return nil, configError("AllowedReturnOrigins: %q is not an https origin", o)
		}
	}
	if cfg.FindCandidate != nil && cfg.ProveURL == "" {
		return nil, configError("FindCandidate needs ProveURL (the host login page where users prove an existing account)")
	}
	if (cfg.FindCandidate != nil || cfg.OnNewUser != nil || cfg.SignupURL != "") && cfg.Users == nil {
		return nil, configError("linking hooks need Users")
	}
	for _, p := range []*string{&s.ProveURL, &s.SignupURL} {
		if *p != "" && (!strings.HasPrefix(*p, "/") || strings.HasPrefix(*p, "//") || strings.HasPrefix(*p, "/\\")) {
			return nil, configError("ProveURL and SignupURL must be paths on this site")
		}
	}
	for _, p := range []*string{&s.AfterLoginURL, &s.AfterLogoutURL} {
		if *p == "" {
			*p = "/"
		}
		if !strings.HasPrefix(*p, "/") || strings.HasPrefix(*p, "//") || strings.HasPrefix(*p, "/\\") {
			return nil, configError("AfterLoginURL and AfterLogoutURL must be paths on this site")
		}
	}
	if s.UnlinkCallback && (strings.TrimSpace(s.AdminKey) == "" || s.AppID <= 0) {
		return nil, configError("UnlinkCallback needs AdminKey and AppID")
	}
	if s.LogoutRedirectURL == "" {
		s.LogoutRedirectURL = u.ResolveReference(&url.URL{Path: "logout/callback"}).String()
	}
	lu, err := s.absURL("LogoutRedirectURL", s.LogoutRedirectURL, "")
	if err != nil {
		return nil, err
	}
	if lu.RawQuery != "" {
		return nil, configError("LogoutRedirectURL must not have a query")
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	return s, nil
}

// absURL parses an absolute URL setting: https, or http only with
// AllowInsecureHTTP; no user info, no fragment. An empty raw gives def, or
// an error when def is empty.
func (s *settings) absURL(name, raw, def string) (*url.URL, error) {
	if raw == "" {
		if def == "" {
			return nil, configError("%s is required", name)
		}
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return nil, configError("%s must be an absolute URL", name)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !s.AllowInsecureHTTP {
			return nil, configError("%s must be https (set AllowInsecureHTTP for local development)", name)
		}
	default:
		return nil, configError("%s must be an https URL", name)
	}
	return u, nil
}
