package idtoken

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// TestKeySetKid covers C44: kid absent with one or several keys.
func TestKeySetKid(t *testing.T) {
	f := newFixture(t)
	noKid := jose.JSONWebKey{Key: f.key.Key, Algorithm: "RS256"}
	if _, err := f.v.Verify(context.Background(), sign(t, noKid, jose.RS256, f.claims(), nil), Checks{}); err != nil {
		t.Fatalf("C44 no kid, single key: %v", err)
	}
	f.jwks.publish(t, f.key, rsaKey(t, "k2"))
	f.now = f.now.Add(time.Minute) // allow a refetch
	f.ks.refresh(context.Background(), "")
	if _, err := f.v.Verify(context.Background(), sign(t, noKid, jose.RS256, f.claims(), nil), Checks{}); err != nil {
		t.Fatalf("C44 no kid, several keys, exactly one verifies: %v", err)
	}
	stranger := rsaKey(t, "")
	if _, err := f.v.Verify(context.Background(), sign(t, stranger, jose.RS256, f.claims(), nil), Checks{}); err == nil {
		t.Fatal("C44 no kid, no key verifies: accepted")
	}
}

// TestKeySetRotation covers C45 and R5: one refetch for a new kid, shared
// by concurrent callbacks, rate-limited for unknown kids, and cached keys
// still verify while the JWKS endpoint is down.
func TestKeySetRotation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.v.Verify(ctx, sign(t, f.key, jose.RS256, f.claims(), nil), Checks{}); err != nil {
		t.Fatal(err)
	}
	if n := f.jwks.fetches.Load(); n != 1 {
		t.Fatalf("fetches after first login = %d, want 1", n)
	}

	// Rotation: Kakao publishes k2 and signs with it.
	k2 := rsaKey(t, "k2")
	f.jwks.publish(t, f.key, k2)
	f.now = f.now.Add(time.Hour)
	tok := sign(t, k2, jose.RS256, f.claims(), nil)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.v.Verify(ctx, tok, Checks{}); err != nil {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("C45: %d of 200 concurrent verifications failed after rotation", failed.Load())
	}
	if n := f.jwks.fetches.Load(); n > 3 {
		t.Fatalf("C45: %d fetches for 200 concurrent callbacks with a new kid, want <= 2 more", n-1)
	}

	// Unknown kid, 100 times in a row within a minute: at most one more fetch.
	before := f.jwks.fetches.Load()
	unknown := sign(t, rsaKey(t, "k9"), jose.RS256, f.claims(), nil)
	for i := range 100 {
		f.now = f.now.Add(500 * time.Millisecond)
		_, err := f.v.Verify(ctx, unknown, Checks{})
		if !errors.Is(err, ErrUnknownSigningKey) {
			t.Fatalf("try %d: err = %v, want ErrUnknownSigningKey", i, err)
		}
	}
	if n := f.jwks.fetches.Load() - before; n > 2 {
		t.Fatalf("C45: %d JWKS fetches for 100 unknown-kid tokens in 50 s, want <= 2", n)
	}

	// R5: JWKS down; known kids still verify.
	f.jwks.mu.Lock()
	f.jwks.status = http.StatusInternalServerError
	f.jwks.mu.Unlock()
	f.now = f.now.Add(time.Hour)
	if _, err := f.v.Verify(ctx, sign(t, k2, jose.RS256, f.claims(), nil), Checks{}); err != nil {
		t.Fatalf("R5: cached key rejected while JWKS is down: %v", err)
	}
}

// TestKeySetIgnoresForeignKeys covers C46.
func TestKeySetIgnoresForeignKeys(t *testing.T) {
	f := newFixture(t)
	f.jwks.publish(t,
		`{"kty":"AKP","alg":"ML-DSA-44","pub":"AAAA","kid":"pq"}`,
		`{"kty":"made-up","kid":"x"}`,
		`{"kty":"RSA","use":"enc","kid":"enc","n":"AQAB","e":"AQAB"}`,
		`{"kty":"RSA","n":"!!","e":"AQAB","kid":"bad"}`,
		f.key,
	)
	if _, err := f.v.Verify(context.Background(), sign(t, f.key, jose.RS256, f.claims(), nil), Checks{}); err != nil {
		t.Fatalf("C46: %v", err)
	}
}

func TestParseJWKSErrors(t *testing.T) {
	for _, doc := range []string{``, `{}`, `{"keys":[]}`, `{"keys":[{"kty":"oct","k":"AAAA"}]}`, `[1,2]`} {
		if _, err := parseJWKS([]byte(doc)); err == nil {
			t.Errorf("parseJWKS(%q) accepted", doc)
		}
	}
}

func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[null, 1, "x", {}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := parseJWKS(b)
		if err == nil && len(keys) == 0 {
			t.Fatal("no error and no keys")
		}
	})
}

// TestKeySetUntrustedRefetch: tokens from anyone (security events) naming
// made-up key IDs force at most one refetch per five minutes, so that a
// flood of them leaves logins the refetch they need after a rotation;
// a security event signed with a rotated key is verified once a refetch
// is allowed.
func TestKeySetUntrustedRefetch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.v.VerifySignature(ctx, sign(t, f.key, jose.RS256, f.claims(), nil)); err != nil {
		t.Fatal(err)
	}
	forger := rsaKey(t, "")
	for i := range 50 {
		f.now = f.now.Add(time.Minute) // past every ID-token limit each time
		forger.KeyID = "forged-" + strconv.Itoa(i)
		forged := sign(t, forger, jose.RS256, f.claims(), nil)
		if _, err := f.v.VerifySignature(ctx, forged); !errors.Is(err, ErrUnknownSigningKey) {
			t.Fatalf("forged kid: %v", err)
		}
	}
	// 1 first fetch + one per five minutes over 50 minutes.
	if n := f.jwks.fetches.Load(); n > 1+10 {
		t.Fatalf("%d key set fetches for 50 forged security events, want at most 11", n)
	}
	// Kakao rotates; a login with the new key refetches at once.
	k2 := rsaKey(t, "k2")
	f.jwks.publish(t, f.key, k2)
	f.now = f.now.Add(time.Second)
	before := f.jwks.fetches.Load()
	if _, err := f.v.Verify(ctx, sign(t, k2, jose.RS256, f.claims(), nil), Checks{}); err != nil {
		t.Fatalf("login after rotation: %v", err)
	}
	if f.jwks.fetches.Load() != before+1 {
		t.Fatal("the login did not refetch")
	}
	if _, err := f.v.VerifySignature(ctx, sign(t, k2, jose.RS256, f.claims(), nil)); err != nil {
		t.Fatalf("security event after rotation: %v", err)
	}
}
