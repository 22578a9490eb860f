package kakaotest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const testRedirect = "http://app.test/auth/kakao/callback"

var testKey *rsa.PrivateKey

func TestMain(m *testing.M) {
	var err error
	if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newFake(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := NewServer(append([]Option{WithSigningKey(testKey), WithRedirectURI(testRedirect)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

// browser is an http.Client with a cookie jar that does not follow redirects.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authParams are the usual authorize parameters with a PKCE S256 challenge
// for verifier "v-"+state.
func (s *Server) authParams(state string, extra ...string) url.Values {
	v := url.Values{"client_id": {s.ClientID}, "redirect_uri": {testRedirect}, "response_type": {"code"},
		"state": {state}, "nonce": {"n-" + state}, "code_challenge": {s256("verifier-" + state + "-0123456789abcdefghijklmnop")},
		"code_challenge_method": {"S256"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func verifierFor(state string) string { return "verifier-" + state + "-0123456789abcdefghijklmnop" }

// authorize sends the browser to authorize and returns the response.
func authorize(t *testing.T, c *http.Client, s *Server, q url.Values) *http.Response {
	t.Helper()
	resp, err := c.Get(s.URL + PathAuthorize + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// redirectParams checks for a 302 to the redirect URI and returns its query.
func redirectParams(t *testing.T, resp *http.Response) url.Values {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("authorize status %d, want 302; body %.300s", resp.StatusCode, b)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), testRedirect+"?") {
		t.Fatalf("Location %q does not go to the redirect URI", resp.Header.Get("Location"))
	}
	return loc.Query()
}

// postForm posts form to path and decodes the JSON answer.
func postForm(t *testing.T, s *Server, path string, form url.Values, authz string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	return do(t, req)
}

// get sends a GET with query and Authorization and decodes the JSON answer.
func get(t *testing.T, s *Server, path string, q url.Values, authz string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path+"?"+q.Encode(), nil)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s %s: status %d, body not a JSON object: %.200s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

// exchange swaps code for tokens with the verifier for state.
func exchange(t *testing.T, s *Server, code, state string) (int, map[string]any) {
	t.Helper()
	return postForm(t, s, PathToken, url.Values{"grant_type": {"authorization_code"}, "client_id": {s.ClientID},
		"client_secret": {s.ClientSecret}, "redirect_uri": {testRedirect}, "code": {code},
		"code_verifier": {verifierFor(state)}}, "")
}

// login runs authorize + token and returns the token response.
func login(t *testing.T, s *Server, c *http.Client, state string, extra ...string) map[string]any {
	t.Helper()
	q := redirectParams(t, authorize(t, c, s, s.authParams(state, extra...)))
	if q.Get("state") != state || q.Get("code") == "" {
		t.Fatalf("redirect query %v: want code and state %q", q, state)
	}
	st, body := exchange(t, s, q.Get("code"), state)
	if st != 200 {
		t.Fatalf("token exchange: %d %v", st, body)
	}
	return body
}

func bearer(tok any) string { return "Bearer " + tok.(string) }

func wantKauthErr(t *testing.T, status int, body map[string]any, wantStatus int, wantErr, wantCode string) {
	t.Helper()
	if status != wantStatus || body["error"] != wantErr || body["error_code"] != wantCode {
		t.Fatalf("got %d %v, want %d %s %s", status, body, wantStatus, wantErr, wantCode)
	}
}

func wantKapiErr(t *testing.T, status int, body map[string]any, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus || body["code"] != json.Number(wantCode) || body["msg"] == nil {
		t.Fatalf("got %d %v, want %d code %s", status, body, wantStatus, wantCode)
	}
}

// newReq sends an authorised GET and returns the raw body.
func newReq(s *Server, path string, q url.Values, authz string) ([]byte, int) {
	req, _ := http.NewRequest(http.MethodGet, s.URL+path+"?"+q.Encode(), nil)
	req.Header.Set("Authorization", authz)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b, resp.StatusCode
}
