package mysql

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/kakaologin/kakaologin/store"
)

// R8 and the Faults item: an unreachable server fails Open at once with an
// error that names the backend and the address, matches ErrUnavailable and
// never shows the password.
func TestOpenUnreachableServerFailsClearly(t *testing.T) {
	t.Parallel()
	const rawURL = "mysql://app:s3cr3t-pw@127.0.0.1:1/test"
	opens := map[string]func(ctx context.Context) error{
		"mysql.Open": func(ctx context.Context) error {
			_, err := Open(ctx, rawURL)
			return err
		},
		"store.Open with Backend": func(ctx context.Context) error {
			st, err := store.Open(ctx, rawURL, Backend)
			if st != nil {
				t.Error("store.Open returned a non-nil Store with its error")
			}
			return err
		},
		"mariadb scheme": func(ctx context.Context) error {
			_, err := store.Open(ctx, strings.Replace(rawURL, "mysql:", "mariadb:", 1), Backend)
			return err
		},
		"mysql.New": func(ctx context.Context) error {
			cfg := driver.NewConfig()
			cfg.Net, cfg.Addr, cfg.DBName = "tcp", "127.0.0.1:1", "test"
			cfg.User, cfg.Passwd = "app", "s3cr3t-pw"
			_, err := New(ctx, cfg)
			return err
		},
	}
	for name, open := range opens {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			err := open(ctx)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("err = %v, want it to match store.ErrUnavailable", err)
			}
			if ctx.Err() != nil {
				t.Errorf("Open waited for the caller's deadline instead of failing: %v", err)
			}
			msg := err.Error()
			for _, want := range []string{"mysql", "127.0.0.1:1/test"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
			if strings.Contains(msg, "s3cr3t-pw") {
				t.Errorf("error %q shows the password", msg)
			}
		})
	}
}

// Configuration mistakes are plain errors (not ErrUnavailable: retrying
// will not help) and never show the password either.
func TestOpenRejectsBadURLsWithoutShowingThePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		url     string
		opts    []Option
		mention string
	}{
		{"unparsable URL", "mysql://app:s3cr3t-pw@127.0.0.1:notaport/test", nil, "port"},
		{"other scheme", "postgres://app:s3cr3t-pw@127.0.0.1/test", nil, "postgres"},
		{"no database", "mysql://app:s3cr3t-pw@127.0.0.1:1", nil, "database"},
		{"slash in the database", "mysql://app:s3cr3t-pw@127.0.0.1:1/a/b", nil, "slash"},
		{"bad cleanup interval", "mysql://app:s3cr3t-pw@127.0.0.1/test?cleanup_interval=often", nil, "cleanup_interval"},
		{"bad create_tables", "mysql://app:s3cr3t-pw@127.0.0.1/test?create_tables=maybe", nil, "create_tables"},
		{"bad max_conns", "mysql://app:s3cr3t-pw@127.0.0.1/test?max_conns=0", nil, "max_conns"},
		{"option the driver rejects", "mysql://app:s3cr3t-pw@127.0.0.1/test?timeout=soon", nil, "timeout"},
		{"password in the query", "mysql://app@127.0.0.1/test?password=s3cr3t-pw&readTimeout=soon", nil, "readTimeout"},
		{"table prefix with a quote", "mysql://app:s3cr3t-pw@127.0.0.1:1/test?table_prefix=a%60b", nil, "prefix"},
		{"upper-case table prefix", "mysql://app:s3cr3t-pw@127.0.0.1:1/test", []Option{WithTablePrefix("Kakao_")}, "prefix"},
		{"empty table prefix", "mysql://app:s3cr3t-pw@127.0.0.1:1/test", []Option{WithTablePrefix("")}, "prefix"},
		{"table prefix too long", "mysql://app:s3cr3t-pw@127.0.0.1:1/test", []Option{WithTablePrefix(strings.Repeat("p", 51))}, "prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(t.Context(), tt.url, tt.opts...)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "mysql: ") || !strings.Contains(msg, tt.mention) {
				t.Errorf("error %q does not start with mysql: and mention %q", msg, tt.mention)
			}
			if strings.Contains(msg, "s3cr3t-pw") {
				t.Errorf("error %q shows the password", msg)
			}
			if errors.Is(err, store.ErrUnavailable) {
				t.Errorf("error %q matches ErrUnavailable", msg)
			}
		})
	}
}

// A prefix of 50 bytes, the longest allowed, makes table names MySQL
// accepts.
func TestLongestTablePrefixWorks(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	prefix += strings.Repeat("x", maxPrefixLen-len(prefix))
	s, err := Open(t.Context(), serverURL(t), WithTablePrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		n := newTableNamer(prefix)
		for _, p := range tableNames {
			adminExec(t, "DROP TABLE IF EXISTS "+n.sql(p))
		}
	})
	if err := s.Commit(t.Context(), "tok", []byte("x"), inHour()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenMissingDatabaseIsNotUnavailable(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/kakaologin_no_such_database"
	_, err = Open(t.Context(), u.String())
	if err == nil || errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "kakaologin_no_such_database") {
		t.Errorf("err = %v, want a plain error naming the database", err)
	}
}

// Two instances starting at once on an empty database both create the
// tables, without either failing on a table the other just created.
func TestConcurrentFirstOpensOfOnePrefixAllSucceed(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	const n = 8
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), serverURL(t), WithTablePrefix(prefix)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	if t.Failed() {
		return
	}
	if err := stores[0].Commit(t.Context(), "tok", []byte("x"), inHour()); err != nil {
		t.Fatal(err)
	}
	if _, found, err := stores[n-1].Find(t.Context(), "tok"); err != nil || !found {
		t.Errorf("Find through another store = %v, %v", found, err)
	}
}

func TestOpenWithoutCreatingTables(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	_, err := Open(t.Context(), serverURL(t), WithTablePrefix(prefix), WithCreateTables(false))
	if err == nil || !strings.Contains(err.Error(), prefix+"sessions") {
		t.Fatalf("Open with no tables and create_tables off: err = %v, want one naming the missing tables", err)
	}
	if errors.Is(err, store.ErrUnavailable) {
		t.Errorf("missing tables match ErrUnavailable: %v", err)
	}

	// The operator runs the SQL from the package doc; then Open works.
	for _, stmt := range tableDDL {
		adminExec(t, newTableNamer(prefix).sql(stmt))
	}
	s, err := Open(t.Context(), urlWith(t, "create_tables", "false", "table_prefix", prefix))
	if err != nil {
		t.Fatalf("Open after the operator created the tables: %v", err)
	}
	defer s.Close()
	if err := s.Commit(t.Context(), "tok", []byte("x"), inHour()); err != nil {
		t.Error(err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	first := openIn(t, prefix)
	if err := first.Commit(t.Context(), "tok", []byte("kept"), inHour()); err != nil {
		t.Fatal(err)
	}
	first.Close()
	second := openIn(t, prefix)
	if b, found, err := second.Find(t.Context(), "tok"); err != nil || !found || string(b) != "kept" {
		t.Errorf("Find after reopening = %q, %v, %v", b, found, err)
	}
}

// The table prefix can come from the URL, and the package's own parameters
// never reach the server as variables to set.
func TestTablePrefixFromURL(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	s, err := Open(t.Context(), urlWith(t, "table_prefix", prefix, "max_conns", "3", "cleanup_interval", "1h"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	err = s.db.QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?`,
		prefix+"%").Scan(&n)
	if err != nil || n != len(tableNames) {
		t.Errorf("tables with prefix %s = %d, %v; want %d", prefix, n, err, len(tableNames))
	}
	if got := s.db.Stats().MaxOpenConnections; got != 3 {
		t.Errorf("max open connections = %d, want 3", got)
	}
}

// The store's statements rely on the driver settings it forces: a URL
// asking for others still gets a working store.
func TestURLCannotTurnOffWhatTheStatementsRelyOn(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	s, err := Open(t.Context(), urlWith(t, "table_prefix", prefix,
		"clientFoundRows", "true", "parseTime", "false", "loc", "Asia/Seoul"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	// With clientFoundRows on, a refused write would count as a write.
	if err := s.Delete(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, "tok", []byte("x"), inHour()); !errors.Is(err, store.ErrRevoked) {
		t.Errorf("Commit over a revocation: err = %v, want ErrRevoked", err)
	}
	if _, ok, err := s.TryLock(ctx, "job", time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, ok, err := s.TryLock(ctx, "job", time.Minute); err != nil || ok {
		t.Errorf("second TryLock = %v, %v; want false, nil", ok, err)
	}
	// With parseTime off or another loc, times would not scan or would
	// move.
	at := time.Date(2021, 3, 4, 5, 6, 7, 123456000, time.UTC)
	if _, err := s.Links().Link(ctx, store.Link{KakaoID: 7, UserID: "u", LinkedAt: at}); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Links().ByKakaoID(ctx, 7); err != nil || !l.LinkedAt.Equal(at) {
		t.Errorf("ByKakaoID = %v, %v; want LinkedAt %v", l, err, at)
	}
}

func TestNewOwnsItsPool(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	u, err := url.Parse(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := driverConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ParseTime, cfg.ClientFoundRows = false, true // New fixes both on its copy
	s, err := New(t.Context(), cfg, WithTablePrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ParseTime || !cfg.ClientFoundRows {
		t.Error("New changed the app's config")
	}
	if err := s.Commit(t.Context(), "tok", []byte("x"), inHour()); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context(), "tok"); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(t.Context(), "tok", []byte("x"), inHour()); !errors.Is(err, store.ErrRevoked) {
		t.Errorf("Commit over a revocation: err = %v, want ErrRevoked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.db.PingContext(t.Context()); err == nil {
		t.Error("the store's pool is still open after Close")
	}
}

// Server lost mid-request: the failing call reports ErrUnavailable and the
// store recovers by itself once the server answers again.
func TestLostConnectionsAreUnavailableThenRecover(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	s, err := Open(t.Context(), urlWith(t, "max_conns", "1"), WithTablePrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// With one connection in the pool, this is the one the next call uses.
	var id int64
	if err := s.db.QueryRowContext(t.Context(), "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	// Kill the query the connection is running, mid-request: a lock wait
	// that another connection holds up until the kill.
	if _, ok, err := s.TryLock(t.Context(), "held", time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	hold, _ := testDB(t, serverURL(t))
	defer hold.Close()
	tx, err := hold.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(t.Context(), s.expand(`SELECT * FROM {locks} WHERE name = 'held' FOR UPDATE`)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- s.Unlock(t.Context(), "held", "fence")
	}()
	// Wait until the Unlock waits on the row lock, then kill its
	// connection.
	deadline := time.Now().Add(10 * time.Second)
	for !waiting(t, hold, id) {
		if time.Now().After(deadline) {
			select {
			case err := <-done:
				t.Fatalf("Unlock returned without waiting for the row lock: %v", err)
			default:
			}
			t.Fatal("Unlock never waited for the row lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	adminExec(t, "KILL CONNECTION ?", id)
	if err := <-done; !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Unlock on a killed connection: err = %v, want ErrUnavailable", err)
	}
	if _, _, err := s.Find(t.Context(), "tok"); err != nil {
		t.Errorf("Find once the server answers again: %v", err)
	}
}

// waiting reports whether connection id is running the Unlock's DELETE
// (which waits for the row lock).
func waiting(t *testing.T, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) bool {
	t.Helper()
	var n int
	err := db.QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM information_schema.processlist WHERE id = ? AND info LIKE 'DELETE%'`, id).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// Open honours a context that ends while it waits: the error is
// ErrUnavailable with the context's cause in its chain.
func TestOpenWithEndedContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Open(ctx, serverURL(t))
	if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want ErrUnavailable and context.Canceled", err)
	}
}
