package sqlite

import (
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// DefaultCleanupInterval is how often a Store deletes expired sessions,
// revocations, index entries and locks when no interval is configured.
const DefaultCleanupInterval = 5 * time.Minute

// DefaultBusyTimeout is how long an operation waits, in total, for another
// connection or process that holds the database's write lock before it
// fails with store.ErrUnavailable, when no timeout is configured.
const DefaultBusyTimeout = 5 * time.Second

// Option configures Open. Options given to Open override the same setting
// taken from a sqlite: URL.
type Option func(*config)

// config is the resolved configuration of a Store.
type config struct {
	cleanupInterval time.Duration
	busyTimeout     time.Duration
	readConns       int
	now             func() time.Time
	logger          *slog.Logger
}

func defaultConfig() config {
	return config{
		cleanupInterval: DefaultCleanupInterval,
		busyTimeout:     DefaultBusyTimeout,
		readConns:       4,
		now:             time.Now,
		logger:          slog.New(slog.DiscardHandler),
	}
}

// WithCleanupInterval sets how often expired rows are deleted in the
// background (default DefaultCleanupInterval). Zero or a negative interval
// turns the cleanup off, for deployments where another instance or a cron
// job calls DeleteExpired. The URL query parameter cleanup_interval=DURATION
// (a Go duration such as 1m30s) does the same.
func WithCleanupInterval(d time.Duration) Option {
	return func(c *config) { c.cleanupInterval = d }
}

// WithBusyTimeout bounds how long one operation waits, in total, while
// another connection or process holds the database's write lock (SQLite's
// "database is locked"). Within the bound the operation waits and retries
// with backoff; after it, it fails with an error matching
// store.ErrUnavailable, which the session middleware turns into a 503.
// The default is DefaultBusyTimeout; values below one millisecond are
// raised to one millisecond. The URL query parameter busy_timeout=DURATION
// does the same.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) { c.busyTimeout = max(d, time.Millisecond) }
}

// WithReadConns sets how many connections serve reads (Find,
// UserSessions, link look-ups) in parallel with the single writer
// connection (default 4; values below 1 are raised to 1).
func WithReadConns(n int) Option {
	return func(c *config) { c.readConns = max(n, 1) }
}

// WithClock sets the clock that decides what has expired and when
// revocations and lock ttls end (default time.Now). It exists for tests;
// every Store sharing a file must use the same clock.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithLogger sets where background cleanup failures are reported (default:
// discarded). Messages never contain tokens or session data.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// Query parameters of a sqlite: URL.
const (
	paramCleanupInterval = "cleanup_interval"
	paramBusyTimeout     = "busy_timeout"
)

// urlOptions turns the query parameters of a sqlite: URL into options. An
// unknown parameter is an error, so that a typo is not silently ignored.
func urlOptions(q url.Values) ([]Option, error) {
	var opts []Option
	for key, vs := range q {
		v := vs[len(vs)-1]
		switch key {
		case paramCleanupInterval:
			d, err := time.ParseDuration(v)
			if err != nil {
				return nil, fmt.Errorf("%s=%q is not a duration such as 5m", key, v)
			}
			opts = append(opts, WithCleanupInterval(d))
		case paramBusyTimeout:
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("%s=%q is not a positive duration such as 5s", key, v)
			}
			opts = append(opts, WithBusyTimeout(d))
		default:
			return nil, fmt.Errorf("unknown query parameter %q (want %s or %s)", key, paramCleanupInterval, paramBusyTimeout)
		}
	}
	return opts, nil
}
