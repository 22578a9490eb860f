package kakaogin

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store/memory"
)

func testSessions(t *testing.T) *session.Manager {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	sm, err := session.New(st, session.Config{SealKeys: [][]byte{make([]byte, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// TestConfigFailsClosed is C1, C3 and C10: every unsafe or unusable setting
// is refused with an error naming it.
func TestConfigFailsClosed(t *testing.T) {
	sm := testSessions(t)
	good := func() Config {
		return Config{ClientID: "id", RedirectURL: "https://example.com/auth/kakao/callback", Sessions: sm,
			Scopes: []string{"profile_nickname", "account_email"}}
	}
	cases := []struct {
		name string
		mut  func(*Config)
		want string
	}{
		{"C1 missing client ID", func(c *Config) { c.ClientID = "" }, "ClientID"},
		{"C1 blank client ID", func(c *Config) { c.ClientID = "  " }, "ClientID"},
		{"C1 missing sessions", func(c *Config) { c.Sessions = nil }, "Sessions"},
		{"C1 missing redirect", func(c *Config) { c.RedirectURL = "" }, "RedirectURL"},
		{"C1 relative redirect", func(c *Config) { c.RedirectURL = "/auth/kakao/callback" }, "RedirectURL"},
		{"C1 scheme-relative redirect", func(c *Config) { c.RedirectURL = "//example.com/cb" }, "RedirectURL"},
		{"C1 http redirect without the development switch", func(c *Config) { c.RedirectURL = "http://example.com/cb" }, "https"},
		{"C1 javascript redirect", func(c *Config) { c.RedirectURL = "javascript:alert(1)" }, "RedirectURL"},
		{"C1 redirect with user info", func(c *Config) { c.RedirectURL = "https://u:p@example.com/cb" }, "RedirectURL"},
		{"C1 redirect with fragment", func(c *Config) { c.RedirectURL = "https://example.com/cb#x" }, "RedirectURL"},
		{"C1 redirect with query", func(c *Config) { c.RedirectURL = "https://example.com/cb?x=1" }, "query"},
		{"C1 relative AuthURL", func(c *Config) { c.Endpoint.AuthURL = "kauth.kakao.com" }, "Endpoint.AuthURL"},
		{"C1 http AuthURL", func(c *Config) { c.Endpoint.AuthURL = "http://kauth.kakao.com" }, "Endpoint.AuthURL"},
		{"C1 relative APIURL", func(c *Config) { c.Endpoint.APIURL = "/kapi" }, "Endpoint.APIURL"},
		{"C3 relative issuer", func(c *Config) { c.Endpoint.Issuer = "kauth.kakao.com" }, "Endpoint.Issuer"},
		{"C10 unknown scope", func(c *Config) { c.Scopes = []string{"profile_nicknam"} }, "profile_nicknam"},
		{"service terms with a comma", func(c *Config) { c.ServiceTerms = []string{"a,b"} }, "service terms"},
		{"C70 return origin not https", func(c *Config) { c.Login.AllowedReturnOrigins = []string{"http://app.example.com"} }, "Login.AllowedReturnOrigins"},
		{"C70 return origin with path", func(c *Config) { c.Login.AllowedReturnOrigins = []string{"https://app.example.com/x"} }, "Login.AllowedReturnOrigins"},
		{"C1 unlink callback without admin key", func(c *Config) { c.Unlink.Callback = &UnlinkCallback{AppID: 1} }, "AdminKey"},
		{"C1 unlink callback without app ID", func(c *Config) { c.Unlink.Callback, c.AdminKey = &UnlinkCallback{}, "k" }, "AppID"},
		{"C1 unlink callback naming another app", func(c *Config) { c.Unlink.Callback, c.AdminKey, c.AppID = &UnlinkCallback{AppID: 2}, "k", 1 }, "different apps"},
		{"negative app ID", func(c *Config) { c.AppID = -1 }, "AppID"},
		{"empty SDK key", func(c *Config) { c.SDKKeys = []string{""} }, "SDKKeys"},
		{"SDK key with a space", func(c *Config) { c.SDKKeys = []string{"abc def"} }, "SDKKeys"},
		{"SDK key repeating the REST API key", func(c *Config) { c.SDKKeys = []string{c.ClientID} }, "SDKKeys"},
		{"security events accepted for a second", func(c *Config) { c.SecurityEvents = &SecurityEventsConfig{MaxAge: time.Second} }, "SecurityEvents.MaxAge"},
		{"security events accepted for a week", func(c *Config) { c.SecurityEvents = &SecurityEventsConfig{MaxAge: 7 * 24 * time.Hour} }, "SecurityEvents.MaxAge"},
		{"logout redirect relative", func(c *Config) { c.Logout.RedirectURL = "/logout/callback" }, "Logout.RedirectURL"},
		{"after-logout URL off site", func(c *Config) { c.Logout.AfterURL = "//evil.example" }, "Logout.AfterURL"},
		{"after-login URL off site", func(c *Config) { c.Login.AfterURL = "//evil.example" }, "Login.AfterURL"},
		{"after-login URL absolute", func(c *Config) { c.Login.AfterURL = "https://evil.example" }, "Login.AfterURL"},
		{"redirect path not ending in /callback", func(c *Config) { c.RedirectURL = "https://example.com/auth/kakao/cb" }, "/callback"},
		{"redirect path with a trailing slash", func(c *Config) { c.RedirectURL = "https://example.com/auth/kakao/callback/" }, "/callback"},
		{"redirect path not clean", func(c *Config) { c.RedirectURL = "https://example.com/auth/../kakao/callback" }, "/callback"},
		{"redirect path with a route parameter", func(c *Config) { c.RedirectURL = "https://example.com/:tenant/callback" }, "/callback"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.mut(&cfg)
			_, err := cfg.validate()
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not match ErrConfig or name %q", err, tc.want)
			}
		})
	}

	s, err := good().validate()
	if err != nil {
		t.Fatal(err)
	}
	if s.Endpoint.AuthURL != "https://kauth.kakao.com" || s.Endpoint.APIURL != "https://kapi.kakao.com" || s.Endpoint.Issuer != "https://kauth.kakao.com" || s.Login.AfterURL != "/" {
		t.Fatalf("defaults: %+v", s)
	}
	if s.mount != "/auth/kakao" || s.Logout.AfterURL != "/" || s.Logout.RedirectURL != "https://example.com/auth/kakao/logout/callback" {
		t.Fatalf("derived: mount %q, logout %q %q", s.mount, s.Logout.AfterURL, s.Logout.RedirectURL)
	}
	// The unlink callback takes Config.AppID when it names none, without
	// changing the host's value.
	withApp := good()
	withApp.AppID, withApp.AdminKey, withApp.Unlink.Callback = 1158231, "k", &UnlinkCallback{}
	if s, err = withApp.validate(); err != nil || s.Unlink.Callback.AppID != 1158231 || withApp.Unlink.Callback.AppID != 0 {
		t.Fatalf("Unlink.Callback.AppID from Config.AppID: %v, %+v", err, s.Unlink.Callback)
	}
	dev := good()
	dev.AllowInsecureHTTP = true
	dev.RedirectURL, dev.Endpoint.AuthURL, dev.Endpoint.APIURL = "http://localhost:8080/callback", "http://127.0.0.1:9/", "http://127.0.0.1:9"
	s, err = dev.validate()
	if err != nil {
		t.Fatalf("development settings refused: %v", err)
	}
	if s.Endpoint.AuthURL != "http://127.0.0.1:9" || s.Endpoint.Issuer != "http://127.0.0.1:9" || s.mount != "" {
		t.Fatalf("AuthURL %q issuer %q mount %q", s.Endpoint.AuthURL, s.Endpoint.Issuer, s.mount)
	}
}

func TestScopeParam(t *testing.T) {
	got := strings.Join(scopeParam([]string{"profile_nickname", "openid", "profile_nickname", "account_email"}), " ")
	if got != "openid profile_nickname account_email" {
		t.Fatalf("C10: scope = %q", got)
	}
}
