package kakaogin

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// settings is a validated Config with defaults applied.
type settings struct {
	Config
	redirect *url.URL
	// mount is the path every route is served under: RedirectURL's
	// directory without its trailing slash ("" for the site's root).
	mount string
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
	if err := s.validateRedirect(); err != nil {
		return nil, err
	}
	if err := s.validateEndpoint(); err != nil {
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
	for _, o := range cfg.Login.AllowedReturnOrigins {
		ou, err := url.Parse(o)
		if err != nil || ou.Host == "" || (ou.Path != "" && ou.Path != "/") || ou.RawQuery != "" || ou.User != nil ||
			(ou.Scheme != "https" && !(ou.Scheme == "http" && cfg.AllowInsecureHTTP)) {
			return nil, configError("Login.AllowedReturnOrigins: %q is not an https origin", o)
		}
	}
	switch n := s.Login.NewSessionsPerMinute; {
	case n == 0:
		s.Login.NewSessionsPerMinute = defaultNewSessionsPerMinute
	case n < 0:
		return nil, configError("Login.NewSessionsPerMinute must be positive")
	}
	if err := s.validateLinking(); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		name string
		v    *string
	}{{"Login.AfterURL", &s.Login.AfterURL}, {"Logout.AfterURL", &s.Logout.AfterURL}} {
		if *p.v == "" {
			*p.v = "/"
		}
		if !sitePath(*p.v) {
			return nil, configError("%s must be a path on this site", p.name)
		}
	}
	if cb := s.Unlink.Callback; cb != nil {
		if strings.TrimSpace(s.AdminKey) == "" {
			return nil, configError("Unlink.Callback needs AdminKey (it authenticates Kakao's callback)")
		}
		cb := *cb // the host's value stays as given
		if cb.AppID == 0 {
			cb.AppID = s.AppID
		}
		if cb.AppID <= 0 {
			return nil, configError("Unlink.Callback needs AppID or Config.AppID (the numeric Kakao app ID)")
		}
		s.Unlink.Callback = &cb
	}
	if s.AppID < 0 {
		return nil, configError("AppID must be Kakao's positive numeric app ID")
	}
	if s.Unlink.Callback != nil && s.AppID != 0 && s.Unlink.Callback.AppID != s.AppID {
		return nil, configError("Unlink.Callback.AppID and AppID name different apps")
	}
	s.SDKKeys = slices.Clone(s.SDKKeys)
	for _, key := range s.SDKKeys {
		if key == "" || !printableASCII(key) || len(key) > 128 {
			return nil, configError("SDKKeys: %q is not a Kakao app key", key)
		}
		if key == s.ClientID {
			return nil, configError("SDKKeys must not repeat ClientID (the REST API key is always accepted where it applies)")
		}
	}
	if se := s.SecurityEvents; se != nil {
		se := *se // the host's value stays as given
		switch {
		case se.MaxAge == 0:
			se.MaxAge = defaultSETMaxAge
		case se.MaxAge < time.Minute || se.MaxAge > 24*time.Hour:
			return nil, configError("SecurityEvents.MaxAge must be between a minute and a day")
		}
		s.SecurityEvents = &se
	}
	if s.Logout.RedirectURL == "" {
		s.Logout.RedirectURL = s.redirect.ResolveReference(&url.URL{Path: "logout/callback"}).String()
	}
	lu, err := s.absURL("Logout.RedirectURL", s.Logout.RedirectURL, "")
	if err != nil {
		return nil, err
	}
	if lu.RawQuery != "" {
		return nil, configError("Logout.RedirectURL must not have a query")
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	return s, nil
}

// validateRedirect checks RedirectURL and derives the mount path from it.
// Its path must be a plain path ending in /callback, because the callback
// route is served there and every other route beside it.
func (s *settings) validateRedirect() error {
	u, err := s.absURL("RedirectURL", s.RedirectURL, "")
	if err != nil {
		return err
	}
	if u.RawQuery != "" {
		return configError("RedirectURL must not have a query")
	}
	dir, last := path.Split(u.Path)
	if last != "callback" || path.Clean(u.Path) != u.Path || u.RawPath != "" || strings.ContainsAny(u.Path, ":*") {
		return configError("RedirectURL's path must be a plain path ending in /callback, such as /auth/kakao/callback (Mount serves the routes under its directory)")
	}
	s.redirect = u
	s.mount = strings.TrimSuffix(dir, "/")
	return nil
}

// validateEndpoint applies Kakao's URLs as defaults and checks the ones
// given.
func (s *settings) validateEndpoint() error {
	auth, err := s.absURL("Endpoint.AuthURL", s.Endpoint.AuthURL, kakaoapi.DefaultAuthURL)
	if err != nil {
		return err
	}
	s.Endpoint.AuthURL = strings.TrimSuffix(auth.String(), "/")
	api, err := s.absURL("Endpoint.APIURL", s.Endpoint.APIURL, kakaoapi.DefaultAPIURL)
	if err != nil {
		return err
	}
	s.Endpoint.APIURL = strings.TrimSuffix(api.String(), "/")
	if s.Endpoint.Issuer == "" {
		s.Endpoint.Issuer = s.Endpoint.AuthURL
	}
	_, err = s.absURL("Endpoint.Issuer", s.Endpoint.Issuer, "")
	return err
}

// validateLinking checks that the linking hooks have the pages and the
// link store they need.
func (s *settings) validateLinking() error {
	l := s.Linking
	if l.FindCandidate != nil && l.ProveURL == "" {
		return configError("Linking.FindCandidate needs Linking.ProveURL (the host login page where users prove an existing account)")
	}
	if (l.FindCandidate != nil || l.OnNewUser != nil || l.SignupURL != "") && s.Users == nil {
		return configError("the Linking hooks need Users (where links are recorded)")
	}
	if l.ProveURL != "" && !sitePath(l.ProveURL) {
		return configError("Linking.ProveURL must be a path on this site")
	}
	if l.SignupURL != "" && !sitePath(l.SignupURL) {
		return configError("Linking.SignupURL must be a path on this site")
	}
	return nil
}

// sitePath reports whether p is a path on this site: "/x", never "//x" or
// "/\x", which browsers read as another host.
func sitePath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\")
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
