package kakaogin

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
)

// sharedKey is one RSA key for every fake in this package's tests, so that
// starting a fake does not cost a key generation.
var sharedKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// harness is a host app using Kakao Login against a kakaotest fake: the
// ten-line integration of DESIGN.md, served over loopback.
type harness struct {
	t     testing.TB
	clock *testClock
	cfg   Config
	logs  *secretSink
	fake  *kakaotest.Server
	kg    *Kakao
	st    store.Store
	sm    *session.Manager
	srv   *httptest.Server
	eng   *gin.Engine
	users UserLinks
}

type harnessOpt func(*Config, *[]kakaotest.Option)

func withFake(opts ...kakaotest.Option) harnessOpt {
	return func(_ *Config, o *[]kakaotest.Option) { *o = append(*o, opts...) }
}

func withConfig(f func(*Config)) harnessOpt {
	return func(c *Config, _ *[]kakaotest.Option) { f(c) }
}

func newHarness(t testing.TB, opts ...harnessOpt) *harness {
	t.Helper()
	h := &harness{t: t, clock: &testClock{}}
	h.eng, h.srv = gin.New(), nil
	h.srv = httptest.NewServer(h.eng)
	t.Cleanup(h.srv.Close)
	redirect := h.srv.URL + "/auth/kakao/callback"

	cfg := Config{
		RedirectURL:       redirect,
		Scopes:            []string{"profile_nickname", "profile_image", "account_email"},
		AllowInsecureHTTP: true,
		Now:               h.clock.Now,
	}
	fopts := []kakaotest.Option{kakaotest.WithSigningKey(sharedKey()), kakaotest.WithRedirectURI(redirect)}
	for _, o := range opts {
		o(&cfg, &fopts)
	}
	h.fake = kakaotest.NewServer(fopts...)
	t.Cleanup(h.fake.Close)

	if cfg.Sessions == nil {
		mem := memory.New()
		t.Cleanup(func() { mem.Close() })
		sm, err := session.New(mem, session.Config{SealKeys: [][]byte{testSealKey}, InsecureCookies: true})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Sessions = sm
	}
	h.sm = cfg.Sessions
	h.st = h.sm.Store().(store.Store)
	cfg.ClientID, cfg.ClientSecret = h.fake.ClientID, h.fake.ClientSecret
	cfg.AdminKey, cfg.Unlink.Callback = h.fake.AdminKey, &UnlinkCallback{AppID: h.fake.AppID}
	h.fake.AddLogoutRedirectURI(h.srv.URL + "/auth/kakao/logout/callback")
	h.logs = &secretSink{}
	h.logs.add(h.fake.ClientSecret, h.fake.AdminKey)
	cfg.Logger = slog.New(slog.NewTextHandler(h.logs, nil))
	t.Cleanup(func() { h.logs.check(t) })
	cfg.Endpoint.AuthURL, cfg.Endpoint.APIURL = h.fake.URL, h.fake.URL
	if !slices.Contains(cfg.ExtraScopes, "talk_message") { // the app's RequireScopes route needs it
		cfg.ExtraScopes = append(slices.Clone(cfg.ExtraScopes), "talk_message")
	}
	if cfg.Users == nil {
		cfg.Users = h.st.Links()
	}
	h.users = cfg.Users
	h.cfg = cfg
	h.kg = h.mount(h.eng, cfg)
	return h
}

// testSealKey seals Kakao tokens in every test session.
var testSealKey = []byte("kakaologin-test-seal-key-32bytes")

// sessionsOnClock returns sessions over a memory store whose clock is
// clock, so that a test can move the store past a lease without waiting
// (the sessions themselves keep real time).
func sessionsOnClock(t testing.TB, clock *testClock) *session.Manager {
	t.Helper()
	mem := memory.New(memory.WithNow(clock.Now))
	t.Cleanup(func() { mem.Close() })
	sm, err := session.New(mem, session.Config{SealKeys: [][]byte{testSealKey}, InsecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// queuedUnlinks reports how many unlink hooks wait in the store's outbox
// for a retry. It claims them with a lease that ends at once, so they stay
// claimable for RetryPendingUnlinks (each look counts in their Attempts).
func queuedUnlinks(t testing.TB, h *harness) int {
	t.Helper()
	ms, err := h.st.Claim(context.Background(), unlinkTopic, 1000, time.Nanosecond)
	if err != nil {
		t.Fatalf("claim queued unlinks: %v", err)
	}
	return len(ms)
}

// mount builds Kakao Login from cfg on eng with the test routes.
func (h *harness) mount(eng *gin.Engine, cfg Config) *Kakao {
	h.t.Helper()
	kg, err := New(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	eng.Use(kg.Middleware())
	kg.Mount(eng)
	eng.GET("/", func(c *gin.Context) {
		if id, ok := CurrentUser(c); ok {
			c.String(http.StatusOK, "home: logged in as %d", id.KakaoID)
			return
		}
		c.String(http.StatusOK, "home: anonymous")
	})
	eng.GET("/private", kg.RequireLogin(), func(c *gin.Context) {
		id, _ := CurrentUser(c)
		c.String(http.StatusOK, "private: %d %s", id.KakaoID, strings.Join(id.Scopes, ","))
	})
	eng.GET("/talk", kg.RequireScopes("talk_message"), func(c *gin.Context) { c.String(http.StatusOK, "talk ok") })
	eng.GET("/csrf", func(c *gin.Context) { c.String(http.StatusOK, "%s", CSRFToken(c)) })
	eng.GET("/kakao/me", kg.RequireLogin(), func(c *gin.Context) {
		api, auth := kg.Client(c)
		u, err := api.Me(c.Request.Context(), auth, nil)
		if err != nil {
			c.String(http.StatusBadGateway, "kakao: %v", err)
			return
		}
		c.String(http.StatusOK, "kakao me: %d", u.ID)
	})
	return kg
}

// twin is a second app instance: its own engine, server, session manager
// and Kakao, over the same store, fake and settings (as instances behind a
// load balancer are).
func (h *harness) twin() (*gin.Engine, *httptest.Server) {
	h.t.Helper()
	sm, err := session.New(h.st, session.Config{SealKeys: [][]byte{testSealKey}, InsecureCookies: true})
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := h.cfg
	cfg.Sessions = sm
	eng := gin.New()
	h.mount(eng, cfg)
	srv := httptest.NewServer(eng)
	h.t.Cleanup(srv.Close)
	return eng, srv
}

// testClock is the library's clock in tests: real time plus an offset the
// test can advance (the fake and the sessions keep real time).
type testClock struct{ off atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// secretSink collects the library's log and fails the test when a known
// secret appears in it (C101).
type secretSink struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	secrets []string
}

func (s *secretSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *secretSink) add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range secrets {
		if len(v) >= 8 {
			s.secrets = append(s.secrets, v)
		}
	}
}

func (s *secretSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (s *secretSink) check(t testing.TB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.secrets {
		if strings.Contains(s.buf.String(), v) {
			t.Errorf("C101: a secret (%.4s…) appears in the log", v)
		}
	}
}

// browser is a client with its own cookie jar that follows redirects
// across the app and the fake, as a browser does.
type browser struct {
	*http.Client
	h *harness
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{Client: &http.Client{Jar: jar}, h: h}
}

// noFollow returns a copy of b's client that stops at the first redirect.
func (b *browser) noFollow() *http.Client {
	c := *b.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// get fetches an app path (or absolute URL) and returns status and body.
func (b *browser) get(path string, hdr ...string) (int, string, *http.Response) {
	b.h.t.Helper()
	return b.do(b.Client, path, hdr...)
}

// step fetches without following redirects.
func (b *browser) step(path string, hdr ...string) (int, string, *http.Response) {
	b.h.t.Helper()
	return b.do(b.noFollow(), path, hdr...)
}

func (b *browser) do(c *http.Client, path string, hdr ...string) (int, string, *http.Response) {
	b.h.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.h.srv.URL + path
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.h.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp
}

// post sends a form POST without following redirects. With csrf true it
// first fetches the session's CSRF token and adds it.
func (b *browser) post(path string, form url.Values, csrf bool, hdr ...string) (int, string, *http.Response) {
	b.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if csrf {
		_, tok, _ := b.step("/csrf")
		form.Set(CSRFField, tok)
	}
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.h.srv.URL + path
	}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.noFollow().Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp
}

// loggedIn reports whether the browser's session is logged in.
func (b *browser) loggedIn() bool {
	b.h.t.Helper()
	_, body, _ := b.step("/")
	return strings.HasPrefix(body, "home: logged in")
}

// login runs the whole login dance and returns the final page.
func (b *browser) login(next string) (int, string) {
	b.h.t.Helper()
	p := "/auth/kakao/login"
	if next != "" {
		p += "?next=" + url.QueryEscape(next)
	}
	status, body, _ := b.get(p)
	return status, body
}

// toKakao starts a login and returns the authorize URL the app sent the
// browser to.
func (b *browser) toKakao(path string) *url.URL {
	b.h.t.Helper()
	status, _, resp := b.step(path)
	if status != http.StatusFound {
		b.h.t.Fatalf("GET %s: status %d, want 302", path, status)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		b.h.t.Fatal(err)
	}
	return u
}

// callbackURL visits the authorize URL at the fake without following its
// redirect and returns the callback URL (with code and state) it sends the
// browser back to.
func (b *browser) callbackURL(authorize *url.URL) string {
	b.h.t.Helper()
	status, _, resp := b.step(authorize.String())
	if status != http.StatusFound {
		b.h.t.Fatalf("authorize: status %d, want 302", status)
	}
	loc := resp.Header.Get("Location")
	if u, err := url.Parse(loc); err == nil {
		b.h.logs.add(u.Query().Get("code"), u.Query().Get("state"))
	}
	return loc
}
