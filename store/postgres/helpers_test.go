package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakaologin/kakaologin/internal/leaktest"
)

// defaultTestURL is the database the tests use unless
// KAKAOLOGIN_POSTGRES_URL names another.
const defaultTestURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func TestMain(m *testing.M) {
	leaktest.VerifyTestMain(m)
}

// serverURL returns the test database URL, skipping the test (failing it
// under CI=true) when no server answers there.
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("KAKAOLOGIN_POSTGRES_URL")
	if u == "" {
		u = defaultTestURL
	}
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatalf("KAKAOLOGIN_POSTGRES_URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		addr := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))) + "/" + cfg.Database
		msg := fmt.Sprintf("no PostgreSQL server at %s (set KAKAOLOGIN_POSTGRES_URL to use another): %v", addr, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	_ = conn.Close(ctx)
	return u
}

// urlWith returns the test database URL with the query parameters given as
// name, value pairs added.
func urlWith(t testing.TB, nameValues ...string) string {
	t.Helper()
	u, err := url.Parse(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for i := 0; i+1 < len(nameValues); i += 2 {
		q.Set(nameValues[i], nameValues[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// adminExec runs SQL on its own connection to the test database.
func adminExec(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverURL(t))
	if err != nil {
		t.Fatalf("admin connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("admin %q: %v", sql, err)
	}
}

// freshSchema returns the name of a schema no other test uses; it is
// dropped, with everything in it, when the test ends.
func freshSchema(t testing.TB) string {
	t.Helper()
	serverURL(t)
	schema := "kltest_" + strings.ToLower(rand.Text()[:16])
	t.Cleanup(func() {
		adminExec(t, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})
	return schema
}

// openIn opens a Store on the test database in schema, closed at cleanup.
func openIn(t testing.TB, schema string, opts ...Option) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, serverURL(t), append([]Option{WithSchema(schema)}, opts...)...)
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

// openTest opens a Store in a fresh schema of its own.
func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return openIn(t, freshSchema(t), opts...)
}

// exec runs SQL against the store's own tables ({sessions} and the other
// placeholders are expanded).
func (s *Store) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := s.pool.Exec(context.Background(), s.names.sql(sql), args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

// queryBool runs a query returning one boolean against the store's tables.
func (s *Store) queryBool(t testing.TB, sql string, args ...any) bool {
	t.Helper()
	var b bool
	if err := s.pool.QueryRow(context.Background(), s.names.sql(sql), args...).Scan(&b); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return b
}

// inHour is a session expiry comfortably in the future.
func inHour() time.Time { return time.Now().Add(time.Hour) }
