package session

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Config configures a Manager. Only SealKeys is required; every other field
// has a secure default, given in its comment.
type Config struct {
	// CookieName is the session cookie's name. The default is
	// "__Host-kakaologin", or "kakaologin" when InsecureCookies is set.
	// With secure cookies the name must start with "__Host-", so browsers
	// refuse the cookie from any other origin.
	CookieName string

	// InsecureCookies drops the Secure attribute and the __Host- prefix, for
	// development over plain http://localhost. Never set it in production:
	// the cookie would travel in clear text. The default (false) marks the
	// cookie Secure whatever the request looks like, because TLS is often
	// terminated by a proxy in front of the app.
	InsecureCookies bool

	// IdleTimeout ends a session after this long without a request.
	// The default is 30 minutes.
	IdleTimeout time.Duration

	// Lifetime ends a session this long after login (or after creation for
	// a session that never logged in), however active it is. The default is
	// 12 hours.
	Lifetime time.Duration

	// TouchInterval is how often a read-only request may write the session
	// back to move its idle deadline. The default is 1 minute; it must be
	// shorter than IdleTimeout. A request that changes nothing writes at most
	// once per TouchInterval per session, never more.
	TouchInterval time.Duration

	// Persist makes the cookie outlive the browser session (Max-Age set to
	// the absolute deadline). The default (false) is a session cookie.
	Persist bool

	// SealKeys are the AES-256 keys (32 bytes each) that seal Kakao tokens
	// in the session record. The first key seals; every key opens, so a key
	// is rotated by putting the new one first and keeping the old one until
	// the sessions it sealed have expired (Lifetime). Required.
	SealKeys [][]byte

	// ErrorHandler answers a request whose session cannot be loaded or
	// saved (the store is down). status is 503. The default writes a short
	// HTML or JSON page (chosen by Accept) with no internal detail.
	ErrorHandler func(c *gin.Context, status int, err error)

	// Logger receives store failures. Tokens are never logged. The default
	// is slog.Default().
	Logger *slog.Logger

	// Now is the clock, for tests. The default is time.Now.
	Now func() time.Time
}

// Defaults used by New for zero Config fields.
const (
	DefaultIdleTimeout   = 30 * time.Minute
	DefaultLifetime      = 12 * time.Hour
	DefaultTouchInterval = time.Minute

	defaultCookieName         = "__Host-kakaologin"
	defaultInsecureCookieName = "kakaologin"
	hostPrefix                = "__Host-"
)

// ErrConfig is matched by every error New returns for a bad Config.
var ErrConfig = errors.New("session: invalid config")

// withDefaults fills zero fields and checks the result.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.CookieName == "" {
		cfg.CookieName = defaultCookieName
		if cfg.InsecureCookies {
			cfg.CookieName = defaultInsecureCookieName
		}
	}
	if !validCookieName(cfg.CookieName) {
		return cfg, fmt.Errorf("%w: cookie name %q has characters a cookie name cannot hold", ErrConfig, cfg.CookieName)
	}
	hasPrefix := strings.HasPrefix(cfg.CookieName, hostPrefix)
	if !cfg.InsecureCookies && !hasPrefix {
		return cfg, fmt.Errorf("%w: cookie name %q must start with %q for a Secure cookie", ErrConfig, cfg.CookieName, hostPrefix)
	}
	if cfg.InsecureCookies && hasPrefix {
		return cfg, fmt.Errorf("%w: browsers refuse a %q cookie without Secure; drop the prefix or InsecureCookies", ErrConfig, hostPrefix)
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.TouchInterval == 0 {
		cfg.TouchInterval = DefaultTouchInterval
	}
	switch {
	case cfg.IdleTimeout < time.Second:
		return cfg, fmt.Errorf("%w: IdleTimeout %v is under a second", ErrConfig, cfg.IdleTimeout)
	case cfg.Lifetime < time.Second:
		return cfg, fmt.Errorf("%w: Lifetime %v is under a second", ErrConfig, cfg.Lifetime)
	case cfg.TouchInterval < time.Second || cfg.TouchInterval >= cfg.IdleTimeout:
		return cfg, fmt.Errorf("%w: TouchInterval %v must be at least 1s and shorter than IdleTimeout %v", ErrConfig, cfg.TouchInterval, cfg.IdleTimeout)
	}
	if len(cfg.SealKeys) == 0 {
		return cfg, fmt.Errorf("%w: SealKeys is empty; give at least one 32-byte key", ErrConfig)
	}
	for i, k := range cfg.SealKeys {
		if len(k) != 32 {
			return cfg, fmt.Errorf("%w: SealKeys[%d] is %d bytes, want 32 (AES-256)", ErrConfig, i, len(k))
		}
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = DefaultErrorHandler
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}

func validCookieName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}
