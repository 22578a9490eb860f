package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/internal/leaktest"
)

func TestMain(m *testing.M) {
	leaktest.VerifyTestMain(m)
}

// tempPath returns the path of a database file, not yet created, in a
// folder removed when the test ends.
func tempPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "kakaologin.db")
}

// openAt opens a Store on path, closed when the test ends.
func openAt(t testing.TB, path string, opts ...Option) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, path, opts...)
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

// openTest opens a Store on a fresh file of its own.
func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return openAt(t, tempPath(t), opts...)
}

// rawDB opens a plain connection pool on path that bypasses the Store: a
// second process, or an operator's sqlite3 shell.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queryInt runs a query returning one integer against the store's file.
func (s *Store) queryInt(t testing.TB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.w.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	return n
}

// inHour is a session expiry comfortably in the future on the real clock.
func inHour() time.Time { return time.Now().Add(time.Hour) }
