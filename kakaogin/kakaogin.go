package kakaogin

import (
	"time"

	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/singleflight"

	"github.com/kakaologin/kakaologin/kakaogin/internal/idtoken"
	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// Kakao is Kakao Login for one Gin app: its routes, middleware and the
// Kakao API client. Create it with New; it is safe for concurrent use.
type Kakao struct {
	cfg      *settings
	api      *kakaoapi.Client
	sessions *session.Manager
	// locks and outbox are roles of the session store: the locks of the
	// token refresh, first logins and unlink retries across instances,
	// and the queue of unlink hooks to retry (nil when none can fail).
	locks    store.Locker
	outbox   store.Outbox
	errors   *errorRenderer
	returnTo returnToPolicy

	// webhookPath is the full path of the unlink callback route, "" when
	// it is not served.
	webhookPath string
	// eventsPath is the full path of the security event receiver, ""
	// when it is not served.
	eventsPath string

	// oidc verifies ID tokens, with keys found through discovery.
	oidc *idtoken.Provider
	// refreshes merges concurrent token refreshes of one session.
	refreshes singleflight.Group
	// consentable are the items GET consent and RequireScopes may ask
	// for: Scopes and ExtraScopes.
	consentable map[string]bool
	// callbackFails throttles clients whose callbacks keep failing.
	callbackFails *failLimiter
	// newSessions bounds the sessions login starts create per client.
	newSessions *failLimiter
	// tokenFails throttles clients whose token sign-ins keep failing.
	tokenFails *failLimiter
	// crossOrigin refuses cross-site state-changing requests.
	crossOrigin *http.CrossOriginProtection
	// tel records metrics and spans of the flows (never of an ordinary
	// request).
	tel *telemetry
}

// New returns Kakao Login configured by cfg, or an error matching ErrConfig
// for any unsafe or unusable setting. It does no network I/O; call Check
// at startup to verify Kakao's OIDC discovery document before serving.
// The returned *Kakao never changes: Mount and RequireScopes only read it.
//
// Besides sessions, New needs two roles of the store the session manager
// was made with: locks (store.Locker) always, and an outbox (store.Outbox)
// when an unlink can call something that may fail (OnUnlink, or the link
// store's Unlink), so that a failed call is retried later instead of lost.
// Every store.Store has both; New fails with ErrConfig for a store that
// lacks one.
func New(cfg Config) (*Kakao, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	locks, outbox, err := storeRoles(s)
	if err != nil {
		return nil, err
	}
	tel, err := newTelemetry(s.Telemetry)
	if err != nil {
		s.Logger.Warn("kakaogin: some telemetry instruments could not be made; they record nothing", "err", err)
	}
	locks, outbox, s.Users = tel.wrapStores(locks, outbox, s.Users)
	api, err := kakaoapi.New(kakaoapi.Config{
		ClientID:     s.ClientID,
		ClientSecret: s.ClientSecret,
		RedirectURL:  s.RedirectURL,
		AuthURL:      s.Endpoint.AuthURL,
		APIURL:       s.Endpoint.APIURL,
		HTTPClient:   s.HTTPClient,
		Now:          s.Now,
		Observe:      tel.observeKakao,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	er, err := newErrorRenderer(s.ErrorPage, s.Logger)
	if err != nil {
		return nil, fmt.Errorf("kakaogin: error page template: %w", err)
	}
	k := &Kakao{cfg: s, api: api, sessions: s.Sessions, locks: locks, outbox: outbox, errors: er, consentable: map[string]bool{}, tel: tel,
		callbackFails: newFailLimiter(maxCallbackFailures, callbackFailWindow, s.Now),
		newSessions:   newFailLimiter(s.Login.NewSessionsPerMinute, time.Minute, s.Now),
		tokenFails:    newFailLimiter(maxCallbackFailures, callbackFailWindow, s.Now)}
	k.oidc = idtoken.NewProvider(idtoken.Config{
		Issuer: s.Endpoint.Issuer, ClientID: s.ClientID, Discovery: api, HTTPClient: api.HTTPClient(), Now: s.Now,
		Observe: tel.observeKakao,
	})
	for _, list := range [][]string{s.Scopes, s.ExtraScopes} {
		for _, sc := range list {
			k.consentable[sc] = true
		}
	}
	k.returnTo = newReturnToPolicy(s.redirect, s.Login.AllowedReturnOrigins, s.mount+"/", s.Login.AfterURL)
	if s.Unlink.Callback != nil {
		k.webhookPath = s.mount + "/unlink/callback"
	}
	if s.SecurityEvents != nil {
		k.eventsPath = s.mount + "/events"
	}
	if k.crossOrigin, err = newCrossOrigin(s); err != nil {
		return nil, fmt.Errorf("%w: trusted origins: %w", ErrConfig, err)
	}
	return k, nil
}

// storeRoles finds on the session store the roles New needs beside the
// sessions. The outbox is nil when no unlink hook can fail.
func storeRoles(s *settings) (store.Locker, store.Outbox, error) {
	st := s.Sessions.Store()
	locks, ok := st.(store.Locker)
	if !ok {
		return nil, nil, configError("the session store has no locks (store.Locker), needed for the token refresh across instances; use a store.Store")
	}
	if s.Unlink.OnUnlink == nil && s.Users == nil {
		return locks, nil, nil
	}
	outbox, ok := st.(store.Outbox)
	if !ok {
		return nil, nil, configError("the session store has no outbox (store.Outbox), needed to retry a failed OnUnlink or link removal; use a store.Store")
	}
	return locks, outbox, nil
}

// API returns the app-level Kakao API client: the same Endpoint and HTTP
// client, but no user's token. It is for calls made with the admin key
// (kakaoapi.Admin, UserIDs), such as an admin page or a background job.
// Calls for the request's logged-in user go through Client, which
// supplies and refreshes that user's token.
func (k *Kakao) API() *kakaoapi.Client { return k.api }

// Middleware loads the session and makes the current identity available to
// CurrentUser. Install it on every route that uses Kakao Login, before
// RequireLogin and the mounted routes.
func (k *Kakao) Middleware() gin.HandlerFunc {
	load := k.sessions.Middleware()
	return func(c *gin.Context) {
		if p := c.FullPath(); (k.webhookPath != "" && p == k.webhookPath) || (k.eventsPath != "" && p == k.eventsPath) {
			c.Next() // Kakao's webhooks: no session, no cookie
			return
		}
		load(c)
	}
}

// Mount registers the Kakao Login routes (see the package doc) under the
// directory of Config.RedirectURL's path: RedirectURL
// ".../auth/kakao/callback" serves them at "/auth/kakao/login",
// "/auth/kakao/callback" and so on. r is the engine or a group: a group at
// that directory, or at one of its parents (r.Group("/auth") serves them
// under its "/kakao" subgroup), whose middleware then runs before them
// too. Any other group panics, as gin's own route conflicts do, so that a
// mismatch fails at start instead of when Kakao sends the user back.
// Middleware must run before the routes. Mount changes nothing in k; on
// one engine, call it once.
func (k *Kakao) Mount(r gin.IRouter) {
	api := k.mountGroup(r)
	notAllowed := func(c *gin.Context) {
		k.fail(c, newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, nil))
	}
	api.GET("me", k.AllowBearer(), k.handleMe)
	if k.tokenRoutes() {
		// Apps' token sign-in and their sessions: JSON, bearer tokens,
		// no cookies.
		api.POST("token/nonce", k.handleTokenNonce)
		api.POST("token", k.handleTokenSignIn)
		api.POST("token/logout", k.handleTokenLogout)
		api.POST("token/unlink", k.handleTokenUnlink)
	}
	// The browser routes: cookies and redirects, no bearer tokens.
	g := api.Group("", k.cookieOnly)
	g.GET("login", k.handleLogin)
	g.GET("callback", k.handleCallback)
	g.POST("callback", notAllowed) // Kakao sends the code by GET only
	g.GET("consent", k.handleConsent)

	// State changes: POST only, CSRF-checked.
	g.POST("logout", k.handleLogout)
	g.GET("logout", notAllowed)
	g.GET("logout/callback", k.handleLogoutCallback)
	g.POST("logout/everywhere", k.handleLogoutEverywhere)
	g.GET("logout/everywhere", notAllowed)
	g.POST("unlink", k.handleUnlink)
	g.GET("unlink", notAllowed)
	if k.webhookPath != "" {
		// Kakao's webhook: authenticated by the admin key, not CSRF.
		api.GET("unlink/callback", k.handleUnlinkCallback)
		api.POST("unlink/callback", k.handleUnlinkCallback)
	}
	if k.eventsPath != "" {
		// Kakao's account status change webhook: authenticated by the
		// SET's signature, not CSRF.
		g.POST("events", k.handleSecurityEvent)
	}
	g.POST("disconnect", k.handleDisconnect)
	g.GET("disconnect", notAllowed)
	k.mountManage(g)
}

// mountGroup returns the router at the mount path: r itself when it is
// there, a subgroup when r is a parent of it. It panics when r is a group
// elsewhere.
func (k *Kakao) mountGroup(r gin.IRouter) gin.IRouter {
	base := "/"
	if g, ok := r.(interface{ BasePath() string }); ok { // *gin.Engine and *gin.RouterGroup
		base = g.BasePath()
	}
	base = strings.TrimSuffix(base, "/")
	rel, ok := strings.CutPrefix(k.cfg.mount, base)
	if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
		panic(fmt.Sprintf("kakaogin: Mount: RedirectURL %q puts the routes under %q, but Mount was given a group at %q; "+
			"pass the engine, or a group at %q or one of its parents",
			k.cfg.RedirectURL, k.cfg.mount+"/", base+"/", k.cfg.mount+"/"))
	}
	if rel == "" {
		return r
	}
	return r.Group(rel)
}

// path returns the URL path of a mounted route, e.g. path("login").
func (k *Kakao) path(route string) string {
	return k.cfg.mount + "/" + route
}

// loginURL is the login route with next set to returnTo.
func (k *Kakao) loginURL(returnTo string) string {
	p := k.path("login")
	if returnTo != "" {
		p += "?next=" + url.QueryEscape(returnTo)
	}
	return p
}

// fail answers c with e (HTML or JSON) and aborts.
func (k *Kakao) fail(c *gin.Context, e *Error) {
	setOutcome(c, string(e.Code))
	k.errors.render(c, e, k.retryURL(e.Code))
}

func (k *Kakao) retryURL(code ErrorCode) string {
	switch code {
	case CodeStateMismatch, CodeFlowExpired, CodeInvalidIDToken, CodeIdentityMismatch, CodeKakaoUnavailable,
		CodeLoginRequired, CodeNotLinked, CodeConsentRequired, CodeAccessDenied:
		return k.path("login")
	}
	return ""
}

// event logs a security event. Attributes must carry no secrets.
func (k *Kakao) event(ctx context.Context, name string, attrs ...any) {
	k.cfg.Logger.InfoContext(ctx, "kakaogin: "+name, attrs...)
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails since Go 1.24 (it crashes the program instead)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashState is what the session stores of a state value.
func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
