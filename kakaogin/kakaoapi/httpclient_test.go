package kakaoapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// TestNewHTTPClientDefaults pins the documented defaults (C4, C5, C6).
func TestNewHTTPClientDefaults(t *testing.T) {
	hc := kakaoapi.NewHTTPClient()
	if hc.Timeout != 5*time.Second {
		t.Errorf("Timeout %v, want 5s", hc.Timeout)
	}
	if hc.CheckRedirect == nil || !errors.Is(hc.CheckRedirect(nil, nil), http.ErrUseLastResponse) {
		t.Errorf("CheckRedirect does not refuse redirects")
	}
	if hc.Transport == nil {
		t.Errorf("no size-capping transport")
	}
	c, err := kakaoapi.New(kakaoapi.Config{ClientID: "id", HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.HTTPClient(); got.Timeout != kakaoapi.RequestTimeout || got.CheckRedirect == nil {
		t.Errorf("adopted client: timeout %v, redirect check set %t", got.Timeout, got.CheckRedirect != nil)
	}
}

// padJSON returns a JSON object of exactly n bytes.
func padJSON(prefix string, n int) string {
	return prefix + strings.Repeat(" ", n-len(prefix)-1) + "}"
}

// TestBodyCap checks C6 for token and API answers, with and without a
// Content-Length, for the default client and for a caller's plain client.
func TestBodyCap(t *testing.T) {
	const tokenPrefix = `{"token_type":"bearer","access_token":"AT","expires_in":60`
	const mePrefix = `{"id":1`
	tests := []struct {
		name    string
		call    func(context.Context, *kakaoapi.Client) error
		body    string
		chunked bool
		wantErr bool
	}{
		{"token answer at the 64 KiB cap", calls["exchange"], padJSON(tokenPrefix, kakaoapi.MaxTokenResponse), false, false},
		{"token answer one byte over the cap", calls["exchange"], padJSON(tokenPrefix, kakaoapi.MaxTokenResponse+1), false, true},
		{"chunked token answer over the cap", calls["exchange"], padJSON(tokenPrefix, kakaoapi.MaxTokenResponse+1), true, true},
		{"user info at the 256 KiB cap", calls["me"], padJSON(mePrefix, kakaoapi.MaxResponse), false, false},
		{"user info over the cap", calls["me"], padJSON(mePrefix, kakaoapi.MaxResponse+1), false, true},
		{"chunked 5 MiB user info", calls["me"], padJSON(mePrefix, 5<<20), true, true},
		{"error answer over the cap", calls["me"], padJSON(`{"code":-401`, kakaoapi.MaxResponse+1), false, true},
	}
	clients := map[string]*http.Client{"default client": nil, "caller's plain client": {}}
	for cname, hc := range clients {
		for _, tt := range tests {
			t.Run(cname+"/"+tt.name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if tt.chunked {
						w.Header().Set("Transfer-Encoding", "chunked")
						for b := tt.body; len(b) > 0; {
							n := min(len(b), 4096)
							if _, err := io.WriteString(w, b[:n]); err != nil {
								return
							}
							w.(http.Flusher).Flush()
							b = b[n:]
						}
						return
					}
					io.WriteString(w, tt.body)
				}))
				t.Cleanup(srv.Close)
				c, err := kakaoapi.New(kakaoapi.Config{ClientID: "id", RedirectURL: testRedirect, AuthURL: srv.URL, APIURL: srv.URL, HTTPClient: hc})
				if err != nil {
					t.Fatal(err)
				}
				err = tt.call(t.Context(), c)
				if !tt.wantErr {
					if err != nil {
						t.Fatalf("body at the cap rejected: %v", err)
					}
					return
				}
				if !errors.Is(err, kakaoapi.ErrResponseTooLarge) || !errors.Is(err, kakaoapi.ErrUnavailable) {
					t.Fatalf("err %v, want ErrResponseTooLarge and ErrUnavailable", err)
				}
			})
		}
	}
}

// TestLimitedTransportForOtherLibraries checks the exported transport caps a
// body read by someone else (go-oidc reading JWKS, C6).
func TestLimitedTransportForOtherLibraries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Transfer-Encoding", "chunked")
		io.WriteString(w, strings.Repeat("k", kakaoapi.MaxResponse+10))
	}))
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: kakaoapi.NewLimitedTransport(nil)}
	resp, err := hc.Get(srv.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if !errors.Is(err, kakaoapi.ErrResponseTooLarge) {
		t.Fatalf("read %d bytes, err %v; want ErrResponseTooLarge", len(b), err)
	}
	if len(b) > kakaoapi.MaxResponse {
		t.Errorf("read %d bytes past the cap", len(b))
	}
}

// TestNoRedirects checks C5: a 307 from the token endpoint is not followed,
// so the other server receives nothing, whichever client is used.
func TestNoRedirects(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		io.WriteString(w, tokenBody)
	}))
	t.Cleanup(other.Close)
	for name, hc := range map[string]*http.Client{"default client": nil, "caller's redirect-following client": {}} {
		t.Run(name, func(t *testing.T) {
			s := newStub(t)
			s.setHeader("Location", other.URL+"/oauth/token")
			s.reply(http.StatusTemporaryRedirect, "")
			c := s.client(t, func(c *kakaoapi.Config) { c.HTTPClient = hc })
			_, err := c.Exchange(t.Context(), "code", "verifier")
			if !errors.Is(err, kakaoapi.ErrUnavailable) {
				t.Errorf("err %v, want ErrUnavailable", err)
			}
			var oe *kakaoapi.AuthError
			if !errors.As(err, &oe) || oe.HTTPStatus != http.StatusTemporaryRedirect {
				t.Errorf("err %v, want *AuthError with status 307", err)
			}
			if n := otherHits.Load(); n != 0 {
				t.Errorf("redirect target received %d requests", n)
			}
			if len(s.requests()) != 1 {
				t.Errorf("%d token requests, want 1", len(s.requests()))
			}
		})
	}
	if hc := (&http.Client{}); hc.CheckRedirect != nil {
		t.Errorf("caller's client was modified")
	}
}

// hang returns a server whose handler answers only when the client goes
// away or the test ends.
func hang(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return srv
}

// TestTimeouts checks that a slow Kakao ends in a *TransportError that is a
// timeout and ErrUnavailable (R2), with exactly one attempt.
func TestTimeouts(t *testing.T) {
	srv := hang(t)
	tests := []struct {
		name string
		hc   *http.Client
		ctx  func(t *testing.T) context.Context
	}{
		{"client timeout", &http.Client{Timeout: 20 * time.Millisecond}, func(t *testing.T) context.Context { return t.Context() }},
		{"context deadline", nil, func(t *testing.T) context.Context {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := kakaoapi.New(kakaoapi.Config{ClientID: "id", RedirectURL: testRedirect, AuthURL: srv.URL, APIURL: srv.URL, HTTPClient: tt.hc})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Exchange(tt.ctx(t), "code", "verifier")
			var te *kakaoapi.TransportError
			if !errors.As(err, &te) || !te.Timeout() {
				t.Fatalf("err %v, want a timeout *TransportError", err)
			}
			if !errors.Is(err, kakaoapi.ErrUnavailable) {
				t.Errorf("timeout is not ErrUnavailable")
			}
			if strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q carries the URL", err)
			}
		})
	}
}

// TestCancelledIsNotUnavailable checks that a caller's cancellation is
// reported as such, not as Kakao being down.
func TestCancelledIsNotUnavailable(t *testing.T) {
	srv := hang(t)
	c, err := kakaoapi.New(kakaoapi.Config{ClientID: "id", AuthURL: srv.URL, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = c.Me(ctx, user, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	if errors.Is(err, kakaoapi.ErrUnavailable) {
		t.Errorf("cancellation reported as ErrUnavailable")
	}
}

// TestConnectionRefused checks a dead host gives ErrUnavailable (R1).
func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := kakaoapi.New(kakaoapi.Config{ClientID: "id", AuthURL: url, APIURL: url})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Logout(t.Context(), admin)
	var te *kakaoapi.TransportError
	if !errors.As(err, &te) || te.Timeout() || !errors.Is(err, kakaoapi.ErrUnavailable) {
		t.Errorf("err %v, want a non-timeout *TransportError matching ErrUnavailable", err)
	}
}

// TestCallerClientKeepsTransport checks the caller's transport still carries
// the calls (instrumentation), under the cap and redirect rules.
func TestCallerClientKeepsTransport(t *testing.T) {
	s := newStub(t)
	s.reply(http.StatusOK, idBody)
	var seen atomic.Int32
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := s.client(t, func(c *kakaoapi.Config) { c.HTTPClient = hc })
	if _, err := c.Unlink(t.Context(), user); err != nil {
		t.Fatal(err)
	}
	if seen.Load() != 1 {
		t.Errorf("caller's transport saw %d requests, want 1", seen.Load())
	}
	if hc.Timeout != 0 || hc.CheckRedirect != nil {
		t.Errorf("caller's client was modified")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
