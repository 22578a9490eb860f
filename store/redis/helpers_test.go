package redis

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/internal/leaktest"
)

// defaultTestURL is the server the tests use unless KAKAOLOGIN_REDIS_URL
// names another.
const defaultTestURL = "redis://127.0.0.1:6379/0"

func TestMain(m *testing.M) {
	// go-redis logs every failed dial; the fault tests cause many on
	// purpose.
	goredis.SetLogger(quietLogger{})
	gin.SetMode(gin.TestMode) // no route table printed by every test app
	leaktest.VerifyTestMain(m)
}

// quietLogger drops go-redis's log lines.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// skipOrFail skips the test with msg, or fails it when CI=true, where a
// missing server is a broken pipeline rather than a developer machine.
func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// serverURL returns the test server URL, skipping the test (failing it
// under CI=true) when no server answers there.
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("KAKAOLOGIN_REDIS_URL")
	if u == "" {
		u = defaultTestURL
	}
	o, err := goredis.ParseURL(u)
	if err != nil {
		t.Fatalf("KAKAOLOGIN_REDIS_URL: %v", err)
	}
	c := goredis.NewClient(o)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		skipOrFail(t, fmt.Sprintf("no Redis server at %s (set KAKAOLOGIN_REDIS_URL to use another): %v", o.Addr, err))
	}
	return u
}

// freshPrefix returns a key prefix no other test uses; every key under it
// is deleted when the test ends.
func freshPrefix(t testing.TB) string {
	t.Helper()
	rawURL := serverURL(t)
	prefix := "kltest:" + strings.ToLower(rand.Text()[:16]) + ":"
	t.Cleanup(func() {
		c := rawClient(t, rawURL)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("cleanup scan: %v", err)
		}
		for len(keys) > 0 {
			n := min(len(keys), 500)
			if err := c.Unlink(ctx, keys[:n]...).Err(); err != nil {
				t.Errorf("cleanup: %v", err)
				return
			}
			keys = keys[n:]
		}
	})
	return prefix
}

// rawClient returns a go-redis client on the test server, closed at
// cleanup, for looking at and tampering with keys behind a Store's back.
func rawClient(t testing.TB, rawURL string) *goredis.Client {
	t.Helper()
	o, err := goredis.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

// openWithPrefix opens a Store on the test server under prefix, closed
// at cleanup.
func openWithPrefix(t testing.TB, prefix string, opts ...Option) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Open(ctx, serverURL(t), append([]Option{WithPrefix(prefix)}, opts...)...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// openTest opens a Store under a fresh prefix of its own.
func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return openWithPrefix(t, freshPrefix(t), opts...)
}

// raw returns a plain client on the store's server.
func (s *Store) raw(t testing.TB) *goredis.Client {
	t.Helper()
	return rawClient(t, serverURL(t))
}

// inHour is a session expiry comfortably in the future.
func inHour() time.Time { return time.Now().Add(time.Hour) }

// zmember is an index entry as the store writes it.
func zmember(expiry time.Time, token string) goredis.Z {
	return goredis.Z{Score: float64(expiry.UnixMilli()), Member: token}
}

// zmemberScore is a sorted-set member with a raw score.
func zmemberScore(score float64, member string) goredis.Z {
	return goredis.Z{Score: score, Member: member}
}

// redisReply is an error reply as the server sends it.
type redisReply string

func (e redisReply) Error() string { return string(e) }
func (redisReply) RedisError()     {}

// about reports whether a TTL Redis reports is within two seconds of want
// (PTTL is read a moment after the write; the clocks may differ slightly).
func about(got, want time.Duration) bool {
	return got > want-2*time.Second && got < want+2*time.Second
}
