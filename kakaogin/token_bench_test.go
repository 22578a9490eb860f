package kakaogin

import (
	"net/http"
	"testing"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// BenchmarkSignIn compares, in one run, a whole web login (as
// BenchmarkLoginRoundTrip) with a whole token sign-in of an app: POST
// token/nonce, the SDK's login at the fake (in process, no HTTP), POST
// token. Both use one harness setup each, with the per-client bound on new
// sessions raised so that the loop is not refused. It reports the Kakao
// calls per sign-in: exactly one access-token-info and one user-info call.
func BenchmarkSignIn(b *testing.B) {
	unbounded := withConfig(func(c *Config) { c.Login.NewSessionsPerMinute = 1 << 30 })
	b.Run("web-login", func(b *testing.B) {
		h := newHarness(b, unbounded)
		h.browser().login("/") // warm: discovery and key set
		me := h.fake.Hits(kakaotest.PathMe)
		b.ReportAllocs()
		b.ResetTimer()
		n := 0
		for b.Loop() {
			if status, body := h.browser().login("/private"); status != http.StatusOK {
				b.Fatalf("login: %d %s", status, body)
			}
			n++
		}
		b.StopTimer()
		b.ReportMetric(float64(h.fake.Hits(kakaotest.PathMe)-me)/float64(n), "userinfo-calls/op")
	})
	b.Run("token-sign-in", func(b *testing.B) {
		h := newHarness(b, withSDK(b, nil), unbounded)
		tok, n := h.sdkLogin(kakaotest.UserMinji, testNativeKey) // warm
		if status, m, _ := h.signIn(body(tok, n)); status != http.StatusOK {
			b.Fatalf("sign-in: %d %v", status, m)
		}
		info, me := h.fake.Hits(kakaotest.PathAccessTokenInfo), h.fake.Hits(kakaotest.PathMe)
		b.ReportAllocs()
		b.ResetTimer()
		ops := 0
		for b.Loop() {
			tok, n := h.sdkLogin(kakaotest.UserMinji, testNativeKey)
			if status, m, _ := h.signIn(body(tok, n)); status != http.StatusOK {
				b.Fatalf("sign-in: %d %v", status, m)
			}
			ops++
		}
		b.StopTimer()
		b.ReportMetric(float64(h.fake.Hits(kakaotest.PathAccessTokenInfo)-info)/float64(ops), "tokeninfo-calls/op")
		b.ReportMetric(float64(h.fake.Hits(kakaotest.PathMe)-me)/float64(ops), "userinfo-calls/op")
	})
}
