package session

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/postgres"
	"github.com/kakaologin/kakaologin/store/redis"
	"github.com/kakaologin/kakaologin/store/sqlite"
)

// benchBackends opens each backend for a benchmark. Redis and PostgreSQL
// use the servers named by KAKAOLOGIN_REDIS_URL / KAKAOLOGIN_POSTGRES_URL
// (default: the local ones) and are skipped when unreachable.
func benchBackends() map[string]func(b *testing.B) store.Store {
	return map[string]func(b *testing.B) store.Store{
		"memory": func(b *testing.B) store.Store { return memory.New() },
		"sqlite": func(b *testing.B) store.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			return st
		},
		"redis": func(b *testing.B) store.Store {
			u := envOr("KAKAOLOGIN_REDIS_URL", "redis://127.0.0.1:6379/0")
			st, err := redis.Open(context.Background(), u, redis.WithPrefix("kakaologin-bench:"))
			if err != nil {
				b.Skipf("redis unreachable: %v", err)
			}
			return st
		},
		"postgres": func(b *testing.B) store.Store {
			u := envOr("KAKAOLOGIN_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
			// One fixed schema, reused by every run.
			st, err := postgres.Open(context.Background(), u, postgres.WithSchema("kakaologin_bench"))
			if err != nil {
				b.Skipf("postgres unreachable: %v", err)
			}
			return st
		},
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// BenchmarkBackends measures, in one run, the bare Gin floor and for each
// backend a read-only authenticated request (no store write) and a request
// that saves a change (one compare-and-swap).
func BenchmarkBackends(b *testing.B) {
	b.Run("bare-gin", func(b *testing.B) {
		r, _, _ := benchEngine(b, false)
		benchRequests(b, r, "")
	})
	for _, name := range []string{"memory", "sqlite", "redis", "postgres"} {
		open := benchBackends()[name]
		b.Run(name+"/read", func(b *testing.B) {
			st := open(b)
			defer st.Close()
			r, _, cookie := benchEngineOn(b, st, true)
			benchRequests(b, r, cookie)
		})
		b.Run(name+"/save", func(b *testing.B) {
			st := open(b)
			defer st.Close()
			r, mgr, cookie := benchEngineOn(b, st, true)
			val := []byte("v")
			r.GET("/save", func(c *gin.Context) {
				if err := mgr.SetExtra(c, "k", val); err != nil {
					b.Fatal(err)
				}
				c.Status(http.StatusOK)
			})
			req := httptest.NewRequest(http.MethodGet, "/save", nil)
			req.Header.Set("Cookie", cookie)
			w := &nullWriter{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				clear(w.h)
				w.code = 0
				r.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}
