package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// TestMetrics: the demo site serves Kakao Login's metrics at /metrics in
// Prometheus's text format, outside the session middleware: a login that
// ends at the signup page is counted with its outcome, the Kakao calls it
// made with their endpoint, and no user's ID or email appears.
func TestMetrics(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := newClient(t, "ko")
	c.get(base + "/auth/kakao/login?next=/profile")
	if status, _, at := c.consentSubmit(base, kakaotest.UserSeoyeon, "profile_image", "account_email"); status != http.StatusOK || at.Path != "/signup" {
		t.Fatalf("after consent: %d %s", status, at)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body := string(raw)
	if resp.StatusCode != http.StatusOK || len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("status %d, cookies %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	wantContains(t, "metrics", body,
		`kakaologin_logins_total{flow="login",otel_scope_name="github.com/kakaologin/kakaologin/kakaogin"`,
		`outcome="signup_pending"`,
		`kakaologin_kakao_call_duration_seconds_count{endpoint="/oauth/token"`,
		`kakaologin_kakao_call_duration_seconds_count{endpoint="/v2/user/me"`)
	for _, secret := range []string{strconv.FormatInt(kakaotest.UserSeoyeon, 10), "seoyeon.park@example.com"} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics shows %q", secret)
		}
	}
}
