package postgres

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/internal/janitor"
	"github.com/kakaologin/kakaologin/store/internal/redact"
)

// Backend opens postgres:// and postgresql:// URLs for store.Open.
var Backend = store.Backend{
	Schemes: []string{"postgres", "postgresql"},
	Open: func(ctx context.Context, u *url.URL) (store.Store, error) {
		s, err := Open(ctx, u.String())
		if err != nil {
			return nil, err
		}
		return s, nil
	},
}

// defaultConnectTimeout bounds each connection attempt when the URL sets no
// connect_timeout, so that an unreachable server fails Open instead of
// hanging until the caller's deadline.
const defaultConnectTimeout = 10 * time.Second

// Store is a store.Store on PostgreSQL. It is safe for concurrent use by
// many goroutines and by many app instances sharing one database.
type Store struct {
	pool    *pgxpool.Pool
	ownPool bool
	addr    string // host:port/database, for error messages
	names   tableNamer
	q       queries
	timeout time.Duration // per call; 0 for none

	janitor   *janitor.Janitor
	closeOnce sync.Once
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by rawURL, a libpq-style URL such as
// postgres://user:password@host:5432/dbname?sslmode=require, and returns a
// ready Store: the server has answered a ping and the tables exist.
//
// Besides the parameters pgx understands (sslmode, connect_timeout,
// pool_max_conns, search_path, application_name, …), the URL may carry
// schema=NAME, cleanup_interval=DURATION, call_timeout=DURATION and
// create_tables=false; see WithSchema, WithCleanupInterval, WithCallTimeout
// and WithCreateTables, which override them.
//
// When the server cannot be reached the error names the address (never the
// password) and matches store.ErrUnavailable.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad URL: %w", redact.WithoutURL(err))
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "postgres" && scheme != "postgresql" {
		return nil, fmt.Errorf("postgres: URL scheme %q is not postgres:// or postgresql://", u.Scheme)
	}
	cfg := defaultConfig()
	if err := takeURLParams(u, &cfg); err != nil {
		return nil, fmt.Errorf("postgres: bad URL %s: %w", redact.URL(u), err)
	}
	for _, o := range opts {
		o(&cfg)
	}
	pcfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("postgres: bad URL: %s", redact.Secrets(err.Error(), u))
	}
	if pcfg.ConnConfig.ConnectTimeout == 0 {
		pcfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %s", address(pcfg), redact.Secrets(err.Error(), u))
	}
	s, err := newStore(ctx, pool, true, cfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// New returns a Store over a pool the app already has. Close stops the
// Store's background work but leaves the pool open for its owner. New pings
// the server and creates the tables like Open.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	return newStore(ctx, pool, false, cfg)
}

func newStore(ctx context.Context, pool *pgxpool.Pool, own bool, cfg config) (*Store, error) {
	addr := address(pool.Config())
	if err := checkSchemaName(cfg.schema); err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", addr, err)
	}
	if err := pool.Ping(ctx); err != nil {
		return nil, wrap("open "+addr, err)
	}
	names := newTableNamer(cfg.schema)
	prepare := checkTables
	if cfg.createTables {
		prepare = func(ctx context.Context, pool *pgxpool.Pool, n tableNamer) error {
			return createTables(ctx, pool, cfg.schema, n)
		}
	}
	if err := prepare(ctx, pool, names); err != nil {
		return nil, wrap("open "+addr+": tables", err)
	}
	s := &Store{pool: pool, ownPool: own, addr: addr, names: names, q: newQueries(names), timeout: max(cfg.callTimeout, 0)}
	s.janitor = janitor.Start(cfg.cleanupInterval, func(ctx context.Context) error {
		_, err := s.DeleteExpired(ctx)
		return err
	}, func(err error) { cfg.logger.Warn("kakaologin: postgres store cleanup failed", "err", err) })
	return s, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	return wrap("ping "+s.addr, s.pool.Ping(ctx))
}

// call bounds one store call by the Store's call timeout (see
// WithCallTimeout), keeping a caller's earlier deadline.
func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// Links returns the link store kept in the same database.
func (s *Store) Links() store.Links { return linkStore{s} }

// Close stops the cleanup goroutine, waiting for a run in progress to end,
// and closes the connection pool if Open created it. It is safe to call
// more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.janitor.Stop()
		if s.ownPool {
			s.pool.Close()
		}
	})
	return nil
}
