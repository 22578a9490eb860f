package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/mysql"
	"github.com/kakaologin/kakaologin/store/postgres"
	"github.com/kakaologin/kakaologin/store/redis"
)

// BenchmarkStoreLoad is the load figure of each shared store: two app
// instances (each its own kakaogin, session manager and store connection,
// behind one round-robin balancer) against one kakaotest fake, first with
// whole logins (login, Kakao's authorize, callback with token exchange, ID
// token and user info, landing page), then with authenticated requests
// (Middleware + RequireLogin + CurrentUser) of 64 logged-in users. It
// reports logins or requests per second and the p50 and p99 latency of one
// login or request, for the memory store (one store shared by both
// instances: the floor) and each server store that answers. Run it with
// -benchtime of a few seconds; see BENCHMARKS.md.
func BenchmarkStoreLoad(b *testing.B) {
	fake := kakaotest.NewServer()
	b.Cleanup(fake.Close)
	backends := []struct {
		name string
		url  func(testing.TB) string
	}{
		{"memory", nil},
		{"redis", redisStoreURL},
		{"redis-cluster", func(tb testing.TB) string {
			u := os.Getenv("KAKAOLOGIN_REDIS_CLUSTER_URL")
			if u == "" {
				msg := "KAKAOLOGIN_REDIS_CLUSTER_URL is not set (eval \"$(.ci/redis-topologies start)\")"
				if os.Getenv("CI") == "true" {
					tb.Fatal(msg + " — CI=true, so this is a failure, not a skip")
				}
				tb.Skip(msg)
			}
			return u + "&prefix=" + url.QueryEscape(fmt.Sprintf("klload-%x:", randomBytes(6)))
		}},
		{"postgres", postgresStoreURL},
		{"mysql", mysqlStoreURL},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			lb := newLoadSite(b, fake, be.url)
			b.Run("login", lb.benchLogins)
			b.Run("request", lb.benchRequests)
		})
	}
}

// loadSite is two app instances on one store behind a balancer.
type loadSite struct {
	srv    *httptest.Server
	client *http.Client // keep-alive, no redirects, no jar
}

func newLoadSite(b *testing.B, fake *kakaotest.Server, storeURL func(testing.TB) string) *loadSite {
	ctx := context.Background()
	open := func() store.Store {
		st, err := store.Open(ctx, storeURL(b), redis.Backend, postgres.Backend, mysql.Backend)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	var stores [2]store.Store
	if storeURL == nil {
		mem := memory.New()
		b.Cleanup(func() { mem.Close() })
		stores = [2]store.Store{mem, mem}
	} else {
		u := storeURL(b) // one URL (one prefix, schema or table prefix) for both
		storeURL = func(testing.TB) string { return u }
		stores = [2]store.Store{open(), open()}
	}
	var engines [2]*gin.Engine
	var next atomic.Uint32
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		engines[next.Add(1)%2].ServeHTTP(w, r)
	}))
	b.Cleanup(site.Close)
	fake.AddRedirectURI(site.URL + "/auth/kakao/callback")
	for i, st := range stores {
		sm, err := session.New(st, session.Config{SealKeys: [][]byte{make([]byte, 32)}, InsecureCookies: true,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		cfg := kakaogin.Config{
			ClientID: fake.ClientID, ClientSecret: fake.ClientSecret,
			RedirectURL:       site.URL + "/auth/kakao/callback",
			Scopes:            []string{"profile_nickname", "profile_image", "account_email"},
			Sessions:          sm,
			Users:             st.Links(),
			AllowInsecureHTTP: true,
			Logger:            slog.New(slog.DiscardHandler),
		}
		cfg.Endpoint.AuthURL, cfg.Endpoint.APIURL = fake.URL, fake.URL
		cfg.Login.NewSessionsPerMinute = 1 << 30 // every login comes from loopback
		kg, err := kakaogin.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		eng := gin.New()
		eng.Use(kg.Middleware())
		kg.Mount(eng)
		eng.GET("/me", kg.RequireLogin(), func(c *gin.Context) {
			id, _ := kakaogin.CurrentUser(c)
			c.String(http.StatusOK, "%d", id.KakaoID)
		})
		engines[i] = eng
	}
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	b.Cleanup(tr.CloseIdleConnections)
	return &loadSite{srv: site, client: &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login logs a new browser in and returns its session cookie.
func (s *loadSite) login() (*http.Cookie, error) {
	jar, _ := cookiejar.New(nil)
	c := *s.client
	c.Jar = jar
	c.CheckRedirect = nil // follow: login → authorize → callback → /me
	resp, err := c.Get(s.srv.URL + "/auth/kakao/login?next=/me")
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/me" {
		return nil, fmt.Errorf("login ended at %s with %d", resp.Request.URL.Path, resp.StatusCode)
	}
	u, _ := url.Parse(s.srv.URL)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "kakaologin" {
			return ck, nil
		}
	}
	return nil, fmt.Errorf("no session cookie after login")
}

func (s *loadSite) benchLogins(b *testing.B) {
	runLoad(b, func(int) error {
		_, err := s.login()
		return err
	})
}

func (s *loadSite) benchRequests(b *testing.B) {
	cookies := make([]*http.Cookie, 64)
	for i := range cookies {
		ck, err := s.login()
		if err != nil {
			b.Fatal(err)
		}
		cookies[i] = ck
	}
	runLoad(b, func(i int) error {
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/me", nil)
		req.AddCookie(cookies[i%len(cookies)])
		resp, err := s.client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /me: %d", resp.StatusCode)
		}
		return nil
	})
}

// runLoad runs op b.N times from 16 goroutines and reports operations per
// second and the p50 and p99 latency of one operation.
func runLoad(b *testing.B, op func(i int) error) {
	var (
		mu    sync.Mutex
		lats  []time.Duration
		first error
		n     atomic.Int64
	)
	b.SetParallelism(8) // 8 × GOMAXPROCS goroutines
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		r := rand.IntN(1 << 20)
		for pb.Next() {
			t0 := time.Now()
			err := op(r + int(n.Add(1)))
			local = append(local, time.Since(t0))
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}
		mu.Lock()
		lats = append(lats, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if first != nil {
		b.Fatal(first)
	}
	slices.Sort(lats)
	b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(lats[len(lats)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds()), "p99-µs")
}
