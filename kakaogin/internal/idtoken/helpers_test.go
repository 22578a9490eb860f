package idtoken

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
	v    *Verifier
	ks   *keySet
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{now: time.Unix(1_800_000_000, 0), key: rsaKey(t, "k1")}
	f.jwks = newJWKSServer(t, f.key)
	clock := func() time.Time { return f.now }
	f.ks = newKeySet(f.jwks.URL, f.jwks.Client(), clock)
	f.v = newVerifier(testIssuer, testClientID, f.ks, clock)
	return f
}

func (f *fixture) claims() map[string]any {
	return map[string]any{
		"iss": testIssuer, "aud": testClientID, "sub": "4242",
		"iat": f.now.Unix() - 5, "exp": f.now.Unix() + 3600,
		"auth_time": f.now.Unix() - 5, "nonce": "n-1", "nickname": "라이언",
	}
}
