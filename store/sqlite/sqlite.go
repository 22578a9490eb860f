package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/internal/janitor"
)

// Backend opens sqlite: URLs for store.Open:
//
//	sqlite:path/to/file.db            relative to the working directory
//	sqlite:///abs/path/file.db        absolute
//	sqlite:file.db?busy_timeout=2s&cleanup_interval=1m
//
// The query parameters are those of WithBusyTimeout and
// WithCleanupInterval. In-memory databases (sqlite::memory:) are refused:
// they cannot be shared by connections or instances; use the memory
// backend instead.
var Backend = store.Backend{
	Schemes: []string{"sqlite"},
	Open: func(ctx context.Context, u *url.URL) (store.Store, error) {
		path, opts, err := parseURL(u)
		if err != nil {
			return nil, err
		}
		s, err := Open(ctx, path, opts...)
		if err != nil {
			return nil, err
		}
		return s, nil
	},
}

// Store is a store.Store in one SQLite file. It is safe for concurrent use
// by many goroutines, and several Stores (in one process or in several
// processes on one machine) may share a file: they then behave as app
// instances sharing one database.
type Store struct {
	w    *sql.DB // one connection: every write, in the order they come
	r    *sql.DB // a pool of read-only connections
	path string  // as given to Open, for error messages

	now         func() time.Time
	busyTimeout time.Duration
	busyRetries atomic.Int64 // attempts retried after "database is locked", for tests

	janitor   *janitor.Janitor
	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed) the SQLite database file at path and
// returns a ready Store: the tables exist and the file answers. The folder
// holding the file must exist and be writable, since SQLite keeps its
// write-ahead log next to the file; Open does not create folders.
//
// path is a plain file path, not a URI; ":memory:" and "file:" URIs are
// refused (see Backend). Errors name the backend and the path; those
// caused by the file being unusable (cannot be opened or created, locked
// longer than the busy timeout, I/O error) match store.ErrUnavailable.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s := &Store{path: path, now: cfg.now, busyTimeout: cfg.busyTimeout}
	var err error
	if s.w, err = sql.Open("sqlite", dsn(path, cfg.busyTimeout, false)); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxIdleTime(0)
	s.w.SetConnMaxLifetime(0)
	if err := s.retry(ctx, "open", func(ctx context.Context) error { return createTables(ctx, s.w) }); err != nil {
		s.w.Close()
		if hasCode(err, sqlite3.SQLITE_CANTOPEN) {
			return nil, fmt.Errorf("%w (can this process create and write files in %s?)", err, filepath.Dir(path))
		}
		return nil, err
	}
	if s.r, err = sql.Open("sqlite", dsn(path, cfg.busyTimeout, true)); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(cfg.readConns)
	s.r.SetMaxIdleConns(cfg.readConns)
	if err := s.Ping(ctx); err != nil {
		s.r.Close()
		s.w.Close()
		return nil, err
	}
	s.janitor = janitor.Start(cfg.cleanupInterval, func(ctx context.Context) error {
		_, err := s.DeleteExpired(ctx)
		return err
	}, func(err error) {
		cfg.logger.Warn("kakaologin: sqlite store cleanup failed", "path", s.path, "err", err)
	})
	return s, nil
}

// checkPath refuses paths that would not give a shared file, and reports a
// missing or unusable folder more clearly than SQLite's "unable to open
// database file".
func checkPath(path string) error {
	switch {
	case path == "":
		return errors.New("empty path")
	case path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "mode=memory"):
		return errors.New("in-memory databases and file: URIs are not supported " +
			"(a Store shares one file between connections and instances; use a file path, or the memory backend)")
	case strings.ContainsRune(path, 0):
		return errors.New("path contains a NUL byte")
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("folder %s does not exist (Open does not create folders): %w", dir, fs.ErrNotExist)
	}
	if err != nil {
		return fmt.Errorf("folder %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	return nil
}

// dsn returns the modernc.org/sqlite data source name for path: WAL
// journal (readers never block the writer), synchronous=NORMAL (durable at
// each checkpoint, never corrupt), foreign keys on, SQLite's own busy
// handler waiting up to busySlice(busyTimeout) per attempt, and BEGIN
// IMMEDIATE for transactions, so that a transaction takes the write lock
// before it reads and can never fail to upgrade. Read connections are query_only.
func dsn(path string, busyTimeout time.Duration, readOnly bool) string {
	q := []string{
		"_pragma=busy_timeout(" + strconv.FormatInt(busySlice(busyTimeout).Milliseconds(), 10) + ")",
		"_pragma=foreign_keys(1)",
	}
	if readOnly {
		q = append(q, "_pragma=query_only(1)")
	} else {
		q = append(q, "_pragma=journal_mode(WAL)", "_pragma=synchronous(NORMAL)", "_txlock=immediate")
	}
	// An SQLite URI filename: only %, ? and # need escaping in its path.
	p := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(filepath.Clean(path))
	return "file:" + p + "?" + strings.Join(q, "&")
}

// parseURL splits a sqlite: URL into a file path and options.
func parseURL(u *url.URL) (string, []Option, error) {
	path := u.Path
	if u.Opaque != "" {
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return "", nil, fmt.Errorf("sqlite: bad URL %s: %w", u.Redacted(), err)
		}
		path = p
	}
	switch {
	case u.User != nil || u.Host != "":
		return "", nil, fmt.Errorf("sqlite: URL %s names a host; use sqlite:relative/file.db or sqlite:///absolute/file.db", u.Redacted())
	case path == "":
		return "", nil, fmt.Errorf("sqlite: URL %s names no file; use sqlite:relative/file.db or sqlite:///absolute/file.db", u.Redacted())
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", nil, fmt.Errorf("sqlite: bad URL %s: %w", u.Redacted(), err)
	}
	opts, err := urlOptions(q)
	if err != nil {
		return "", nil, fmt.Errorf("sqlite: bad URL %s: %w", u.Redacted(), err)
	}
	return path, opts, nil
}

// Ping checks that the file can be read.
func (s *Store) Ping(ctx context.Context) error {
	return s.retry(ctx, "ping", func(ctx context.Context) error {
		var n int
		return s.r.QueryRowContext(ctx, `SELECT count(*) FROM kakaologin_schema_version`).Scan(&n)
	})
}

// Links returns the link store kept in the same file.
func (s *Store) Links() store.Links { return linkStore{s} }

// Close stops the cleanup goroutine, waiting for a run in progress to end,
// and closes the connections. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.janitor.Stop()
		if err := errors.Join(s.r.Close(), s.w.Close()); err != nil {
			s.closeErr = fmt.Errorf("sqlite: close %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// unixNanos turns t into the stored form of a time, nanoseconds since the
// Unix epoch, saturating outside the years 1678–2262.
func unixNanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// nowNanos is the current time of the store's clock in stored form.
func (s *Store) nowNanos() int64 { return unixNanos(s.now()) }

// nowPlus is now+d in stored form, saturating.
func (s *Store) nowPlus(d time.Duration) int64 {
	n := s.nowNanos()
	if n > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	return n + int64(d)
}
