package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/internal/janitor"
	"github.com/kakaologin/kakaologin/store/internal/redact"
)

// Backend opens mysql:// and mariadb:// URLs for store.Open.
var Backend = store.Backend{
	Schemes: []string{"mysql", "mariadb"},
	Open: func(ctx context.Context, u *url.URL) (store.Store, error) {
		s, err := Open(ctx, u.String())
		if err != nil {
			return nil, err
		}
		return s, nil
	},
}

// Timeouts used when the URL sets none. A session store sits in front of
// every request, so a server that stops answering must fail calls within
// seconds (the request then gets a 503) rather than hold them.
const (
	defaultDialTimeout  = 3 * time.Second
	defaultReadTimeout  = 5 * time.Second
	defaultWriteTimeout = 5 * time.Second
)

// Store is a store.Store on MySQL or MariaDB. It is safe for concurrent use
// by many goroutines and by many app instances sharing one database.
type Store struct {
	db    *sql.DB
	addr  string // host:port/database, for error messages
	names tableNamer
	q     queries

	janitor   *janitor.Janitor
	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by rawURL, such as
// mysql://user:password@host:3306/dbname?tls=true, and returns a ready
// Store: the server has answered a ping and the tables exist.
//
// Besides the parameters the go-sql-driver/mysql DSN understands (tls,
// timeout, readTimeout, writeTimeout, charset, collation,
// interpolateParams, and server variables such as time_zone), the URL may
// carry table_prefix=NAME, max_conns=N, cleanup_interval=DURATION and
// create_tables=false; see WithTablePrefix, WithMaxConns,
// WithCleanupInterval and WithCreateTables, which override them. The
// store sets parseTime, loc and clientFoundRows itself, because its
// statements rely on them; see the package documentation.
//
// When the server cannot be reached the error names the address (never the
// password) and matches store.ErrUnavailable.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mysql: bad URL: %w", redact.WithoutURL(err))
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "mysql" && scheme != "mariadb" {
		return nil, fmt.Errorf("mysql: URL scheme %q is not mysql:// or mariadb://", u.Scheme)
	}
	cfg := defaultConfig()
	if err := takeURLParams(u, &cfg); err != nil {
		return nil, fmt.Errorf("mysql: bad URL %s: %w", redact.URL(u), err)
	}
	for _, o := range opts {
		o(&cfg)
	}
	dcfg, err := driverConfig(u)
	if err != nil {
		return nil, fmt.Errorf("mysql: bad URL %s: %s", redact.URL(u), redact.Secrets(err.Error(), u))
	}
	return open(ctx, dcfg, cfg, func(err error) string { return redact.Secrets(err.Error(), u) })
}

// New opens a Store from a driver configuration the app built itself (for
// a TLS configuration or a dialer that a URL cannot carry). The Store
// works on a copy of cfg with parseTime on, loc UTC and clientFoundRows
// off, which its statements rely on, and with the default timeouts where
// cfg has none; it owns the connection pool it creates, and Close closes
// it. New pings the server and creates the tables like Open.
func New(ctx context.Context, cfg *driver.Config, opts ...Option) (*Store, error) {
	if cfg == nil {
		return nil, errors.New("mysql: New: nil driver config")
	}
	c := defaultConfig()
	for _, o := range opts {
		o(&c)
	}
	dcfg := cfg.Clone()
	setDefaults(dcfg, nil)
	secret := func(err error) string {
		msg := err.Error()
		if dcfg.Passwd != "" {
			msg = strings.ReplaceAll(msg, dcfg.Passwd, "xxxxx")
		}
		return msg
	}
	return open(ctx, dcfg, c, secret)
}

// open creates the pool for dcfg and the Store over it. clean masks the
// password in driver error texts.
func open(ctx context.Context, dcfg *driver.Config, cfg config, clean func(error) string) (*Store, error) {
	addr := address(dcfg)
	if dcfg.DBName == "" {
		return nil, fmt.Errorf("mysql: open %s: the URL names no database (mysql://user@host:3306/DATABASE)", addr)
	}
	if err := checkTablePrefix(cfg.tablePrefix); err != nil {
		return nil, fmt.Errorf("mysql: open %s: %w", addr, err)
	}
	dcfg.Logger = driverLogger{cfg.logger}
	conn, err := driver.NewConnector(dcfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: open %s: %s", addr, clean(err))
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(cfg.maxConns)
	db.SetMaxIdleConns(cfg.maxConns)
	// Below the servers' default wait_timeout (8 hours) and any proxy's
	// idle limit, so that a pooled connection is renewed before the server
	// drops it.
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)

	s, err := newStore(ctx, db, addr, cfg)
	if err != nil {
		_ = db.Close()
		return nil, scrub(err, clean)
	}
	return s, nil
}

func newStore(ctx context.Context, db *sql.DB, addr string, cfg config) (*Store, error) {
	if err := db.PingContext(ctx); err != nil {
		return nil, wrap("open "+addr, err)
	}
	names := newTableNamer(cfg.tablePrefix)
	prepare := checkTables
	if cfg.createTables {
		prepare = createTables
	}
	if err := prepare(ctx, db, names); err != nil {
		var missing *missingTablesError
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("mysql: open %s: %w", addr, err)
		}
		return nil, wrap("open "+addr+": tables", err)
	}
	s := &Store{db: db, addr: addr, names: names, q: newQueries(names)}
	s.janitor = janitor.Start(cfg.cleanupInterval, func(ctx context.Context) error {
		_, err := s.DeleteExpired(ctx)
		return err
	}, func(err error) { cfg.logger.Warn("kakaologin: mysql store cleanup failed", "err", err) })
	return s, nil
}

// driverConfig turns a mysql:// URL, with this package's own parameters
// already taken out, into the driver's configuration.
func driverConfig(u *url.URL) (*driver.Config, error) {
	host, port := u.Hostname(), u.Port()
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "3306"
	}
	db := strings.TrimPrefix(u.Path, "/")
	if strings.Contains(db, "/") {
		return nil, fmt.Errorf("database name %q contains a slash", db)
	}
	// The credentials stay out of the DSN text, which the driver parses
	// with its own rules; they are set on the result instead.
	dsn := "tcp(" + net.JoinHostPort(host, port) + ")/" + url.PathEscape(db)
	if u.RawQuery != "" {
		dsn += "?" + u.RawQuery
	}
	dcfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	dcfg.User = u.User.Username()
	dcfg.Passwd, _ = u.User.Password()
	setDefaults(dcfg, u.Query())
	return dcfg, nil
}

// setDefaults sets what the store's statements rely on, and the defaults
// for what the URL (query, nil for a Config from the app) leaves unset.
func setDefaults(c *driver.Config, query url.Values) {
	// Times travel as UTC text and come back as time.Time in UTC; the
	// statements compare them with UTC_TIMESTAMP(6).
	c.ParseTime = true
	c.Loc = time.UTC
	// The writes read "refused" from zero changed rows.
	c.ClientFoundRows = false
	if c.Timeout == 0 {
		c.Timeout = defaultDialTimeout
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = defaultReadTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = defaultWriteTimeout
	}
	if query != nil {
		// One round trip per statement instead of prepare and execute;
		// the driver escapes every value, and refuses the character sets
		// where that is unsafe.
		if !query.Has("interpolateParams") {
			c.InterpolateParams = true
		}
		// A primary that became a read-only replica in a failover drops
		// the connection, so the pool reconnects to the new primary.
		if !query.Has("rejectReadOnly") {
			c.RejectReadOnly = true
		}
	}
}

// address is host:port/database, the part of the URL that errors may show.
func address(c *driver.Config) string {
	addr := c.Addr
	if addr == "" {
		addr = "127.0.0.1:3306"
	}
	return addr + "/" + c.DBName
}

// scrub masks secrets in err's text, keeping what errors.Is and errors.As
// find in it.
func scrub(err error, clean func(error) string) error {
	if msg := clean(err); msg != err.Error() {
		return &scrubbed{msg: msg, err: err}
	}
	return err
}

// scrubbed is an error whose text had a secret masked.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// driverLogger sends the driver's own log lines (lost connections, bad
// packets) to the store's logger instead of the driver's default, stderr.
type driverLogger struct{ l *slog.Logger }

// Print logs one driver message as a warning.
func (d driverLogger) Print(v ...any) {
	d.l.Warn("kakaologin: mysql driver", "msg", fmt.Sprint(v...))
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping "+s.addr, s.db.PingContext(ctx))
}

// Links returns the link store kept in the same database.
func (s *Store) Links() store.Links { return linkStore{s} }

// Close stops the cleanup goroutine, waiting for a run in progress to end,
// and closes the connection pool. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.janitor.Stop()
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}
