package kakaotest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Sentinel errors of the helper methods.
var (
	ErrUnknownUser  = errors.New("unknown user")
	ErrUnknownScope = errors.New("consent item not configured")
	ErrUnknownTerm  = errors.New("service term not configured")
	ErrNotLinked    = errors.New("user not linked")
)

// Server is a fake of Kakao's kauth and kapi hosts on one base URL. All
// methods are safe for concurrent use. The exported identity fields are
// fixed at construction; do not change them.
type Server struct {
	// URL is the base URL (with any path prefix, no trailing slash). Use it
	// as both the auth and the API base URL.
	URL string
	// ClientID is the REST API key; ClientSecret the client secret ("" when
	// the check is off); AdminKey the admin key; AppID the numeric app ID.
	ClientID     string
	ClientSecret string
	AdminKey     string
	AppID        int64
	// NativeAppKey and JavaScriptKey are the app's keys its SDKs are
	// initialised with (iOS and Android; JavaScript): the audience of the
	// ID tokens SDKLogin issues.
	NativeAppKey  string
	JavaScriptKey string
	// OtherAppID and OtherAppKey are another app's ID and native app key,
	// the app of OtherAppSDKLogin's tokens (a token substitution attempt).
	OtherAppID  int64
	OtherAppKey string

	ts      *httptest.Server
	handler http.Handler
	prefix  string
	tls     bool

	mu           sync.Mutex
	clock        func() time.Time
	beh          Behavior
	issuer       string
	interactive  bool
	scopes       []ConsentItem
	terms        []ServiceTerm
	propertyKeys map[string]bool
	redirectURIs map[string]bool
	logoutURIs   map[string]bool
	users        map[int64]*userState
	order        []int64
	loginUser    int64
	codes        map[string]*authCode
	access       map[string]*accessToken
	refresh      map[string]*refreshToken
	sessions     map[string]*browserSession
	pending      map[string]*pendingAuth
	keys         []*signingKey
	extraJWKs    []map[string]any
	idFault      IDTokenFault
	idMutate     func(map[string]any)
	faults       map[string]*faultState
	calls        []Request
	hits         map[string]int
	issued       map[int64][]issue // per-user token issue times (KOE237)
	idsCalls     []time.Time
}

// NewServer starts a fake on a new loopback httptest server. Close it when
// done (t.Cleanup(fake.Close)).
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	if s.tls {
		s.ts.StartTLS()
	} else {
		s.ts.Start()
	}
	s.setStartedURL()
	return s
}

// NewUnstartedServer builds a fake without listening. Either mount
// Handler() on your own listener (set WithBaseURL to where it is reachable)
// or call Start.
func NewUnstartedServer(opts ...Option) *Server {
	cfg := config{appID: 1158231, behavior: DefaultBehavior()}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		ClientID: orRandom(cfg.clientID), AdminKey: orRandom(cfg.adminKey), AppID: cfg.appID,
		clock: cfg.clock, beh: cfg.behavior, interactive: cfg.interactive, tls: cfg.tls,
		issuer: cfg.issuer, propertyKeys: map[string]bool{}, redirectURIs: map[string]bool{},
		logoutURIs: map[string]bool{}, users: map[int64]*userState{}, codes: map[string]*authCode{},
		access: map[string]*accessToken{}, refresh: map[string]*refreshToken{},
		sessions: map[string]*browserSession{}, pending: map[string]*pendingAuth{},
		faults: map[string]*faultState{}, hits: map[string]int{}, issued: map[int64][]issue{},
	}
	s.NativeAppKey, s.JavaScriptKey = orRandom(cfg.nativeAppKey), orRandom(cfg.javaScriptKey)
	s.OtherAppID, s.OtherAppKey = s.AppID+1, randomHex(16)
	s.ClientSecret = randomHex(16)
	if cfg.secretSet {
		s.ClientSecret = cfg.clientSecret
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	s.scopes, s.terms = DefaultConsentItems(), DefaultServiceTerms()
	if cfg.scopesSet {
		s.scopes = cfg.scopes
	}
	if cfg.termsSet {
		s.terms = cfg.terms
	}
	keys := cfg.propertyKeys
	if keys == nil {
		keys = []string{"member_grade", "signup_source"}
	}
	for _, k := range keys {
		s.propertyKeys[k] = true
	}
	for _, u := range cfg.redirectURIs {
		s.redirectURIs[u] = true
	}
	for _, u := range cfg.logoutURIs {
		s.logoutURIs[u] = true
	}
	users := DefaultUsers()
	if cfg.usersSet {
		users = cfg.users
	}
	for _, u := range users {
		if _, dup := s.users[u.ID]; !dup {
			s.order = append(s.order, u.ID)
		}
		s.users[u.ID] = s.newUserState(u)
	}
	if len(s.order) > 0 {
		s.loginUser = s.order[0]
	}
	key := cfg.key
	if key == nil {
		key = mustKey()
	}
	s.keys = []*signingKey{{kid: randomHex(15), priv: key}}
	s.prefix = strings.TrimSuffix(cfg.prefix, "/")
	if cfg.baseURL != "" {
		s.URL = strings.TrimSuffix(cfg.baseURL, "/")
		if u, err := url.Parse(s.URL); err == nil {
			s.prefix = strings.TrimSuffix(u.Path, "/")
		}
	}
	s.handler = http.HandlerFunc(s.serve)
	s.ts = httptest.NewUnstartedServer(s.handler)
	return s
}

// Start starts the unstarted fake's own httptest listener. URL becomes the
// listener's URL plus any prefix unless WithBaseURL fixed it.
func (s *Server) Start() {
	s.ts.Start()
	s.setStartedURL()
}

func (s *Server) setStartedURL() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.URL == "" {
		s.URL = s.ts.URL + s.prefix
	}
}

// Close shuts the httptest listener down (no-op if it never started).
func (s *Server) Close() {
	if s.ts.URL != "" {
		s.ts.Close()
	}
}

// Handler returns the fake as an http.Handler. It serves paths below the
// prefix of WithBaseURL / WithPathPrefix, so it can be mounted as
// mux.Handle("/_fake-kakao/", fake.Handler()).
func (s *Server) Handler() http.Handler { return s.handler }

// Client returns an *http.Client that trusts the fake's TLS certificate
// (WithTLS), or a plain client. It follows no redirects, like a back channel.
func (s *Server) Client() *http.Client {
	c := &http.Client{Timeout: 10 * time.Second}
	if s.ts.URL != "" {
		c.Transport = s.ts.Client().Transport
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// AddRedirectURI registers a login redirect URI for the REST API key.
func (s *Server) AddRedirectURI(uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.redirectURIs[uri] = true
}

// AddLogoutRedirectURI registers a logout redirect URI for /oauth/logout.
func (s *Server) AddLogoutRedirectURI(uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logoutURIs[uri] = true
}

// Behavior returns the current Behavior; SetBehavior replaces it.
func (s *Server) Behavior() Behavior {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.beh
}

// SetBehavior replaces the Behavior at run time.
func (s *Server) SetBehavior(b Behavior) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beh = b
}

// now reads the injected clock. Callers may hold s.mu.
func (s *Server) now() time.Time { return s.clock() }

// base is the public base URL, issuer the iss value. Hold s.mu.
func (s *Server) iss() string {
	if s.issuer != "" {
		return s.issuer
	}
	return s.URL
}

// Paths of every endpoint the fake serves (relative to URL), for Fail, Hits
// and Requests.
const (
	PathAuthorize       = "/oauth/authorize"
	PathConsent         = "/oauth/authorize/consent" // fake-only form target
	PathToken           = "/oauth/token"
	PathLogoutRedirect  = "/oauth/logout"
	PathTokenInfo       = "/oauth/tokeninfo"
	PathDiscovery       = "/.well-known/openid-configuration"
	PathJWKS            = "/.well-known/jwks.json"
	PathSSEConfig       = "/.well-known/sse-configuration"
	PathOIDCUserInfo    = "/v1/oidc/userinfo"
	PathAccessTokenInfo = "/v1/user/access_token_info"
	PathMe              = "/v2/user/me"
	PathLogout          = "/v1/user/logout"
	PathUnlink          = "/v1/user/unlink"
	PathSignup          = "/v1/user/signup"
	PathUpdateProfile   = "/v1/user/update_profile"
	PathScopes          = "/v2/user/scopes"
	PathRevokeScopes    = "/v2/user/revoke/scopes"
	PathServiceTerms    = "/v2/user/service_terms"
	PathRevokeTerms     = "/v2/user/revoke/service_terms"
	PathUpgradeTerms    = "/v2/user/upgrade/service_terms"
	PathShipping        = "/v1/user/shipping_address"
	PathUserIDs         = "/v1/user/ids"
	PathAppUsers        = "/v2/app/users"
	// AllEndpoints as a Fail endpoint applies the fault to every path.
	AllEndpoints = "*"
)

// route is one endpoint: allowed methods and handler.
type route struct {
	methods string
	h       func(w http.ResponseWriter, r *http.Request)
}

func (s *Server) routes() map[string]route {
	return map[string]route{
		PathAuthorize:       {"GET", s.handleAuthorize},
		PathConsent:         {"POST", s.handleConsentSubmit},
		PathToken:           {"POST", s.handleToken},
		PathLogoutRedirect:  {"GET", s.handleLogoutRedirect},
		PathTokenInfo:       {"POST", s.handleTokenInfo},
		PathDiscovery:       {"GET", s.handleDiscovery},
		PathJWKS:            {"GET", s.handleJWKS},
		PathSSEConfig:       {"GET", s.handleSSE},
		PathOIDCUserInfo:    {"GET POST", s.handleOIDCUserInfo},
		PathAccessTokenInfo: {"GET", s.handleAccessTokenInfo},
		PathMe:              {"GET POST", s.handleMe},
		PathLogout:          {"POST", s.handleLogout},
		PathUnlink:          {"POST", s.handleUnlink},
		PathSignup:          {"POST", s.handleSignup},
		PathUpdateProfile:   {"POST", s.handleUpdateProfile},
		PathScopes:          {"GET", s.handleScopes},
		PathRevokeScopes:    {"POST", s.handleRevokeScopes},
		PathServiceTerms:    {"GET", s.handleServiceTerms},
		PathRevokeTerms:     {"POST", s.handleRevokeTerms},
		PathUpgradeTerms:    {"POST", s.handleUpgradeTerms},
		PathShipping:        {"GET", s.handleShipping},
		PathUserIDs:         {"GET", s.handleUserIDs},
		PathAppUsers:        {"GET", s.handleAppUsers},
	}
}

// serve strips the prefix, records the call, applies faults and dispatches.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if s.prefix != "" {
		if !strings.HasPrefix(p, s.prefix+"/") {
			http.NotFound(w, r)
			return
		}
		p = strings.TrimPrefix(p, s.prefix)
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	_ = r.ParseForm() // a bad body is reported by the handlers as a missing field
	s.record(r, p)
	rt, ok := s.routes()[p]
	if !ok {
		if strings.HasPrefix(p, "/oauth/") || strings.HasPrefix(p, "/.well-known/") {
			s.errorPage(w, http.StatusNotFound, "KOE002", "잘못된 요청 주소입니다.")
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"msg": "api not found: " + p, "code": -9})
		return
	}
	if !strings.Contains(rt.methods, r.Method) {
		w.Header().Set("Allow", strings.ReplaceAll(rt.methods, " ", ", "))
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"msg": "method not allowed", "code": -2})
		return
	}
	if s.applyFault(w, r, p, rt.h) {
		return
	}
	rt.h(w, r)
}

func orRandom(v string) string {
	if v != "" {
		return v
	}
	return randomHex(16)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("kakaotest: generate RSA key: " + err.Error()) // only on a broken system RNG
	}
	return k
}
