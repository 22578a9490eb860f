package idtoken

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// ErrUnknownSigningKey is returned when an ID token names a key that is not
// in Kakao's key set, even after a refetch (or when a refetch is not allowed
// yet). Kakao may have just rotated its keys, so a login that fails with it
// may succeed when tried again.
var ErrUnknownSigningKey = errors.New("kakaogin: ID token signed with an unknown key")

// ErrKeySetUnavailable is returned when Kakao's key set cannot be fetched
// or parsed (unreachable, an error status, oversized, no usable key). A
// login failing with it may succeed when tried again.
var ErrKeySetUnavailable = errors.New("kakaogin: Kakao's ID-token key set is unavailable")

// Refetch limits: go-oidc's own key set refetches on every failure,
// and Kakao may block frequent key fetches. One key ID forces at most one
// refetch per minKeyRefetch, and all key IDs together at most
// maxFetchesPerWindow per fetchWindow.
const (
	minKeyRefetch       = 30 * time.Second
	fetchWindow         = time.Minute
	maxFetchesPerWindow = 3
	maxTriedKids        = 64
)

// keySet is the oidc.KeySet of a Kakao app: Kakao's JWKS, fetched on first
// use, cached, and refetched only for an unknown key ID, at most once per
// minKeyRefetch, with concurrent refetches merged into one request.
//
// It accepts only RS256 signatures (the one algorithm Kakao signs with, so
// "none" and HMAC-with-the-public-key tricks cannot work) by keys of the
// published set: a token's own jwk, jku, x5u or x5c header is never used,
// since an attacker controls it, and a token carrying crit is refused. Keys
// it cannot use (other kty, use=enc, unparseable) are skipped, not fatal, so
// one odd key Kakao adds does not stop every login. A token without kid is
// accepted when exactly one published key verifies it.
type keySet struct {
	url  string
	hc   *http.Client
	now  func() time.Time
	wait time.Duration // minKeyRefetch; shorter in tests
	// observe, when set, is told of each fetch (Config.Observe).
	observe func(ctx context.Context, endpoint string) (context.Context, func(status int, err error))

	fetches singleflight.Group

	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetched bool                 // keys holds a fetched set
	busy    bool                 // a fetch is in flight; join it
	recent  []time.Time          // fetch attempts within fetchWindow
	tried   map[string]time.Time // key ID → last refetch it forced
	// lastUntrusted is when an untrusted token last forced a refetch.
	lastUntrusted time.Time
}

func newKeySet(jwksURL string, hc *http.Client, now func() time.Time) *keySet {
	return &keySet{url: jwksURL, hc: hc, now: now, wait: minKeyRefetch, tried: map[string]time.Time{}}
}

// untrustedRefetch spaces the refetches that tokens from unauthenticated
// senders (security events pushed to a public route) may force: anyone can
// send one naming a made-up kid, and their refetches must not use up the
// budget that logins need after Kakao rotates its keys.
const untrustedRefetch = 5 * time.Minute

// VerifySignature implements oidc.KeySet.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	return k.verify(ctx, raw, false)
}

// verify checks raw's signature; untrusted limits the refetches it may
// force to one per untrustedRefetch.
func (k *keySet) verify(ctx context.Context, raw string, untrusted bool) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("kakaogin: ID token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("kakaogin: ID token: want exactly one signature")
	}
	if name, ok := keySourceHeader(raw); ok {
		return nil, fmt.Errorf("kakaogin: ID token: header %q is not accepted", name)
	}
	h := jws.Signatures[0].Protected

	keys, err := k.cached(ctx)
	if err != nil {
		return nil, err
	}
	if p, known, err := verifyWith(jws, h.KeyID, keys); known {
		return p, err
	}
	// The key is not in the cached set: Kakao may have rotated its keys.
	if untrusted && !k.mayFetchUntrusted() {
		return nil, ErrUnknownSigningKey
	}
	keys, err = k.refresh(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	if p, known, err := verifyWith(jws, h.KeyID, keys); known {
		return p, err
	}
	return nil, ErrUnknownSigningKey
}

// keySourceHeader reports a protected-header parameter that names its own
// key or key source (jwk, jku, x5u, x5c) or demands extensions (crit). The
// token is compact (ParseSigned has accepted it), so the header is the first
// dot-separated part.
func keySourceHeader(raw string) (string, bool) {
	head, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "header", true
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(b, &h); err != nil {
		return "header", true
	}
	for _, name := range []string{"jwk", "jku", "x5u", "x5c", "crit"} {
		if _, ok := h[name]; ok {
			return name, true
		}
	}
	return "", false
}

// verifyWith verifies jws with the key named kid, or with every key when
// kid is empty. known reports whether a candidate key was found; when it is
// false the caller may refetch the key set.
func verifyWith(jws *jose.JSONWebSignature, kid string, keys []jose.JSONWebKey) (payload []byte, known bool, err error) {
	var hits int
	for _, key := range keys {
		if kid != "" && key.KeyID != kid {
			continue
		}
		known = true
		p, err := jws.Verify(key.Key)
		if err == nil {
			hits++
			payload = p
		}
	}
	switch {
	case !known:
		return nil, false, nil
	case hits == 1:
		return payload, true, nil
	case hits > 1:
		// Only possible without kid and with a key published twice.
		return nil, true, errors.New("kakaogin: ID token: more than one key verifies it")
	default:
		return nil, true, errors.New("kakaogin: ID token: bad signature")
	}
}

// cached returns the cached keys, fetching them on first use.
func (k *keySet) cached(ctx context.Context) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	keys, ok := k.keys, k.fetched
	k.mu.Unlock()
	if ok {
		return keys, nil
	}
	return k.refresh(ctx, "")
}

// refresh fetches the key set for a token naming kid, unless the limits
// forbid it, in which case it returns the cached keys. Concurrent
// callers share one request.
func (k *keySet) refresh(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	if !k.busy && !k.mayFetch(kid) {
		keys, ok := k.keys, k.fetched
		k.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("%w: key set unavailable, retry later", ErrUnknownSigningKey)
		}
		return keys, nil
	}
	k.mu.Unlock()

	ch := k.fetches.DoChan("jwks", func() (any, error) {
		// Detached from one caller's cancellation so that the others
		// waiting on this fetch are not failed by it; bounded by the
		// HTTP client's own timeout.
		k.mu.Lock()
		now := k.now()
		k.busy = true
		k.recent = append(k.recent, now)
		if kid != "" || k.fetched {
			if len(k.tried) >= maxTriedKids {
				clear(k.tried)
			}
			k.tried[kid] = now
		}
		k.mu.Unlock()
		keys, err := k.fetch(context.WithoutCancel(ctx))
		k.mu.Lock()
		defer k.mu.Unlock()
		k.busy = false
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKeySetUnavailable, err)
		}
		k.keys, k.fetched = keys, true
		return keys, nil
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.([]jose.JSONWebKey), nil
	}
}

// mayFetchUntrusted reports whether an untrusted token may force a
// refetch now, and if so counts it.
func (k *keySet) mayFetchUntrusted() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if !k.lastUntrusted.IsZero() && now.Sub(k.lastUntrusted) < untrustedRefetch {
		return false
	}
	k.lastUntrusted = now
	return true
}

// mayFetch applies the refetch limits; k.mu must be held.
func (k *keySet) mayFetch(kid string) bool {
	now := k.now()
	live := k.recent[:0]
	for _, t := range k.recent {
		if now.Sub(t) < fetchWindow {
			live = append(live, t)
		}
	}
	k.recent = live
	if len(k.recent) >= maxFetchesPerWindow {
		return false
	}
	if !k.fetched {
		return true // nothing cached yet: the first fetch, or a retry after failures
	}
	last, ok := k.tried[kid]
	return !ok || now.Sub(last) >= k.wait
}

// maxJWKS caps the key set document.
const maxJWKS = 256 << 10

// fetch downloads and parses the key set.
func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	if k.observe == nil {
		_, keys, err := k.get(ctx)
		return keys, err
	}
	ctx, done := k.observe(ctx, "jwks")
	status, keys, err := k.get(ctx)
	if done != nil {
		done(status, err)
	}
	return keys, err
}

// get is fetch without the observer; it also returns the HTTP status, 0
// when no answer came.
func (k *keySet) get(ctx context.Context) (int, []jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("kakaogin: key set request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("kakaogin: fetch key set: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, fmt.Errorf("kakaogin: fetch key set: HTTP status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKS+1))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("kakaogin: read key set: %w", err)
	}
	if len(body) > maxJWKS {
		return resp.StatusCode, nil, errors.New("kakaogin: key set larger than 256 KiB")
	}
	keys, err := parseJWKS(body)
	return resp.StatusCode, keys, err
}

// parseJWKS keeps the RSA signing keys of a JWKS document and skips every
// key it cannot use. A document without one usable key is an error.
func parseJWKS(body []byte) ([]jose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("kakaogin: key set: %w", err)
	}
	var keys []jose.JSONWebKey
	for _, raw := range doc.Keys {
		var key jose.JSONWebKey
		if err := key.UnmarshalJSON(raw); err != nil {
			continue
		}
		if _, ok := key.Key.(*rsa.PublicKey); !ok {
			continue
		}
		if (key.Use != "" && key.Use != "sig") || (key.Algorithm != "" && key.Algorithm != string(jose.RS256)) {
			continue
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("kakaogin: key set has no usable RS256 key")
	}
	return keys, nil
}

// VerifySignature checks the signature of a token from an unauthenticated
// sender (a security event of Kakao's account status change webhook, which
// Kakao signs with the ID tokens' keys) with Kakao's key set, under the
// same rules and cache as ID tokens (RS256 only, published keys only), and
// returns its payload. An unknown key ID forces a refetch at most once per
// five minutes (and within the ID tokens' limits), so that forged tokens
// cannot use up the refetches logins need after a key rotation.
func (t *Verifier) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	if ks, ok := t.ks.(*keySet); ok {
		return ks.verify(ctx, raw, true)
	}
	return t.ks.VerifySignature(ctx, raw)
}
