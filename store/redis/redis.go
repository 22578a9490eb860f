package redis

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/internal/redact"
)

// Backend opens redis:// and rediss:// URLs for store.Open.
var Backend = store.Backend{
	Schemes: []string{"redis", "rediss"},
	Open: func(ctx context.Context, u *url.URL) (store.Store, error) {
		s, err := Open(ctx, u.String())
		if err != nil {
			return nil, err
		}
		return s, nil
	},
}

// Defaults for the client settings a URL leaves unset; see "URLs" in the
// package doc.
const (
	defaultDialTimeout   = 2 * time.Second
	defaultReadTimeout   = 2 * time.Second
	defaultWriteTimeout  = 2 * time.Second
	defaultPoolTimeout   = 3 * time.Second
	defaultMaxRetries    = 2
	defaultDialerRetries = 2
	// defaultClusterStateReloadInterval bounds how long a Cluster client
	// trusts its slot map without errors prompting a reload (go-redis
	// defaults to 60 s).
	defaultClusterStateReloadInterval = 2 * time.Second
)

// Store is a store.Store on Redis. It is safe for concurrent use by many
// goroutines and by many app instances sharing one Redis deployment.
type Store struct {
	client    goredis.UniversalClient
	ownClient bool
	addr      string // redacted URL or address, for error messages
	k         keys

	lastReload  atomic.Int64 // Unix ns of the latest topology reload requested
	replicas    replicaCounts
	replicaWait time.Duration // how long a revocation waits for a replica

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open connects to the Redis deployment named by rawURL (see "URLs" in the
// package doc for the standalone, Cluster and Sentinel forms and the
// prefix= parameter) and returns a ready Store: the server has answered a
// ping.
//
// When the server cannot be reached the error names the backend and the
// address (never the password) and matches store.ErrUnavailable.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis: bad URL: %w", redact.WithoutURL(err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("redis: URL scheme %q is not redis:// or rediss://", u.Scheme)
	}
	addr := redact.URL(u)
	cfg := defaultConfig()
	rest := *u
	params, err := takeURLParams(&rest, &cfg)
	if err != nil {
		return nil, fmt.Errorf("redis: bad URL %s: %w", addr, err)
	}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("redis: open %s: %w", addr, err)
	}
	copts, err := parseClientOptions(&rest, params)
	if err != nil {
		return nil, fmt.Errorf("redis: bad URL %s: %s", addr, redact.Secrets(err.Error(), u))
	}
	client := copts.newClient()
	s := &Store{client: client, ownClient: true, addr: addr, k: newKeys(cfg.prefix), replicaWait: cfg.replicaWait}
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, wrapErr("open "+addr, err)
	}
	s.learnReplicas(ctx)
	return s, nil
}

// New returns a Store over a client the app already has: a *redis.Client,
// *redis.ClusterClient, failover client or anything else implementing
// redis.UniversalClient. Close leaves the client open for its owner. New
// does not contact the server; call Ping to check it. The client's own
// timeouts apply, so give it dial, read, write and pool timeouts.
func New(client goredis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("redis: new: nil client")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	addr := clientAddr(client)
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("redis: new %s: %w", addr, err)
	}
	return &Store{client: client, addr: addr, k: newKeys(cfg.prefix), replicaWait: cfg.replicaWait}, nil
}

// clientOptions are the parsed options of one of the three kinds of
// client; exactly one field is set.
type clientOptions struct {
	simple   *goredis.Options
	cluster  *goredis.ClusterOptions
	failover *goredis.FailoverOptions
}

// parseClientOptions parses a URL from which this package's own
// parameters have been removed, and fills in the defaults. It does no I/O.
func parseClientOptions(u *url.URL, p urlParams) (clientOptions, error) {
	sentinel := u.Query().Has("master_name")
	switch {
	case sentinel && p.cluster:
		return clientOptions{}, fmt.Errorf("cluster=true and master_name cannot be used together")
	case sentinel:
		o, err := goredis.ParseFailoverURL(u.String())
		if err != nil {
			return clientOptions{}, redact.WithoutURL(err)
		}
		settings{&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout,
			&o.MaxRetries, &o.DialerRetries, &o.ContextTimeoutEnabled}.fill()
		return clientOptions{failover: o}, nil
	case p.cluster:
		o, err := goredis.ParseClusterURL(u.String())
		if err != nil {
			return clientOptions{}, redact.WithoutURL(err)
		}
		settings{&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout,
			&o.MaxRetries, &o.DialerRetries, &o.ContextTimeoutEnabled}.fill()
		setDefault(&o.ClusterStateReloadInterval, defaultClusterStateReloadInterval)
		return clientOptions{cluster: o}, nil
	default:
		o, err := goredis.ParseURL(u.String())
		if err != nil {
			return clientOptions{}, redact.WithoutURL(err)
		}
		settings{&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout,
			&o.MaxRetries, &o.DialerRetries, &o.ContextTimeoutEnabled}.fill()
		return clientOptions{simple: o}, nil
	}
}

// newClient returns the client the options describe.
func (o clientOptions) newClient() goredis.UniversalClient {
	switch {
	case o.failover != nil:
		return goredis.NewFailoverClient(o.failover)
	case o.cluster != nil:
		return goredis.NewClusterClient(o.cluster)
	default:
		return goredis.NewClient(o.simple)
	}
}

// settings points at the client options that Open gives defaults when
// the URL leaves them unset (zero).
type settings struct {
	dial, read, write, pool   *time.Duration
	maxRetries, dialerRetries *int
	contextTimeout            *bool
}

func (s settings) fill() {
	setDefault(s.dial, defaultDialTimeout)
	setDefault(s.read, defaultReadTimeout)
	setDefault(s.write, defaultWriteTimeout)
	setDefault(s.pool, defaultPoolTimeout)
	setDefault(s.maxRetries, defaultMaxRetries)
	setDefault(s.dialerRetries, defaultDialerRetries)
	*s.contextTimeout = true
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// clientAddr names the server(s) of a client for error messages.
func clientAddr(c goredis.UniversalClient) string {
	switch c := c.(type) {
	case *goredis.Client:
		o := c.Options()
		return fmt.Sprintf("redis://%s/%d", o.Addr, o.DB)
	case *goredis.ClusterClient:
		return "redis cluster " + strings.Join(c.Options().Addrs, ",")
	default:
		return "redis"
	}
}

// Ping checks that the server answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.wrap("ping "+s.addr, s.client.Ping(ctx).Err())
}

// Links returns the link store kept in the same Redis deployment.
func (s *Store) Links() store.Links { return linkStore{s} }

// Close closes the client if Open created it. It is safe to call more
// than once. A Store has no background work of its own to stop.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.ownClient {
			s.closeErr = wrapErr("close "+s.addr, s.client.Close())
		}
	})
	return s.closeErr
}
