package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/mysql"
	"github.com/kakaologin/kakaologin/store/postgres"
	"github.com/kakaologin/kakaologin/store/redis"
	"github.com/kakaologin/kakaologin/store/sqlite"
)

// kakaoKeys are the real Kakao app's keys (Kakao Developers console).
type kakaoKeys struct {
	ClientID     string // REST API key; empty means demo mode
	ClientSecret string
	AdminKey     string
	AppID        int64
	SDKKeys      []string // native app key, JavaScript key: apps' token sign-ins
	RedirectURL  string   // default PublicURL + "/auth/kakao/callback"
	ServiceTerms []string // Kakao Sync service-terms tags, if any
}

// appConfig is everything newApp needs; main fills it from flags and
// environment, tests fill it directly.
type appConfig struct {
	DataDir   string // secrets.json, site.db and (by default) sessions.db
	StoreURL  string // default "sqlite:<DataDir>/sessions.db"
	PublicURL string // where browsers reach the site, e.g. http://localhost:8080
	Kakao     kakaoKeys
	// Fake, in demo mode, is a running fake Kakao to use instead of
	// mounting a new one at PublicURL/_kakao (several instances in tests
	// share one, as they would share real Kakao).
	Fake   *kakaotest.Server
	Logger *slog.Logger
}

// Consent items: asked at login, and the rest of the fake's items that the
// profile page may ask for later (additional consent).
var (
	loginScopes = []string{"profile_nickname", "profile_image", "account_email"}
	extraScopes = []string{"name", "gender", "age_range", "birthday", "birthyear", "phone_number", "shipping_address", "talk_message"}
)

const demoAppID = 1158231

// app is one instance of the example site.
type app struct {
	handler http.Handler
	kg      *kakaogin.Kakao
	sm      *session.Manager // sessions; the site keeps its flash messages in them too
	st      store.Store
	users   *siteUsers
	sec     *secrets
	fake    *kakaotest.Server // demo mode only
	demo    bool
	secure  bool // cookies carry Secure (PUBLIC_URL is https)
	pages   map[string]map[string]*template.Template
	csp     string
	askable map[string]bool // consent items the profile page may ask for
	// adminKey lets the account page read a linked Kakao account for a
	// password login (no user token); "" when the app has none.
	adminKey string
	// events are the last account status changes Kakao reported, per
	// user, for the account page; public is the site's URL.
	events  *recentEvents
	public  string
	log     *slog.Logger
	metrics *siteMetrics // served at /metrics
}

// newApp builds the site: store, sessions, Kakao Login (real or demo), the
// site's users and its pages. It does no network I/O except opening the
// store.
func newApp(cfg appConfig) (*app, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	pub, err := url.Parse(strings.TrimSuffix(cfg.PublicURL, "/"))
	if err != nil || (pub.Scheme != "http" && pub.Scheme != "https") || pub.Host == "" {
		return nil, fmt.Errorf("public URL %q must be an absolute http(s) URL", cfg.PublicURL)
	}
	public := pub.String()
	insecure := pub.Scheme == "http"
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	sec, err := loadSecrets(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	storeURL := cfg.StoreURL
	if storeURL == "" {
		storeURL = "sqlite:" + filepath.ToSlash(filepath.Join(cfg.DataDir, "sessions.db"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	st, err := store.Open(ctx, storeURL, memory.Backend, sqlite.Backend, redis.Backend, postgres.Backend, mysql.Backend)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("session store: %w", err)
	}
	a := &app{st: st, sec: sec, secure: !insecure, log: log, events: newRecentEvents(), public: public}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	if a.users, err = openUsers(cfg.DataDir); err != nil {
		return nil, err
	}
	sm, err := session.New(st, session.Config{SealKeys: [][]byte{sec.SealKey}, InsecureCookies: insecure, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}

	kc := a.kakaoConfig(cfg, public)
	a.adminKey = kc.AdminKey
	if u, err := url.Parse(kc.RedirectURL); err != nil || u.Path != "/auth/kakao/callback" {
		return nil, fmt.Errorf("redirect URL %q must end in /auth/kakao/callback (the site mounts Kakao Login on /auth/kakao)", kc.RedirectURL)
	}
	a.sm = sm
	kc.Sessions, kc.Users = sm, st.Links()
	kc.AllowInsecureHTTP = insecure || strings.HasPrefix(kc.Endpoint.AuthURL, "http:")
	if kc.AllowInsecureHTTP {
		log.Warn("plain http: cookies without Secure and http:// Kakao URLs allowed; use this for local development only", "public_url", public)
	}
	if a.metrics, err = newSiteMetrics(); err != nil {
		return nil, err
	}
	kc.Telemetry = a.metrics.telemetry()
	if a.kg, err = kakaogin.New(kc); err != nil {
		return nil, fmt.Errorf("kakao login: %w", err)
	}
	a.askable = map[string]bool{}
	for _, s := range append(append([]string{}, loginScopes...), extraScopes...) {
		a.askable[s] = true
	}
	authOrigin := public
	if u, err := url.Parse(kc.Endpoint.AuthURL); err == nil && kc.Endpoint.AuthURL != "" {
		authOrigin = u.Scheme + "://" + u.Host
	} else if kc.Endpoint.AuthURL == "" {
		authOrigin = "https://kauth.kakao.com"
	}
	a.csp = "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'none'; " +
		"form-action 'self' " + authOrigin + "; frame-ancestors 'none'; base-uri 'none'"
	if a.pages, err = parsePages(); err != nil {
		return nil, err
	}
	a.handler = a.routes(cfg.Fake == nil && a.demo)
	ok = true
	return a, nil
}

// kakaoConfig is the library configuration for real Kakao or demo mode.
func (a *app) kakaoConfig(cfg appConfig, public string) kakaogin.Config {
	redirect := public + "/auth/kakao/callback"
	kc := kakaogin.Config{
		Scopes:      loginScopes,
		ExtraScopes: extraScopes,
		Linking: kakaogin.LinkingConfig{
			FindCandidate: a.findCandidate,
			ProveURL:      "/link",
			OnNewUser:     func(context.Context, kakaogin.NewUser) (string, error) { return "", kakaogin.ErrSignupRequired },
			SignupURL:     "/signup",
			CanDisconnect: a.canDisconnect,
		},
		Unlink: kakaogin.UnlinkConfig{OnUnlink: a.onUnlink},
		// Kakao's account status change webhook at /auth/kakao/events.
		SecurityEvents: &kakaogin.SecurityEventsConfig{OnEvent: a.onSecurityEvent},
		ErrorPage:      a.errorPage,
		Logger:         a.log,
	}
	if k := cfg.Kakao; k.ClientID != "" {
		kc.ClientID, kc.ClientSecret, kc.AdminKey = k.ClientID, k.ClientSecret, k.AdminKey
		kc.RedirectURL = redirect
		if k.RedirectURL != "" {
			kc.RedirectURL = k.RedirectURL
		}
		kc.ServiceTerms = k.ServiceTerms
		kc.AppID, kc.SDKKeys = k.AppID, k.SDKKeys
		if k.AdminKey != "" && k.AppID != 0 {
			kc.Unlink.Callback = &kakaogin.UnlinkCallback{AppID: k.AppID}
		}
		return kc
	}
	a.demo = true
	fake := cfg.Fake
	if fake == nil {
		fake = kakaotest.NewUnstartedServer(
			kakaotest.WithBaseURL(public+"/_kakao"),
			kakaotest.WithInteractiveConsent(),
			kakaotest.WithRedirectURI(redirect),
			kakaotest.WithLogoutRedirectURI(public+"/auth/kakao/logout/callback"),
			kakaotest.WithClientID(a.sec.DemoClientID),
			kakaotest.WithClientSecret(a.sec.DemoClientSecret),
			kakaotest.WithAdminKey(a.sec.DemoAdminKey),
			kakaotest.WithAppID(demoAppID),
			kakaotest.WithUsers(demoKakaoUsers()...),
		)
	}
	a.fake = fake
	kc.ClientID, kc.ClientSecret, kc.AdminKey = fake.ClientID, fake.ClientSecret, fake.AdminKey
	kc.RedirectURL = redirect
	kc.Endpoint = kakaogin.Endpoint{AuthURL: fake.URL, APIURL: fake.URL}
	kc.Unlink.Callback = &kakaogin.UnlinkCallback{AppID: fake.AppID}
	kc.AppID, kc.SDKKeys = fake.AppID, []string{fake.NativeAppKey, fake.JavaScriptKey}
	for _, t := range kakaotest.DefaultServiceTerms() {
		kc.ServiceTerms = append(kc.ServiceTerms, t.Tag)
	}
	return kc
}

// demoKakaoUsers are the fake's users; 민지 has the seeded site account's
// email, so her first Kakao login offers to link it.
func demoKakaoUsers() []kakaotest.User {
	users := kakaotest.DefaultUsers()
	for i := range users {
		if users[i].ID == kakaotest.UserMinji {
			users[i].Email, users[i].EmailValid, users[i].EmailVerified = demoEmail, true, true
		}
	}
	return users
}

// Handler is the site's HTTP handler.
func (a *app) Handler() http.Handler { return a.handler }

// Run works the library's pending-unlink queue until ctx ends.
func (a *app) Run(ctx context.Context) { a.kg.Run(ctx, time.Minute) }

// Check verifies Kakao's OIDC discovery document (needs the site to be
// serving in demo mode, where the fake is on the site's own listener).
func (a *app) Check(ctx context.Context) error { return a.kg.Check(ctx) }

// Close releases the store and the users database.
func (a *app) Close() error {
	var errs []error
	if a.users != nil {
		errs = append(errs, a.users.Close())
	}
	if a.st != nil {
		errs = append(errs, a.st.Close())
	}
	if a.metrics != nil {
		errs = append(errs, a.metrics.Close())
	}
	return errors.Join(errs...)
}
