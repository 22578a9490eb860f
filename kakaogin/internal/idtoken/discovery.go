package idtoken

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// ErrDiscovery is matched by errors about Kakao's OIDC discovery document:
// it could not be fetched, or it names another issuer or a key set on
// another host.
var ErrDiscovery = errors.New("kakaogin: OIDC discovery")

// minDiscoveryRetry spaces discovery attempts after a failure.
const minDiscoveryRetry = 10 * time.Second

// Discoverer fetches the OIDC discovery document; *kakaoapi.Client is one.
type Discoverer interface {
	Discover(ctx context.Context) (*kakaoapi.Discovery, error)
}

// Config is what a Provider needs to know about the app.
type Config struct {
	// Issuer is the issuer the discovery document and every ID token must
	// name exactly. It must be an absolute URL.
	Issuer string
	// ClientID is the app's REST API key, the only audience accepted.
	ClientID string
	// Discovery fetches the discovery document.
	Discovery Discoverer
	// HTTPClient fetches the key set the discovery document names.
	HTTPClient *http.Client
	// Now is the clock used for every time check.
	Now func() time.Time
	// Observe, when set, is told of each key set fetch, as
	// kakaoapi.Config.Observe is of the API calls, with the endpoint name
	// "jwks". Default nil.
	Observe func(ctx context.Context, endpoint string) (context.Context, func(status int, err error))
}

// Provider is Kakao as the OpenID provider of one app. It fetches the
// discovery document on first use, builds the Verifier from it and keeps
// it for the life of the process. It is safe for concurrent use.
type Provider struct {
	cfg Config

	mu       sync.Mutex
	verifier *Verifier
	lastErr  time.Time // last failed fetch; zero when none
}

// NewProvider returns a Provider for cfg. It does no network I/O.
func NewProvider(cfg Config) *Provider {
	return &Provider{cfg: cfg}
}

// Verifier returns the ID-token verifier, fetching the discovery document
// on first use. The document must name the configured issuer exactly, so
// that a changed or spoofed document cannot move trust to another issuer,
// and a key set on the issuer's own scheme and host, so that signing keys
// come only from Kakao. After a failed fetch, calls within ten seconds fail
// without trying again, so that an outage does not turn every login into
// another request. Every error matches ErrDiscovery.
func (p *Provider) Verifier(ctx context.Context) (*Verifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.verifier != nil {
		return p.verifier, nil
	}
	if !p.lastErr.IsZero() && p.cfg.Now().Sub(p.lastErr) < minDiscoveryRetry {
		return nil, fmt.Errorf("%w: not available, retry later", ErrDiscovery)
	}
	d, err := p.cfg.Discovery.Discover(ctx)
	if err != nil {
		p.lastErr = p.cfg.Now()
		return nil, fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	if d.Issuer != p.cfg.Issuer {
		return nil, fmt.Errorf("%w: issuer %q is not the configured %q", ErrDiscovery, d.Issuer, p.cfg.Issuer)
	}
	ju, err := url.Parse(d.JWKSURL)
	iu, _ := url.Parse(p.cfg.Issuer)
	if err != nil || ju.Host != iu.Host || ju.Scheme != iu.Scheme {
		return nil, fmt.Errorf("%w: jwks_uri is not on the issuer's host", ErrDiscovery)
	}
	ks := newKeySet(d.JWKSURL, p.cfg.HTTPClient, p.cfg.Now)
	ks.observe = p.cfg.Observe
	p.verifier = newVerifier(p.cfg.Issuer, p.cfg.ClientID, ks, p.cfg.Now)
	return p.verifier, nil
}

// Ready reports whether ID tokens can be verified now: the discovery
// document and the key set are cached, or can be fetched now within the
// limits that already apply to logins (a failed discovery is not retried
// for ten seconds, the key set is fetched at most three times a minute).
// Once both are cached it makes no request at all, so that a readiness
// probe polled every few seconds does not add load on Kakao. Errors match
// ErrDiscovery, ErrKeySetUnavailable or ErrUnknownSigningKey (fetch
// limit reached before any fetch succeeded), or are the context's error.
func (p *Provider) Ready(ctx context.Context) error {
	v, err := p.Verifier(ctx)
	if err != nil {
		return err
	}
	return v.ready(ctx)
}
