package kakaogin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	testIssuer   = "https://kauth.kakao.com"
	testClientID = "client-123"
)

// jwksServer publishes a key set and counts fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	doc     []byte
	status  int
	fetches atomic.Int64
}

func newJWKSServer(t *testing.T, keys ...any) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	s.publish(t, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		w.WriteHeader(s.status)
		w.Write(s.doc)
	}))
	t.Cleanup(s.Close)
	return s
}

// publish sets the key set; each key is a jose.JSONWebKey or a raw JSON
// object (for foreign keys).
func (s *jwksServer) publish(t *testing.T, keys ...any) {
	t.Helper()
	var raws []json.RawMessage
	for _, k := range keys {
		switch k := k.(type) {
		case jose.JSONWebKey:
			b, err := k.Public().MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, b)
		case string:
			raws = append(raws, json.RawMessage(k))
		}
	}
	b, _ := json.Marshal(map[string]any{"keys": raws})
	s.mu.Lock()
	s.doc = b
	s.mu.Unlock()
}

func rsaKey(t *testing.T, kid string) jose.JSONWebKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: "RS256", Use: "sig"}
}

// sign makes a compact JWS over claims with key and extra header fields.
func sign(t *testing.T, key jose.JSONWebKey, alg jose.SignatureAlgorithm, claims any, hdr map[jose.HeaderKey]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	for k, v := range hdr {
		opts = opts.WithHeader(k, v)
	}
	signKey := jose.SigningKey{Algorithm: alg, Key: key}
	if key.KeyID == "" {
		signKey.Key = key.Key
	}
	s, err := jose.NewSigner(signKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	var payload []byte
	switch c := claims.(type) {
	case string:
		payload = []byte(c)
	default:
		payload, _ = json.Marshal(c)
	}
	obj, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type fixture struct {
	now  time.Time
	key  jose.JSONWebKey
	jwks *jwksServer
	v    *idTokenVerifier
	ks   *keySet
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{now: time.Unix(1_800_000_000, 0), key: rsaKey(t, "k1")}
	f.jwks = newJWKSServer(t, f.key)
	clock := func() time.Time { return f.now }
	f.ks = newKeySet(f.jwks.URL, f.jwks.Client(), clock)
	f.v = newIDTokenVerifier(testIssuer, testClientID, f.ks, clock)
	return f
}

func (f *fixture) claims() map[string]any {
	return map[string]any{
		"iss": testIssuer, "aud": testClientID, "sub": "4242",
		"iat": f.now.Unix() - 5, "exp": f.now.Unix() + 3600,
		"auth_time": f.now.Unix() - 5, "nonce": "n-1", "nickname": "라이언",
	}
}

func TestVerifyAccepts(t *testing.T) {
	f := newFixture(t)
	c, err := f.v.Verify(context.Background(), sign(t, f.key, jose.RS256, f.claims(), nil),
		idTokenChecks{Nonce: "n-1", MaxAge: maxIDTokenAge})
	if err != nil {
		t.Fatalf("C34: valid token rejected: %v", err)
	}
	if c.KakaoID != 4242 || c.Nickname != "라이언" || c.AuthTime.IsZero() {
		t.Fatalf("claims = %+v", c)
	}
}

// TestVerifyRejects is the ID-token rejection table of SECURITY.md §E.
func TestVerifyRejects(t *testing.T) {
	f := newFixture(t)
	attacker := rsaKey(t, "k1") // same kid as the real key, unpublished
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	with := func(mut func(m map[string]any)) map[string]any {
		m := f.claims()
		mut(m)
		return m
	}
	good := sign(t, f.key, jose.RS256, f.claims(), nil)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+testIssuer+`","aud":"`+testClientID+`","sub":"1","iat":1799999990,"exp":1800003600,"nonce":"n-1"}`)) + "." + parts[2]
	noneHeader := func(alg string) string {
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","typ":"JWT"}`))
		p, _ := json.Marshal(f.claims())
		return h + "." + base64.RawURLEncoding.EncodeToString(p) + "."
	}
	hmacKey := jose.JSONWebKey{Key: []byte("client-secret-client-secret-32by"), KeyID: "k1"}
	cases := []struct {
		name, token string
		checks      idTokenChecks
	}{
		{"C35 signed by unpublished key with published kid", sign(t, attacker, jose.RS256, f.claims(), nil), idTokenChecks{}},
		{"C35 payload altered after signing", tampered, idTokenChecks{}},
		{"C35 signature truncated", good[:len(good)-10], idTokenChecks{}},
		{"C36 HS256 over the client secret", sign(t, hmacKey, jose.HS256, f.claims(), nil), idTokenChecks{}},
		{"C36 ES256", sign(t, jose.JSONWebKey{Key: ecKey, KeyID: "k1"}, jose.ES256, f.claims(), nil), idTokenChecks{}},
		{"C36 RS512", sign(t, f.key, jose.RS512, f.claims(), nil), idTokenChecks{}},
		{"C36 PS256", sign(t, f.key, jose.PS256, f.claims(), nil), idTokenChecks{}},
		{"C37 alg none", noneHeader("none"), idTokenChecks{}},
		{"C37 alg NONE", noneHeader("NONE"), idTokenChecks{}},
		{"C37 alg None", noneHeader("None"), idTokenChecks{}},
		{"C38 iss trailing slash", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iss"] = testIssuer + "/" }), nil), idTokenChecks{}},
		{"C38 iss http", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iss"] = "http://kauth.kakao.com" }), nil), idTokenChecks{}},
		{"C38 iss upper case", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iss"] = "https://KAUTH.kakao.com" }), nil), idTokenChecks{}},
		{"C38 iss missing", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "iss") }), nil), idTokenChecks{}},
		{"C38 iss array", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iss"] = []string{testIssuer} }), nil), idTokenChecks{}},
		{"C39 aud missing", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "aud") }), nil), idTokenChecks{}},
		{"C39/C47 aud other app", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["aud"] = "other-app" }), nil), idTokenChecks{}},
		{"C39 aud ours plus another", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["aud"] = []string{testClientID, "other"} }), nil), idTokenChecks{}},
		{"C39 azp other", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["azp"] = "other" }), nil), idTokenChecks{}},
		{"C40 sub missing", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "sub") }), nil), idTokenChecks{}},
		{"C40 sub empty", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["sub"] = "" }), nil), idTokenChecks{}},
		{"C40 sub number", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["sub"] = 1234 }), nil), idTokenChecks{}},
		{"C40 sub leading space", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["sub"] = " 1234" }), nil), idTokenChecks{}},
		{"C40 sub NUL", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["sub"] = "1234\x00" }), nil), idTokenChecks{}},
		{"C40 sub too long", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["sub"] = strings.Repeat("9", 256) }), nil), idTokenChecks{}},
		{"C41 nonce missing", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "nonce") }), nil), idTokenChecks{Nonce: "n-1"}},
		{"C41 nonce other", sign(t, f.key, jose.RS256, f.claims(), nil), idTokenChecks{Nonce: "n-2"}},
		{"C42 iat missing", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "iat") }), nil), idTokenChecks{}},
		{"C42 iat 5 min ahead", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iat"] = f.now.Unix() + 300 }), nil), idTokenChecks{}},
		{"C42 iat a day old", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iat"] = f.now.Unix() - 86400 }), nil), idTokenChecks{MaxAge: maxIDTokenAge}},
		{"C42 expired beyond leeway", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["exp"] = f.now.Unix() - 61 }), nil), idTokenChecks{}},
		{"C43 embedded jwk of attacker", sign(t, attacker, jose.RS256, f.claims(), map[jose.HeaderKey]any{"jwk": attacker.Public()}), idTokenChecks{}},
		{"C43 jku header", sign(t, f.key, jose.RS256, f.claims(), map[jose.HeaderKey]any{"jku": "https://attacker.example/jwks"}), idTokenChecks{}},
		{"C43 crit header", sign(t, f.key, jose.RS256, f.claims(), map[jose.HeaderKey]any{"crit": []string{"exp"}}), idTokenChecks{}},
		{"C48 auth_time older than re-auth", sign(t, f.key, jose.RS256, f.claims(), nil), idTokenChecks{AuthAfter: f.now.Add(2 * time.Minute)}},
		{"C48 auth_time missing on re-auth", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "auth_time") }), nil), idTokenChecks{AuthAfter: f.now}},
		{"at_hash mismatch", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }), nil), idTokenChecks{AccessToken: "access"}},
		{"duplicate sub", sign(t, f.key, jose.RS256, `{"iss":"`+testIssuer+`","aud":"`+testClientID+`","sub":"1","sub":"2","iat":1799999995,"exp":1800003600}`, nil), idTokenChecks{}},
		{"empty token", "", idTokenChecks{}},
		{"C33 a megabyte of dots", strings.Repeat(".", 1<<20), idTokenChecks{}},
		{"C33 over 16 KiB", good + strings.Repeat("A", 16<<10), idTokenChecks{}},
		{"C33 JWE (five parts)", "a.b.c.d.e", idTokenChecks{}},
		{"C33 JSON serialization", `{"payload":"x","signatures":[]}`, idTokenChecks{}},
		{"garbage", "a.b.c", idTokenChecks{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), tc.token, tc.checks)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrIDToken) {
				t.Fatalf("error %v does not match ErrIDToken", err)
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Fatal("C101: error text contains the token")
			}
		})
	}
}

func TestVerifyAcceptsWithinLeeway(t *testing.T) {
	f := newFixture(t)
	for name, mut := range map[string]func(map[string]any){
		"C42 iat 30 s old":          func(m map[string]any) { m["iat"] = f.now.Unix() - 30 },
		"C42 iat 30 s ahead":        func(m map[string]any) { m["iat"] = f.now.Unix() + 30 },
		"exp 30 s ago":              func(m map[string]any) { m["exp"] = f.now.Unix() - 30 },
		"C39 aud one-element array": func(m map[string]any) { m["aud"] = []string{testClientID} },
		"C40 sub above 2^53":        func(m map[string]any) { m["sub"] = "9007199254740993" },
		"at_hash correct": func(m map[string]any) {
			sum := sha256.Sum256([]byte("access"))
			m["at_hash"] = base64.RawURLEncoding.EncodeToString(sum[:16])
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := f.claims()
			mut(m)
			c, err := f.v.Verify(context.Background(), sign(t, f.key, jose.RS256, m, nil),
				idTokenChecks{Nonce: "n-1", MaxAge: maxIDTokenAge, AccessToken: "access"})
			if err != nil {
				t.Fatal(err)
			}
			if name == "C40 sub above 2^53" && c.KakaoID != 9007199254740993 {
				t.Fatalf("KakaoID = %d", c.KakaoID)
			}
		})
	}
}

// TestKeySetKid covers C44: kid absent with one or several keys.
func TestKeySetKid(t *testing.T) {
	f := newFixture(t)
	noKid := jose.JSONWebKey{Key: f.key.Key, Algorithm: "RS256"}
	if _, err := f.v.Verify(context.Background(), sign(t, noKid, jose.RS256, f.claims(), nil), idTokenChecks{}); err != nil {
		t.Fatalf("C44 no kid, single key: %v", err)
	}
	f.jwks.publish(t, f.key, rsaKey(t, "k2"))
	f.now = f.now.Add(time.Minute) // allow a refetch
	f.ks.refresh(context.Background(), "")
	if _, err := f.v.Verify(context.Background(), sign(t, noKid, jose.RS256, f.claims(), nil), idTokenChecks{}); err != nil {
		t.Fatalf("C44 no kid, several keys, exactly one verifies: %v", err)
	}
	stranger := rsaKey(t, "")
	if _, err := f.v.Verify(context.Background(), sign(t, stranger, jose.RS256, f.claims(), nil), idTokenChecks{}); err == nil {
		t.Fatal("C44 no kid, no key verifies: accepted")
	}
}

// TestKeySetRotation covers C45 and R5: one refetch for a new kid, shared
// by concurrent callbacks, rate-limited for unknown kids, and cached keys
// still verify while the JWKS endpoint is down.
func TestKeySetRotation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.v.Verify(ctx, sign(t, f.key, jose.RS256, f.claims(), nil), idTokenChecks{}); err != nil {
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
			if _, err := f.v.Verify(ctx, tok, idTokenChecks{}); err != nil {
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
		_, err := f.v.Verify(ctx, unknown, idTokenChecks{})
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
	if _, err := f.v.Verify(ctx, sign(t, k2, jose.RS256, f.claims(), nil), idTokenChecks{}); err != nil {
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
	if _, err := f.v.Verify(context.Background(), sign(t, f.key, jose.RS256, f.claims(), nil), idTokenChecks{}); err != nil {
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

func FuzzDuplicateClaim(f *testing.F) {
	f.Add([]byte(`{"sub":"1","sub":"2"}`))
	f.Add([]byte(`{"a":{"sub":1},"sub":"2"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		name, dup := duplicateClaim(b)
		if dup && name == "" {
			t.Fatal("duplicate without a name")
		}
	})
}

func FuzzParseKakaoID(f *testing.F) {
	for _, s := range []string{"1", "9223372036854775807", "9223372036854775808", "-1", "+1", " 1", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseKakaoID(s)
		if err == nil && (id <= 0 || fmt.Sprint(id) != s) {
			t.Fatalf("parseKakaoID(%q) = %d", s, id)
		}
	})
}
