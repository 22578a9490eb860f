package postgres

import (
	"log/slog"
	"net/url"
	"time"

	"github.com/kakaologin/kakaologin/store/internal/urlparam"
)

// DefaultCleanupInterval is how often a Store deletes expired sessions,
// index entries and locks when no interval is configured.
const DefaultCleanupInterval = 5 * time.Minute

// DefaultCallTimeout bounds each store call when no timeout is configured.
// pgx has no read timeout of its own, so without it a server that stops
// answering with its connections open (a hung host, a frozen process, a
// network that drops packets) would hold a request without a deadline
// forever, instead of failing it with store.ErrUnavailable.
const DefaultCallTimeout = 5 * time.Second

// Option configures Open and New. Options given to Open override the same
// setting taken from the URL.
type Option func(*config)

// config is the resolved configuration of a Store.
type config struct {
	schema          string
	cleanupInterval time.Duration
	callTimeout     time.Duration
	createTables    bool
	logger          *slog.Logger
}

func defaultConfig() config {
	return config{
		cleanupInterval: DefaultCleanupInterval,
		callTimeout:     DefaultCallTimeout,
		createTables:    true,
		logger:          slog.New(slog.DiscardHandler),
	}
}

// WithSchema puts the store's tables in the named PostgreSQL schema, which
// Open creates if needed. The default is the first schema of the
// connection's search_path (normally "public"). Several apps, or parallel
// tests, can share one database by using one schema each. The URL query
// parameter schema=NAME does the same.
func WithSchema(name string) Option {
	return func(c *config) { c.schema = name }
}

// WithCleanupInterval sets how often expired rows are deleted in the
// background (default DefaultCleanupInterval). Zero or a negative interval
// turns the cleanup off, for deployments where another instance or a cron
// job does it. The URL query parameter cleanup_interval=DURATION (a Go
// duration such as 1m30s) does the same.
func WithCleanupInterval(d time.Duration) Option {
	return func(c *config) { c.cleanupInterval = d }
}

// WithCallTimeout sets how long one store call (one statement, or one
// batch of the cleanup) may take before it fails with store.ErrUnavailable
// (default DefaultCallTimeout), so that a server that stops answering
// fails requests within seconds. A caller's earlier deadline still
// applies; zero or a negative timeout leaves calls bounded by the caller's
// context only. The URL query parameter call_timeout=DURATION does the
// same.
func WithCallTimeout(d time.Duration) Option {
	return func(c *config) { c.callTimeout = d }
}

// WithCreateTables tells Open whether to create the schema and tables when
// they are missing (default true). Pass false when an operator manages the
// schema with the SQL shown in the package documentation and the app's
// role may not run DDL; Open then only checks that the tables exist. The
// URL query parameter create_tables=false does the same.
func WithCreateTables(create bool) Option {
	return func(c *config) { c.createTables = create }
}

// WithLogger sets where background cleanup failures are reported (default:
// discarded). Messages never contain tokens or passwords.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// Query parameters of a store URL that this package handles itself and
// removes before the rest of the URL reaches pgx.
const (
	paramSchema          = "schema"
	paramCleanupInterval = "cleanup_interval"
	paramCallTimeout     = "call_timeout"
	paramCreateTables    = "create_tables"
)

// takeURLParams moves this package's own query parameters from u into c and
// deletes them from u.
func takeURLParams(u *url.URL, c *config) error {
	t := urlparam.New(u)
	t.String(paramSchema, &c.schema)
	t.Duration(paramCleanupInterval, "5m", &c.cleanupInterval)
	t.Duration(paramCallTimeout, "5s", &c.callTimeout)
	t.Bool(paramCreateTables, &c.createTables)
	return t.Finish(u)
}
