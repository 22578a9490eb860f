package kakaogin

import (
	"context"

	"github.com/kakaologin/kakaologin/kakaogin/internal/idtoken"
)

// ErrIDToken is matched (errors.Is) by every ID-token validation failure.
// Its text never contains the token.
var ErrIDToken = idtoken.ErrInvalid

// ErrUnknownSigningKey is returned when an ID token names a key that is not
// in Kakao's key set, even after a refetch (or when a refetch is not allowed
// yet). Kakao may have just rotated its keys, so a login that fails with it
// may succeed when tried again.
var ErrUnknownSigningKey = idtoken.ErrUnknownSigningKey

// ErrKeySetUnavailable is returned when Kakao's key set cannot be fetched
// or parsed (unreachable, an error status, oversized, no usable key). A
// login failing with it may succeed when tried again.
var ErrKeySetUnavailable = idtoken.ErrKeySetUnavailable

// ErrDiscovery is matched by errors about Kakao's OIDC discovery document.
var ErrDiscovery = idtoken.ErrDiscovery

// Check fetches Kakao's OIDC discovery document and verifies that it names
// the configured issuer exactly and a key set on the issuer's host, so that
// a wrong Endpoint is found before the first login. Call it at startup to
// fail fast; otherwise the first login does it. It is a no-op with
// Login.DisableOIDC.
func (k *Kakao) Check(ctx context.Context) error {
	if k.cfg.Login.DisableOIDC {
		return nil
	}
	_, err := k.oidc.Verifier(ctx)
	return err
}
