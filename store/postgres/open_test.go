package postgres

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kakaologin/kakaologin/store"
)

// R8 and the Faults item: an unreachable server fails Open at once with an
// error that names the backend and the address, matches ErrUnavailable and
// never shows the password.
func TestOpenUnreachableServerFailsClearly(t *testing.T) {
	t.Parallel()
	const rawURL = "postgres://app:s3cr3t-pw@127.0.0.1:1/test?sslmode=disable"
	opens := map[string]func(ctx context.Context) error{
		"postgres.Open": func(ctx context.Context) error {
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
			for _, want := range []string{"postgres", "127.0.0.1:1/test"} {
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
		{"unparsable URL", "postgres://app:s3cr3t-pw@127.0.0.1:notaport/test", nil, "port"},
		{"other scheme", "mysql://app:s3cr3t-pw@127.0.0.1/test", nil, "mysql"},
		{"bad cleanup interval", "postgres://app:s3cr3t-pw@127.0.0.1/test?cleanup_interval=often", nil, "cleanup_interval"},
		{"bad call timeout", "postgres://app:s3cr3t-pw@127.0.0.1/test?call_timeout=soon", nil, "call_timeout"},
		{"bad create_tables", "postgres://app:s3cr3t-pw@127.0.0.1/test?create_tables=maybe", nil, "create_tables"},
		{"option pgx rejects", "postgres://app:s3cr3t-pw@127.0.0.1/test?sslmode=sometimes", nil, "sslmode"},
		{"password in the query", "postgres://app@127.0.0.1/test?password=s3cr3t-pw&sslmode=sometimes", nil, "sslmode"},
		{"schema name too long", "postgres://app:s3cr3t-pw@127.0.0.1:1/test", []Option{WithSchema(strings.Repeat("s", 64))}, "schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(t.Context(), tt.url, tt.opts...)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "postgres: ") || !strings.Contains(msg, tt.mention) {
				t.Errorf("error %q does not start with postgres: and mention %q", msg, tt.mention)
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

// Two instances starting at once on an empty schema both create the
// tables, without either failing on a duplicate catalog entry.
func TestConcurrentFirstOpensOfOneSchemaAllSucceed(t *testing.T) {
	t.Parallel()
	schema := freshSchema(t)
	const n = 8
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), serverURL(t), WithSchema(schema)) })
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
	schema := freshSchema(t)
	adminExec(t, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	_, err := Open(t.Context(), serverURL(t), WithSchema(schema), WithCreateTables(false))
	if err == nil || !strings.Contains(err.Error(), "kakaologin_sessions") {
		t.Fatalf("Open with no tables and create_tables off: err = %v, want one naming the missing tables", err)
	}

	// The operator runs the SQL from the package doc; then Open works.
	for _, stmt := range tableDDL {
		adminExec(t, newTableNamer(schema).sql(stmt))
	}
	s, err := Open(t.Context(), urlWith(t, "create_tables", "false", "schema", schema))
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
	schema := freshSchema(t)
	first := openIn(t, schema)
	if err := first.Commit(t.Context(), "tok", []byte("kept"), inHour()); err != nil {
		t.Fatal(err)
	}
	first.Close()
	second := openIn(t, schema)
	if b, found, err := second.Find(t.Context(), "tok"); err != nil || !found || string(b) != "kept" {
		t.Errorf("Find after reopening = %q, %v, %v", b, found, err)
	}
}

// The schema can also come from the URL: schema= handled here, or the
// search_path connection parameter handled by pgx and the server.
func TestSchemaFromURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		param string
	}{
		{"schema parameter", "schema"},
		{"search_path parameter", "search_path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schema := freshSchema(t)
			adminExec(t, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
			s, err := Open(t.Context(), urlWith(t, tt.param, schema))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var n int
			err = s.pool.QueryRow(t.Context(),
				`SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'kakaologin_%'`, schema).Scan(&n)
			if err != nil || n != len(tableNames) {
				t.Errorf("tables in schema %s = %d, %v; want %d", schema, n, err, len(tableNames))
			}
		})
	}
}

func TestNewLeavesTheAppsPoolOpen(t *testing.T) {
	t.Parallel()
	schema := freshSchema(t)
	pool, err := pgxpool.New(t.Context(), serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s, err := New(t.Context(), pool, WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(t.Context(), "tok", []byte("x"), inHour()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := pool.Ping(t.Context()); err != nil {
		t.Errorf("the app's pool was closed: %v", err)
	}
}

// Server lost mid-request: the failing call reports ErrUnavailable and the
// store recovers by itself once the server answers again.
func TestLostConnectionsAreUnavailableThenRecover(t *testing.T) {
	t.Parallel()
	schema := freshSchema(t)
	app := "kltest-" + schema
	s, err := Open(t.Context(), urlWith(t, "pool_max_conns", "1", "application_name", app), WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	adminExec(t, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, app)

	_, _, err = s.Find(t.Context(), "tok")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Find on a terminated connection: err = %v, want ErrUnavailable", err)
	}
	if _, _, err := s.Find(t.Context(), "tok"); err != nil {
		t.Errorf("Find once the server answers again: %v", err)
	}
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

// Issue 13 item 5: call_timeout in the URL bounds each call (so a tiny one
// fails every call with ErrUnavailable and context.DeadlineExceeded), an
// option given to Open overrides it, and zero turns the bound off.
func TestCallTimeout(t *testing.T) {
	t.Parallel()
	schema := freshSchema(t)
	tests := []struct {
		name     string
		url      string
		opts     []Option
		wantFail bool
	}{
		{"tiny timeout from the URL", urlWith(t, "call_timeout", "1ns"), nil, true},
		{"option overrides the URL", urlWith(t, "call_timeout", "1ns"), []Option{WithCallTimeout(time.Minute)}, false},
		{"zero turns it off", urlWith(t, "call_timeout", "0s"), nil, false},
		{"tiny timeout by option", serverURL(t), []Option{WithCallTimeout(time.Nanosecond)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.url, append([]Option{WithSchema(schema)}, tt.opts...)...)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			_, _, err = s.Find(t.Context(), "tok")
			if failed := errors.Is(err, store.ErrUnavailable) && errors.Is(err, context.DeadlineExceeded); failed != tt.wantFail || (!tt.wantFail && err != nil) {
				t.Errorf("Find: err = %v, want a timeout: %v", err, tt.wantFail)
			}
		})
	}
}
