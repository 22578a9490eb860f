package mysql

import (
	"log/slog"
	"net/url"
	"time"

	"github.com/kakaologin/kakaologin/store/internal/urlparam"
)

// DefaultCleanupInterval is how often a Store deletes expired sessions,
// index entries and locks when no interval is configured.
const DefaultCleanupInterval = 5 * time.Minute

// DefaultTablePrefix starts the name of each of the store's tables
// (kakaologin_sessions, kakaologin_user_sessions, …) unless another
// prefix is configured.
const DefaultTablePrefix = "kakaologin_"

// DefaultMaxConns is how many connections a Store opens at most when no
// limit is configured: enough for a busy instance, few enough that many
// instances stay under the server's max_connections (151 by default).
const DefaultMaxConns = 10

// Option configures Open and New. Options given to Open override the same
// setting taken from the URL.
type Option func(*config)

// config is the resolved configuration of a Store.
type config struct {
	tablePrefix     string
	maxConns        int
	cleanupInterval time.Duration
	createTables    bool
	logger          *slog.Logger
}

func defaultConfig() config {
	return config{
		tablePrefix:     DefaultTablePrefix,
		maxConns:        DefaultMaxConns,
		cleanupInterval: DefaultCleanupInterval,
		createTables:    true,
		logger:          slog.New(slog.DiscardHandler),
	}
}

// WithTablePrefix names the store's tables prefix+"sessions",
// prefix+"user_sessions" and so on, instead of DefaultTablePrefix.
// Several apps, or parallel tests, can share one database by using one
// prefix each. A prefix is 1 to 50 lower-case ASCII letters, digits and
// underscores, so that every table name is valid and means the same on
// servers with case-insensitive table names. The URL query parameter
// table_prefix=NAME does the same.
func WithTablePrefix(prefix string) Option {
	return func(c *config) { c.tablePrefix = prefix }
}

// WithMaxConns sets how many connections the Store opens to the server at
// most (default DefaultMaxConns); calls beyond that wait for a free
// connection, within their context's deadline. The URL query parameter
// max_conns=N does the same.
func WithMaxConns(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxConns = n
		}
	}
}

// WithCleanupInterval sets how often expired rows are deleted in the
// background (default DefaultCleanupInterval). Zero or a negative interval
// turns the cleanup off, for deployments where another instance or a cron
// job does it. The URL query parameter cleanup_interval=DURATION (a Go
// duration such as 1m30s) does the same.
func WithCleanupInterval(d time.Duration) Option {
	return func(c *config) { c.cleanupInterval = d }
}

// WithCreateTables tells Open whether to create the tables when they are
// missing (default true). Pass false when an operator manages the schema
// with the SQL shown in the package documentation and the app's account
// may not run DDL; Open then only checks that the tables exist. The URL
// query parameter create_tables=false does the same.
func WithCreateTables(create bool) Option {
	return func(c *config) { c.createTables = create }
}

// WithLogger sets where background cleanup failures and the driver's own
// messages (such as a connection lost mid-packet) are reported (default:
// discarded). Messages never contain tokens or passwords.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// Query parameters of a store URL that this package handles itself and
// removes before the rest of the URL reaches the driver, which would
// otherwise send them to the server as variables to set.
const (
	paramTablePrefix     = "table_prefix"
	paramMaxConns        = "max_conns"
	paramCleanupInterval = "cleanup_interval"
	paramCreateTables    = "create_tables"
)

// takeURLParams moves this package's own query parameters from u into c and
// deletes them from u.
func takeURLParams(u *url.URL, c *config) error {
	t := urlparam.New(u)
	t.String(paramTablePrefix, &c.tablePrefix)
	t.PositiveInt(paramMaxConns, &c.maxConns)
	t.Duration(paramCleanupInterval, "5m", &c.cleanupInterval)
	t.Bool(paramCreateTables, &c.createTables)
	return t.Finish(u)
}
