package kakaogin

import (
	"errors"
	"strings"
	"testing"

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
		{"C1 relative AuthURL", func(c *Config) { c.AuthURL = "kauth.kakao.com" }, "AuthURL"},
		{"C1 http AuthURL", func(c *Config) { c.AuthURL = "http://kauth.kakao.com" }, "AuthURL"},
		{"C1 relative APIURL", func(c *Config) { c.APIURL = "/kapi" }, "APIURL"},
		{"C3 relative issuer", func(c *Config) { c.Issuer = "kauth.kakao.com" }, "Issuer"},
		{"C10 unknown scope", func(c *Config) { c.Scopes = []string{"profile_nicknam"} }, "profile_nicknam"},
		{"service terms with a comma", func(c *Config) { c.ServiceTerms = []string{"a,b"} }, "service terms"},
		{"C70 return origin not https", func(c *Config) { c.AllowedReturnOrigins = []string{"http://app.example.com"} }, "AllowedReturnOrigins"},
		{"C70 return origin with path", func(c *Config) { c.AllowedReturnOrigins = []string{"https://app.example.com/x"} }, "AllowedReturnOrigins"},
		{"C1 unlink callback without admin key", func(c *Config) { c.UnlinkCallback, c.AppID = true, 1 }, "AdminKey"},
		{"C1 unlink callback without app ID", func(c *Config) { c.UnlinkCallback, c.AdminKey = true, "k" }, "AppID"},
		{"logout redirect relative", func(c *Config) { c.LogoutRedirectURL = "/logout/callback" }, "LogoutRedirectURL"},
		{"after-logout URL off site", func(c *Config) { c.AfterLogoutURL = "//evil.example" }, "AfterLogoutURL"},
		{"after-login URL off site", func(c *Config) { c.AfterLoginURL = "//evil.example" }, "AfterLoginURL"},
		{"after-login URL absolute", func(c *Config) { c.AfterLoginURL = "https://evil.example" }, "AfterLoginURL"},
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
	if s.AuthURL != "https://kauth.kakao.com" || s.APIURL != "https://kapi.kakao.com" || s.issuer != "https://kauth.kakao.com" || s.AfterLoginURL != "/" {
		t.Fatalf("defaults: %+v", s)
	}
	dev := good()
	dev.AllowInsecureHTTP = true
	dev.RedirectURL, dev.AuthURL, dev.APIURL = "http://localhost:8080/cb", "http://127.0.0.1:9/", "http://127.0.0.1:9"
	s, err = dev.validate()
	if err != nil {
		t.Fatalf("development settings refused: %v", err)
	}
	if s.AuthURL != "http://127.0.0.1:9" || s.issuer != "http://127.0.0.1:9" {
		t.Fatalf("AuthURL %q issuer %q", s.AuthURL, s.issuer)
	}
}

func TestScopeParam(t *testing.T) {
	got := strings.Join(scopeParam([]string{"profile_nickname", "openid", "profile_nickname", "account_email"}), " ")
	if got != "openid profile_nickname account_email" {
		t.Fatalf("C10: scope = %q", got)
	}
}
