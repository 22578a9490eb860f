package idtoken

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// fakeDiscovery serves a fixed discovery document or error and counts calls.
type fakeDiscovery struct {
	calls atomic.Int64
	mu    sync.Mutex
	doc   kakaoapi.Discovery
	err   error
}

func (d *fakeDiscovery) Discover(context.Context) (*kakaoapi.Discovery, error) {
	d.calls.Add(1)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return nil, d.err
	}
	doc := d.doc
	return &doc, nil
}

func (d *fakeDiscovery) set(doc kakaoapi.Discovery, err error) {
	d.mu.Lock()
	d.doc, d.err = doc, err
	d.mu.Unlock()
}

func newTestProvider(d *fakeDiscovery, now *time.Time) *Provider {
	return NewProvider(Config{
		Issuer: testIssuer, ClientID: testClientID, Discovery: d,
		Now: func() time.Time { return *now },
	})
}

// TestProviderChecksDiscovery covers C3: the discovery document must name
// the configured issuer exactly and a key set on the issuer's host.
func TestProviderChecksDiscovery(t *testing.T) {
	cases := []struct {
		name, issuer, jwks string
		ok                 bool
	}{
		{"matching issuer and key set host", testIssuer, testIssuer + "/.well-known/jwks.json", true},
		{"C3 issuer with a trailing slash", testIssuer + "/", testIssuer + "/.well-known/jwks.json", false},
		{"C3 another issuer", "https://evil.example", testIssuer + "/.well-known/jwks.json", false},
		{"C3 key set on another host", testIssuer, "https://evil.example/jwks.json", false},
		{"C3 key set over http", testIssuer, "http://kauth.kakao.com/.well-known/jwks.json", false},
		{"C3 key set URL unparseable", testIssuer, "https://kauth.kakao.com/%zz", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Unix(1_800_000_000, 0)
			d := &fakeDiscovery{doc: kakaoapi.Discovery{Issuer: tc.issuer, JWKSURL: tc.jwks}}
			p := newTestProvider(d, &now)
			v, err := p.Verifier(context.Background())
			if !tc.ok {
				if !errors.Is(err, ErrDiscovery) {
					t.Fatalf("err = %v, want ErrDiscovery", err)
				}
				return
			}
			if err != nil || v == nil {
				t.Fatalf("Verifier() = %v, %v", v, err)
			}
			if again, err := p.Verifier(context.Background()); err != nil || again != v {
				t.Fatalf("second Verifier() = %p, %v; want the first, %p", again, err, v)
			}
			if n := d.calls.Load(); n != 1 {
				t.Fatalf("discovery fetched %d times, want once", n)
			}
		})
	}
}

// TestProviderRetrySpacing: after a failed fetch, calls within
// minDiscoveryRetry fail without a request; a later call tries again.
func TestProviderRetrySpacing(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	down := errors.New("kakao down")
	d := &fakeDiscovery{err: down}
	p := newTestProvider(d, &now)
	ctx := context.Background()

	if _, err := p.Verifier(ctx); !errors.Is(err, ErrDiscovery) || !errors.Is(err, down) {
		t.Fatalf("err = %v, want ErrDiscovery wrapping the fetch error", err)
	}
	d.set(kakaoapi.Discovery{Issuer: testIssuer, JWKSURL: testIssuer + "/jwks"}, nil)
	now = now.Add(minDiscoveryRetry - time.Second)
	if _, err := p.Verifier(ctx); !errors.Is(err, ErrDiscovery) {
		t.Fatalf("err = %v within the retry spacing, want ErrDiscovery", err)
	}
	if n := d.calls.Load(); n != 1 {
		t.Fatalf("discovery fetched %d times within the retry spacing, want once", n)
	}
	now = now.Add(time.Second)
	if _, err := p.Verifier(ctx); err != nil {
		t.Fatalf("retry after the spacing: %v", err)
	}
}

// TestProviderConcurrent: concurrent first calls share one fetch and one
// Verifier.
func TestProviderConcurrent(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	d := &fakeDiscovery{doc: kakaoapi.Discovery{Issuer: testIssuer, JWKSURL: testIssuer + "/jwks"}}
	p := newTestProvider(d, &now)
	var wg sync.WaitGroup
	got := make([]*Verifier, 50)
	for i := range got {
		wg.Go(func() {
			v, err := p.Verifier(context.Background())
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	for _, v := range got {
		if v != got[0] {
			t.Fatal("concurrent callers got different verifiers")
		}
	}
	if n := d.calls.Load(); n != 1 {
		t.Fatalf("discovery fetched %d times, want once", n)
	}
}
