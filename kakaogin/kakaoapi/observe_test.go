package kakaoapi_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// observed is one call an Observer was told of.
type observed struct {
	path   string
	status int
	err    error
}

type ctxMark struct{}

// TestObserve: Config.Observe is told of every call, API and auth server
// alike, with the path, the status and the error, and the request is sent
// with the context it returns.
func TestObserve(t *testing.T) {
	s := newStub(t)
	var calls []observed
	var sentMarked []bool
	c := s.client(t, func(cfg *kakaoapi.Config) {
		cfg.Observe = func(ctx context.Context, path string) (context.Context, func(int, error)) {
			return context.WithValue(ctx, ctxMark{}, true), func(status int, err error) {
				calls = append(calls, observed{path, status, err})
			}
		}
		cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			marked, _ := r.Context().Value(ctxMark{}).(bool)
			sentMarked = append(sentMarked, marked)
			return http.DefaultTransport.RoundTrip(r)
		})}
	})
	s.reply(200, `{"id":42}`)
	if _, err := c.Me(context.Background(), kakaoapi.Bearer("access"), nil); err != nil {
		t.Fatal(err)
	}
	s.reply(401, `{"code":-401,"msg":"this access token does not exist"}`)
	if _, err := c.Me(context.Background(), kakaoapi.Bearer("access"), nil); !errors.Is(err, kakaoapi.ErrInvalidToken) {
		t.Fatalf("err = %v", err)
	}
	s.reply(400, `{"error":"invalid_grant","error_description":"authorization code not found","error_code":"KOE320"}`)
	if _, err := c.Exchange(context.Background(), "code", "verifier"); !errors.Is(err, kakaoapi.ErrInvalidGrant) {
		t.Fatalf("err = %v", err)
	}
	if len(calls) != 3 || len(sentMarked) != 3 {
		t.Fatalf("observed %d calls, sent %d", len(calls), len(sentMarked))
	}
	want := []observed{{"/v2/user/me", 200, nil}, {"/v2/user/me", 401, kakaoapi.ErrInvalidToken}, {"/oauth/token", 400, kakaoapi.ErrInvalidGrant}}
	for i, w := range want {
		got := calls[i]
		if got.path != w.path || got.status != w.status || (w.err == nil) != (got.err == nil) || (w.err != nil && !errors.Is(got.err, w.err)) {
			t.Errorf("call %d: %+v, want %+v", i, got, w)
		}
		if !sentMarked[i] {
			t.Errorf("call %d was not sent with the observer's context", i)
		}
	}
}
