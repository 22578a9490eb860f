package kakaogin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// testHealthLimit is the per-check limit of the health tests: short, so
// that the timeout cases do not wait Health's two seconds.
const testHealthLimit = 300 * time.Millisecond

// storePassword is the password in the store URL of errStoreDownURL, which
// a health answer must never show.
const storePassword = "s3cret-store-pass"

// errStoreDownURL is a store failure whose text carries a URL with a
// password, as a driver's dial error may.
var errStoreDownURL = fmt.Errorf("%w: dial redis://app:%s@10.0.0.7:6379: connection refused", store.ErrUnavailable, storePassword)

// kakaoAnswerSecret is text in a failing Kakao answer that must not be
// echoed by a health answer.
const kakaoAnswerSecret = "kakao-answer-text-not-for-probes"

// healthReply is a decoded Health answer.
type healthReply struct {
	code   int
	header http.Header
	raw    string
	rep    healthReport
}

// probe sends one request of method to a Health handler at url.
func probe(t *testing.T, method, url string) healthReply {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s health: %v", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := healthReply{code: resp.StatusCode, header: resp.Header, raw: string(b)}
	if method == http.MethodGet && resp.StatusCode != http.StatusMethodNotAllowed {
		if err := json.Unmarshal(b, &r.rep); err != nil {
			t.Fatalf("health body is not JSON: %v: %q", err, b)
		}
	}
	return r
}

// healthServer serves h's Health handler, with the test limit per check,
// on its own server: no session middleware in front of it.
func healthServer(t *testing.T, h *harness) string {
	t.Helper()
	srv := httptest.NewServer(h.kg.health(testHealthLimit))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestHealth checks the readiness answer for a healthy app and for each
// dependency failing: a store that is down or hangs, Kakao's key set or
// discovery failing or slow (R9/R20-style outages seen by an operator
// before users meet them), and OIDC switched off.
func TestHealth(t *testing.T) {
	cases := []struct {
		name     string
		opts     []harnessOpt
		storeF   *storetest.Fault
		kakaoAt  string
		kakaoF   kakaotest.Fault
		wantCode int
		want     map[string]healthCheck // status and reason of each check
	}{
		{name: "ok", wantCode: http.StatusOK, want: map[string]healthCheck{
			"store": {Status: "ok"}, "kakao_keys": {Status: "ok"}}},
		{name: "store down", storeF: &storetest.Fault{Err: errStoreDownURL}, wantCode: http.StatusServiceUnavailable,
			want: map[string]healthCheck{"store": {Status: "failing", Reason: "unavailable"}, "kakao_keys": {Status: "ok"}}},
		{name: "store hangs", storeF: &storetest.Fault{Hang: true}, wantCode: http.StatusServiceUnavailable,
			want: map[string]healthCheck{"store": {Status: "failing", Reason: "timeout"}, "kakao_keys": {Status: "ok"}}},
		{name: "key set fails", kakaoAt: kakaotest.PathJWKS, kakaoF: kakaotest.Fault{Status: 500, Body: kakaoAnswerSecret},
			wantCode: http.StatusServiceUnavailable,
			want:     map[string]healthCheck{"store": {Status: "ok"}, "kakao_keys": {Status: "failing", Reason: "unavailable"}}},
		{name: "key set malformed", kakaoAt: kakaotest.PathJWKS, kakaoF: kakaotest.Fault{Malformed: true},
			wantCode: http.StatusServiceUnavailable,
			want:     map[string]healthCheck{"store": {Status: "ok"}, "kakao_keys": {Status: "failing", Reason: "unavailable"}}},
		{name: "key set slow", kakaoAt: kakaotest.PathJWKS, kakaoF: kakaotest.Fault{Delay: 3 * time.Second},
			wantCode: http.StatusServiceUnavailable,
			want:     map[string]healthCheck{"store": {Status: "ok"}, "kakao_keys": {Status: "failing", Reason: "timeout"}}},
		{name: "discovery fails", kakaoAt: kakaotest.PathDiscovery, kakaoF: kakaotest.Fault{Status: 503, Body: kakaoAnswerSecret},
			wantCode: http.StatusServiceUnavailable,
			want:     map[string]healthCheck{"store": {Status: "ok"}, "kakao_keys": {Status: "failing", Reason: "discovery_failed"}}},
		{name: "OIDC off", opts: []harnessOpt{withConfig(func(c *Config) { c.Login.DisableOIDC = true })},
			kakaoAt: kakaotest.AllEndpoints, kakaoF: kakaotest.Fault{Status: 500},
			wantCode: http.StatusOK, want: map[string]healthCheck{"store": {Status: "ok"}, "kakao_keys": {Status: "skipped"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, f := faultyHarness(t, tc.opts...)
			if tc.storeF != nil {
				f.Set(storetest.Ping, *tc.storeF)
			}
			if tc.kakaoAt != "" {
				h.fake.Fail(tc.kakaoAt, tc.kakaoF)
			}
			url := healthServer(t, h)
			start := time.Now()
			r := probe(t, http.MethodGet, url)
			// A generous bound, not a timing assertion: a hung
			// dependency must not hold the probe open indefinitely.
			if took := time.Since(start); took > 20*testHealthLimit {
				t.Errorf("probe took %v", took)
			}
			if r.code != tc.wantCode {
				t.Fatalf("status %d, want %d: %s", r.code, tc.wantCode, r.raw)
			}
			wantTop := "ok"
			if tc.wantCode != http.StatusOK {
				wantTop = "failing"
			}
			if r.rep.Status != wantTop {
				t.Errorf("status %q, want %q: %s", r.rep.Status, wantTop, r.raw)
			}
			if len(r.rep.Checks) != len(tc.want) {
				t.Errorf("checks %v, want %v", r.rep.Checks, tc.want)
			}
			for name, want := range tc.want {
				got := r.rep.Checks[name]
				if got.Status != want.Status || got.Reason != want.Reason {
					t.Errorf("%s: %q/%q, want %q/%q: %s", name, got.Status, got.Reason, want.Status, want.Reason, r.raw)
				}
				if (got.Status == "skipped") != (got.LatencyMS == nil) {
					t.Errorf("%s: latency_ms %v with status %q", name, got.LatencyMS, got.Status)
				}
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			if tc.opts != nil && (h.fake.Hits(kakaotest.PathDiscovery) != 0 || h.fake.Hits(kakaotest.PathJWKS) != 0) {
				t.Error("the probe asked Kakao for keys with OIDC off")
			}
		})
	}
}

// TestHealthNoSecrets is C101 (and C116's rule for operator-facing
// reports): a failing probe names the check and a fixed reason, never the
// store's error text (a URL with its password), Kakao's answer, or the
// app's keys.
func TestHealthNoSecrets(t *testing.T) {
	h, f := faultyHarness(t)
	f.Set(storetest.Ping, storetest.Fault{Err: errStoreDownURL})
	h.fake.Fail(kakaotest.PathJWKS, kakaotest.Fault{Status: 500, Body: kakaoAnswerSecret})
	r := probe(t, http.MethodGet, healthServer(t, h))
	if r.code != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %s", r.code, r.raw)
	}
	for _, secret := range []string{storePassword, "redis://", "10.0.0.7", kakaoAnswerSecret, h.fake.URL,
		h.fake.ClientSecret, h.fake.AdminKey, h.fake.ClientID, string(testSealKey)} {
		if strings.Contains(r.raw, secret) {
			t.Errorf("C101: health answer shows %q: %s", secret, r.raw)
		}
	}
	for k, v := range r.header {
		for _, s := range v {
			if strings.Contains(s, storePassword) || strings.Contains(s, kakaoAnswerSecret) {
				t.Errorf("C101: header %s shows a secret: %q", k, s)
			}
		}
	}
}

// TestHealthMethods: GET and HEAD are answered (HEAD without a body),
// anything else is refused with 405 and an Allow header.
func TestHealthMethods(t *testing.T) {
	h, _ := faultyHarness(t)
	url := healthServer(t, h)
	cases := []struct {
		method   string
		wantCode int
		wantBody bool
	}{
		{http.MethodGet, http.StatusOK, true},
		{http.MethodHead, http.StatusOK, false},
		{http.MethodPost, http.StatusMethodNotAllowed, true},
		{http.MethodDelete, http.StatusMethodNotAllowed, true},
	}
	for _, tc := range cases {
		t.Run(tc.method, func(t *testing.T) {
			r := probe(t, tc.method, url)
			if r.code != tc.wantCode {
				t.Fatalf("status %d, want %d", r.code, tc.wantCode)
			}
			if (r.raw != "") != tc.wantBody {
				t.Errorf("body %q", r.raw)
			}
			if tc.wantCode == http.StatusMethodNotAllowed && r.header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", r.header.Get("Allow"))
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
			}
		})
	}
}

// TestHealthNoSessionWrites is C67: probes (GET and HEAD, healthy or
// not) read no session and write nothing to the store; the only store
// call is Ping.
func TestHealthNoSessionWrites(t *testing.T) {
	h, f := faultyHarness(t)
	url := healthServer(t, h)
	f.ResetCalls()
	for i := range 6 {
		if i == 3 {
			f.Set(storetest.Ping, storetest.Fault{Err: errStoreDownURL})
		}
		probe(t, []string{http.MethodGet, http.MethodHead}[i%2], url)
	}
	if got := f.Calls(storetest.Ping); got != 6 {
		t.Errorf("Ping calls %d, want 6", got)
	}
	for _, m := range []storetest.Method{storetest.Find, storetest.Commit, storetest.CompareAndSwap, storetest.Delete,
		storetest.AddUserSession, storetest.RemoveUserSession, storetest.RevokeUser, storetest.TryLock,
		storetest.Link, storetest.Unlink, storetest.Enqueue} {
		if got := f.Calls(m); got != 0 {
			t.Errorf("C67: a probe called %s %d times", m, got)
		}
	}
}

// TestHealthCachedKeysNoRefetch is C45's budget seen from the probe: once
// the discovery document and key set are cached, probes polled again and
// again make no request to Kakao at all.
func TestHealthCachedKeysNoRefetch(t *testing.T) {
	h, _ := faultyHarness(t)
	url := healthServer(t, h)
	for range 20 {
		if r := probe(t, http.MethodGet, url); r.code != http.StatusOK {
			t.Fatalf("status %d: %s", r.code, r.raw)
		}
	}
	if d, k := h.fake.Hits(kakaotest.PathDiscovery), h.fake.Hits(kakaotest.PathJWKS); d != 1 || k != 1 {
		t.Errorf("C45: 20 probes fetched discovery %d and the key set %d times, want 1 and 1", d, k)
	}
}

// TestHealthFailingKeysBoundedFetches is C45 during an outage: probes
// keep reporting kakao_keys failing, but the key set is fetched no more
// often than logins may fetch it (three times a minute), and a failing
// discovery is not retried within ten seconds.
func TestHealthFailingKeysBoundedFetches(t *testing.T) {
	for _, at := range []string{kakaotest.PathJWKS, kakaotest.PathDiscovery} {
		t.Run(at, func(t *testing.T) {
			h, _ := faultyHarness(t)
			h.fake.Fail(at, kakaotest.Fault{Status: 500})
			url := healthServer(t, h)
			for range 10 {
				r := probe(t, http.MethodGet, url)
				if r.code != http.StatusServiceUnavailable || r.rep.Checks["kakao_keys"].Status != "failing" {
					t.Fatalf("status %d: %s", r.code, r.raw)
				}
			}
			if at == kakaotest.PathJWKS {
				if got := h.fake.Hits(at); got > 3 {
					t.Errorf("C45: 10 probes fetched the key set %d times, want at most 3", got)
				}
			} else if got := h.fake.Hits(at); got != 1 {
				t.Errorf("C45: 10 probes fetched discovery %d times, want 1", got)
			}
		})
	}
}
