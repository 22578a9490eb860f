package kakaogin

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/kakaologin/kakaologin/internal/sessionbench"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// BenchmarkRequest measures, in one run, a bare Gin handler (the floor) and
// the same handler behind Middleware + RequireLogin + CurrentUser for a
// logged-in user (memory store, read-only).
func BenchmarkRequest(b *testing.B) {
	b.Run("bare-gin", func(b *testing.B) {
		r := gin.New()
		r.GET("/bench", func(c *gin.Context) { c.String(http.StatusOK, "hello") })
		sessionbench.Requests(b, r, "/bench", "")
	})
	b.Run("require-login", func(b *testing.B) {
		h := newHarness(b)
		h.eng.GET("/bench", h.kg.RequireLogin(), func(c *gin.Context) {
			id, ok := CurrentUser(c)
			if !ok || id.KakaoID == 0 {
				c.Status(http.StatusUnauthorized)
				return
			}
			c.String(http.StatusOK, "hello")
		})
		br := h.browser()
		br.login("/")
		cookies := br.Jar.Cookies(mustURL(h.srv.URL))
		if len(cookies) == 0 {
			b.Fatal("no session cookie after login")
		}
		sessionbench.Requests(b, h.eng, "/bench", cookies[0].Name+"="+cookies[0].Value)
	})
}

// BenchmarkLoginRoundTrip is a whole login against the in-process fake over
// loopback: GET login, authorize (auto-approve), callback (token exchange,
// ID-token verification, user info), the landing page. It reports the
// Kakao calls per login; discovery and the key set are fetched once for
// all logins of the run (the metric counts both fetches of the whole run,
// so 2 is the expected value).
//
// Every login is a new browser from one address, so the per-client bound
// on new sessions is raised: at its default the loop is refused (429)
// after 60 logins.
func BenchmarkLoginRoundTrip(b *testing.B) {
	h := newHarness(b, withConfig(func(c *Config) { c.Login.NewSessionsPerMinute = 1 << 30 }))
	h.browser().login("/") // warm: discovery and key set
	warm := h.fake.Hits(kakaotest.PathToken)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		br := h.browser()
		if status, body := br.login("/private"); status != http.StatusOK {
			b.Fatalf("login: %d %s", status, body)
		}
		n++
	}
	b.StopTimer()
	b.ReportMetric(float64(h.fake.Hits(kakaotest.PathToken)-warm)/float64(n), "token-calls/login")
	b.ReportMetric(float64(h.fake.Hits(kakaotest.PathMe)-warm)/float64(n), "userinfo-calls/login")
	b.ReportMetric(float64(h.fake.Hits(kakaotest.PathDiscovery)+h.fake.Hits(kakaotest.PathJWKS)), "discovery+jwks-fetches/run")
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// BenchmarkLoginRoundTripTelemetry is BenchmarkLoginRoundTrip with the
// library's telemetry going nowhere (the default: otel's global providers,
// unset) and going to a real SDK: a MeterProvider with an in-memory
// reader and a TracerProvider that samples every span and hands each,
// synchronously, to an exporter that drops it. Run the two alternately
// (see BENCHMARKS.md) to compare them.
func BenchmarkLoginRoundTripTelemetry(b *testing.B) {
	var opts []harnessOpt
	for _, tc := range []struct {
		name string
		opt  harnessOpt
	}{
		{"none", withConfig(func(c *Config) { c.Login.NewSessionsPerMinute = 1 << 30 })},
		{"sdk", withConfig(func(c *Config) {
			c.Login.NewSessionsPerMinute = 1 << 30 // every login comes from one address
			c.Telemetry = TelemetryConfig{
				MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
				TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSyncer(dropSpans{})),
			}
		})},
	} {
		opts = append(opts, tc.opt)
		b.Run(tc.name, func(b *testing.B) {
			h := newHarness(b, tc.opt)
			h.browser().login("/") // warm: discovery and key set
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if status, body := h.browser().login("/private"); status != http.StatusOK {
					b.Fatalf("login: %d %s", status, body)
				}
			}
		})
	}
	// interleaved alternates the two, one login each, so that a busy
	// machine slows both alike; it reports each one's wall-clock and
	// process CPU time per login and the differences in percent.
	b.Run("interleaved", func(b *testing.B) {
		hs := []*harness{newHarness(b, opts[0]), newHarness(b, opts[1])}
		for _, h := range hs {
			h.browser().login("/")
		}
		var spent, cpu [2]time.Duration
		n := 0
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			for i, h := range hs {
				start, startCPU := time.Now(), processCPU()
				if status, body := h.browser().login("/private"); status != http.StatusOK {
					b.Fatalf("login: %d %s", status, body)
				}
				spent[i] += time.Since(start)
				cpu[i] += processCPU() - startCPU
			}
			n++
		}
		b.ReportMetric(float64(spent[0].Nanoseconds())/float64(n), "ns/login-none")
		b.ReportMetric(float64(spent[1].Nanoseconds())/float64(n), "ns/login-sdk")
		b.ReportMetric(100*(float64(spent[1])/float64(spent[0])-1), "%sdk-overhead")
		if cpu[0] > 0 {
			b.ReportMetric(float64(cpu[0].Nanoseconds())/float64(n), "cpu-ns/login-none")
			b.ReportMetric(float64(cpu[1].Nanoseconds())/float64(n), "cpu-ns/login-sdk")
			b.ReportMetric(100*(float64(cpu[1])/float64(cpu[0])-1), "%sdk-cpu-overhead")
		}
	})
}

// dropSpans is a span exporter that keeps nothing.
type dropSpans struct{}

func (dropSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (dropSpans) Shutdown(context.Context) error                             { return nil }
