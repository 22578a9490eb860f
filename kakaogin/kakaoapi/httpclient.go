package kakaoapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Response size caps. A longer body fails with ErrResponseTooLarge
// instead of being read into memory, so a hostile or broken server cannot
// exhaust it.
const (
	// MaxTokenResponse caps token-endpoint and discovery responses.
	MaxTokenResponse = 64 << 10
	// MaxResponse caps every other response (JWKS, user info, …).
	MaxResponse = 256 << 10
)

// Timeouts of the client returned by NewHTTPClient, so a slow Kakao cannot
// hold a request (and its goroutine) forever.
const (
	DialTimeout           = 2 * time.Second // TCP connect
	TLSHandshakeTimeout   = 2 * time.Second
	ResponseHeaderTimeout = 5 * time.Second
	RequestTimeout        = 5 * time.Second // whole call, body included
)

// NewHTTPClient returns the HTTP client the package uses by default, suited
// to back-channel calls to Kakao: connect and TLS-handshake timeouts of 2 s,
// a response-header timeout and an overall timeout of 5 s, redirects never
// followed (a 3xx comes back as the response, so a 307 from the token
// endpoint cannot re-send the client secret elsewhere), and response bodies
// capped by NewLimitedTransport. It is also suitable for go-oidc and
// x/oauth2 calls to Kakao.
func NewHTTPClient() *http.Client {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   TLSHandshakeTimeout,
		ResponseHeaderTimeout: ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport:     NewLimitedTransport(t),
		CheckRedirect: refuseRedirect,
		Timeout:       RequestTimeout,
	}
}

// adoptHTTPClient returns a copy of a caller's client made safe for
// back-channel calls: redirects refused, bodies capped, and an overall
// timeout of RequestTimeout when it had none. The caller's client is not
// modified; its transport (instrumentation, TLS roots) is kept underneath.
func adoptHTTPClient(hc *http.Client) *http.Client {
	cp := *hc
	cp.CheckRedirect = refuseRedirect
	if _, ok := cp.Transport.(*limitedTransport); !ok {
		cp.Transport = NewLimitedTransport(cp.Transport)
	}
	if cp.Timeout == 0 {
		cp.Timeout = RequestTimeout
	}
	return &cp
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NewLimitedTransport wraps base (nil means http.DefaultTransport) so that
// every response body is capped: a response announcing a longer
// Content-Length fails at once, and reading past the cap fails with
// ErrResponseTooLarge. Token and discovery responses are capped at
// MaxTokenResponse, everything else at MaxResponse. Use it for clients handed
// to go-oidc, which reads bodies without a limit.
func NewLimitedTransport(base http.RoundTripper) http.RoundTripper {
	return &limitedTransport{base: base}
}

type limitedTransport struct{ base http.RoundTripper }

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	limit := bodyLimit(req)
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, ErrResponseTooLarge
	}
	resp.Body = &cappedBody{rc: resp.Body, left: limit}
	return resp, nil
}

type limitKey struct{}

// withLimit records the body cap of one call for the transport.
func withLimit(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, limitKey{}, n)
}

func bodyLimit(req *http.Request) int64 {
	if n, ok := req.Context().Value(limitKey{}).(int64); ok {
		return n
	}
	p := req.URL.Path
	if strings.HasSuffix(p, "/oauth/token") || strings.HasSuffix(p, "/.well-known/openid-configuration") {
		return MaxTokenResponse
	}
	return MaxResponse
}

// cappedBody returns ErrResponseTooLarge once more than left bytes exist.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var probe [1]byte
		n, err := b.rc.Read(probe[:])
		if n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// readBody reads at most limit bytes of body, whatever transport produced
// it, so every read is bounded even for a caller's own client.
func readBody(body io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if errors.Is(err, ErrResponseTooLarge) || int64(len(b)) > limit {
		return nil, tooLarge(limit)
	}
	return b, err
}

func tooLarge(limit int64) error {
	return &malformedError{msg: fmt.Sprintf("response body over the %d-byte cap", limit), kind: ErrResponseTooLarge}
}
