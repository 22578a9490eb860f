package kakaoapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

const (
	testClientID     = "rest-api-key-123"
	testClientSecret = "client-secret-XYZ"
	testRedirect     = "https://svc.example/auth/kakao/callback"
	testAdminKey     = "admin-key-ABC"
	bigID            = 1376016924429759243 // > 2^53 (§0.2)
)

// testNow is the fixed clock of test clients.
var testNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// seen is one request as the stub server received it.
type seen struct {
	Method        string
	Path          string
	Authorization string
	ContentType   string
	Query         url.Values
	Form          url.Values // parsed body
	Body          string
}

// stub is an httptest server standing in for both Kakao hosts: it records
// every request and answers with a configurable reply.
type stub struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []seen
	status int
	body   string
	header http.Header
}

func newStub(t *testing.T) *stub {
	t.Helper()
	s := &stub{status: http.StatusOK, body: "{}", header: http.Header{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *stub) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(b))
	s.mu.Lock()
	s.reqs = append(s.reqs, seen{
		Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), Query: r.URL.Query(), Form: form, Body: string(b),
	})
	status, body := s.status, s.body
	for k, v := range s.header {
		w.Header()[k] = v
	}
	s.mu.Unlock()
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// reply sets the answer to the following requests.
func (s *stub) reply(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

// setHeader adds a header to the following answers.
func (s *stub) setHeader(k, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.header.Set(k, v)
}

func (s *stub) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

// last returns the only request received since the previous call.
func (s *stub) last(t *testing.T) seen {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) != 1 {
		t.Fatalf("server received %d requests, want 1", len(s.reqs))
	}
	r := s.reqs[0]
	s.reqs = nil
	return r
}

// client returns a Client whose kauth and kapi hosts are both s.
func (s *stub) client(t *testing.T, mod ...func(*kakaoapi.Config)) *kakaoapi.Client {
	t.Helper()
	cfg := kakaoapi.Config{
		ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: testRedirect,
		AuthURL: s.URL, APIURL: s.URL, Now: func() time.Time { return testNow },
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := kakaoapi.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}
