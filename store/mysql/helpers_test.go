package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/kakaologin/kakaologin/internal/leaktest"
)

// defaultTestURL is the database the tests use unless
// KAKAOLOGIN_MYSQL_URL names another.
const defaultTestURL = "mysql://root@127.0.0.1:3306/test"

func TestMain(m *testing.M) {
	leaktest.VerifyTestMain(m)
}

// testDB opens a connection pool on the database of rawURL, for the
// tests' own statements.
func testDB(t testing.TB, rawURL string) (*sql.DB, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("KAKAOLOGIN_MYSQL_URL: %v", err)
	}
	cfg, err := driverConfig(u)
	if err != nil {
		t.Fatalf("KAKAOLOGIN_MYSQL_URL: %v", err)
	}
	cfg.MultiStatements = true
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sql.OpenDB(conn), address(cfg)
}

// serverURL returns the test database URL, skipping the test (failing it
// under CI=true) when no server answers there.
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("KAKAOLOGIN_MYSQL_URL")
	if u == "" {
		u = defaultTestURL
	}
	db, addr := testDB(t, u)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		msg := fmt.Sprintf("no MySQL/MariaDB server at %s (set KAKAOLOGIN_MYSQL_URL to use another): %v", addr, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
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

// adminExec runs SQL on a connection of its own to the test database.
func adminExec(t testing.TB, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, _ := testDB(t, serverURL(t))
	defer db.Close()
	if _, err := db.ExecContext(ctx, query, args...); err != nil {
		t.Fatalf("admin %q: %v", query, err)
	}
}

// freshPrefix returns a table prefix no other test uses; its tables are
// dropped when the test ends.
func freshPrefix(t testing.TB) string {
	t.Helper()
	serverURL(t)
	prefix := "kltest_" + strings.ToLower(rand.Text()[:12]) + "_"
	t.Cleanup(func() {
		n := newTableNamer(prefix)
		var tables []string
		for _, p := range tableNames {
			tables = append(tables, n.sql(p))
		}
		adminExec(t, "DROP TABLE IF EXISTS "+strings.Join(tables, ", "))
	})
	return prefix
}

// openIn opens a Store on the test database with table prefix prefix,
// closed at cleanup.
func openIn(t testing.TB, prefix string, opts ...Option) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, serverURL(t), append([]Option{WithTablePrefix(prefix)}, opts...)...)
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

// openTest opens a Store with a fresh table prefix of its own.
func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return openIn(t, freshPrefix(t), opts...)
}

// exec runs SQL against the store's own tables ({sessions} and the other
// placeholders, and {now}, are expanded).
func (s *Store) exec(t testing.TB, query string, args ...any) {
	t.Helper()
	if _, err := s.db.ExecContext(context.Background(), s.expand(query), args...); err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
}

// queryBool runs a query returning one boolean against the store's tables.
func (s *Store) queryBool(t testing.TB, query string, args ...any) bool {
	t.Helper()
	var b bool
	if err := s.db.QueryRowContext(context.Background(), s.expand(query), args...).Scan(&b); err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	return b
}

// queryString runs a query returning one string against the store's tables.
func (s *Store) queryString(t testing.TB, query string, args ...any) string {
	t.Helper()
	var v sql.NullString
	if err := s.db.QueryRowContext(context.Background(), s.expand(query), args...).Scan(&v); err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	return v.String
}

func (s *Store) expand(query string) string {
	return s.names.sql(strings.ReplaceAll(query, "{now}", "UTC_TIMESTAMP(6)"))
}

// inHour is a session expiry comfortably in the future.
func inHour() time.Time { return time.Now().Add(time.Hour) }
