package kakaogin

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// TestTokenEndpointTimeout is C4: a hanging token endpoint gives an error
// page within the client's budget, not a hung request.
func TestTokenEndpointTimeout(t *testing.T) {
	h := newHarness(t, withConfig(func(c *Config) { c.HTTPClient = &http.Client{Timeout: time.Second} }))
	h.fake.Fail(kakaotest.PathToken, kakaotest.Fault{Delay: 30 * time.Second})
	start := time.Now()
	status, _ := h.browser().login("/")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", status)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("C4: answered after %v", d)
	}
}

// TestTokenEndpointRedirectNotFollowed is C5: a 307 from the token
// endpoint would re-POST the code and secret elsewhere; it is not followed.
func TestTokenEndpointRedirectNotFollowed(t *testing.T) {
	h := newHarness(t)
	other := kakaotest.NewServer(kakaotest.WithSigningKey(sharedKey()))
	defer other.Close()
	h.fake.Fail(kakaotest.PathToken, kakaotest.Fault{Status: http.StatusTemporaryRedirect,
		Header: http.Header{"Location": {other.URL + kakaotest.PathToken}}})
	status, _ := h.browser().login("/")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", status)
	}
	if n := len(other.Requests()); n != 0 {
		t.Fatalf("C5: the redirect target received %d requests", n)
	}
}

// TestOversizedKeySet is C6: a huge JWKS body fails the login fast instead
// of being read whole.
func TestOversizedKeySet(t *testing.T) {
	h := newHarness(t)
	h.fake.Fail(kakaotest.PathJWKS, kakaotest.Fault{Status: 200, Body: `{"keys":[` + strings.Repeat(" ", 4<<20) + `]}`})
	start := time.Now()
	status, _ := h.browser().login("/")
	if status < 500 {
		t.Fatalf("status %d, want a 5xx", status)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("C6: took %v", d)
	}
}

// TestUntrustedTLS is C8: Kakao behind a certificate the system does not
// trust is "Kakao unavailable", never a silent skip of verification.
func TestUntrustedTLS(t *testing.T) {
	h := newHarness(t, withFake(kakaotest.WithTLS()))
	if !strings.HasPrefix(h.fake.URL, "https://") {
		t.Fatalf("fake URL %q", h.fake.URL)
	}
	b := h.browser()
	b.Transport = h.fake.Client().Transport // the browser trusts the fake; the library must not
	status, _ := b.login("/")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("C8: status %d, want 503", status)
	}
	if h.fake.Hits(kakaotest.PathToken) != 0 {
		t.Fatal("C8: token request completed over an untrusted connection")
	}
}

// TestRefreshedIDTokenOtherUser is C97: an ID token returned by a refresh
// that names another user is refused.
func TestRefreshedIDTokenOtherUser(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.login("/")
	h.fake.MutateIDTokenClaims(func(m map[string]any) { m["sub"] = strconv.FormatInt(kakaotest.UserSeoyeon, 10) })
	h.clock.Advance(nearExpiry)
	if status, body, _ := b.get("/kakao/me"); status == http.StatusOK {
		t.Fatalf("C97: refresh with another user's ID token accepted: %q", body)
	}
}

// FuzzCallbackQuery feeds arbitrary callback queries, from a browser
// without a session cookie and from one whose session holds a live flow:
// never a panic and never a 5xx for bad input. Each input gets a fresh
// failure budget (issue 11, point 3), so that the checks behind it run.
func FuzzCallbackQuery(f *testing.F) {
	for _, s := range []string{"code=a&state=b", "state=%00", "error=access_denied&state=x", "code=a&code=b&state=c",
		"state=" + strings.Repeat("A", 600), "iss=https://evil&state=a&code=b", "%zz", "state=a;b"} {
		f.Add(s)
	}
	h := newHarness(f)
	b := h.browser()
	b.toKakao("/auth/kakao/login")
	var cookie string
	for _, ck := range b.Jar.Cookies(mustURL(h.srv.URL)) {
		cookie = ck.Name + "=" + ck.Value
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, ck := range []string{"", cookie} {
			h.clock.Advance(callbackFailWindow)
			req := httptest.NewRequest(http.MethodGet, "/auth/kakao/callback", nil)
			req.URL.RawQuery = raw
			if ck != "" {
				req.Header.Set("Cookie", ck)
			}
			w := httptest.NewRecorder()
			h.eng.ServeHTTP(w, req)
			if w.Code >= 500 {
				t.Fatalf("query %q (cookie %v): status %d", raw, ck != "", w.Code)
			}
			if h.fake.Hits(kakaotest.PathToken) != 0 {
				t.Fatalf("query %q reached the token endpoint", raw)
			}
		}
	})
}
