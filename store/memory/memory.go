package memory

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/internal/janitor"
)

// DefaultCleanupInterval is how often a Store deletes expired entries when
// no interval is configured.
const DefaultCleanupInterval = time.Minute

// ErrClosed is returned by every method of a Store after Close. It
// matches store.ErrUnavailable, so the session layer answers 503.
var ErrClosed = fmt.Errorf("memory: store closed: %w", store.ErrUnavailable)

// Backend opens "memory:" URLs for store.Open. The only query parameter is
// cleanup_interval=DURATION (a Go duration such as 30s; 0 turns the
// cleanup off).
var Backend = store.Backend{
	Schemes: []string{"memory"},
	Open:    openURL,
}

// Store is an in-process store.Store: it implements every role. The zero value is not usable; call
// New.
type Store struct {
	now func() time.Time

	mu          sync.RWMutex
	closed      bool
	sessions    map[string]session
	users       map[string]map[string]time.Time // user → token → expiry
	locks       map[string]lock
	linksByID   map[int64]store.Link
	linksByUser map[string]int64
	outbox      map[string][]*message // topic → messages, oldest first
	msgSeq      uint64                // the last message ID handed out

	janitor *janitor.Janitor
}

// session is a stored session or, with revoked set, a tombstone that keeps
// its token from being written until expiry.
type session struct {
	data    []byte
	revoked bool
	expiry  time.Time
}

// lock is a held lock.
type lock struct {
	fence  string
	expiry time.Time
}

// Option configures New.
type Option func(*config)

type config struct {
	now             func() time.Time
	cleanupInterval time.Duration
}

// WithNow sets the clock that every expiry decision uses (default
// time.Now). Tests pass a fake clock to expire sessions without sleeping.
func WithNow(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithCleanupInterval sets how often expired entries are deleted in the
// background (default DefaultCleanupInterval). Zero or a negative interval
// turns the cleanup off; DeleteExpired then does it on demand.
func WithCleanupInterval(d time.Duration) Option {
	return func(c *config) { c.cleanupInterval = d }
}

// New returns an empty Store and starts its cleanup goroutine, which Close
// stops.
func New(opts ...Option) *Store {
	c := config{now: time.Now, cleanupInterval: DefaultCleanupInterval}
	for _, o := range opts {
		o(&c)
	}
	s := &Store{
		now:         c.now,
		sessions:    map[string]session{},
		users:       map[string]map[string]time.Time{},
		locks:       map[string]lock{},
		linksByID:   map[int64]store.Link{},
		linksByUser: map[string]int64{},
		outbox:      map[string][]*message{},
	}
	s.janitor = janitor.Start(c.cleanupInterval, func(ctx context.Context) error {
		_, err := s.DeleteExpired(ctx)
		return err
	}, nil)
	return s
}

// openURL is Backend.Open.
func openURL(ctx context.Context, u *url.URL) (store.Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: open: %w", err)
	}
	if u.Host != "" || (u.Path != "" && u.Path != "/") || u.Opaque != "" || u.User != nil {
		return nil, errors.New(`memory: open: the URL must be just "memory:" (with optional ?cleanup_interval=DURATION)`)
	}
	var opts []Option
	for key, values := range u.Query() {
		if key != "cleanup_interval" || len(values) != 1 {
			return nil, fmt.Errorf("memory: open: unknown or repeated URL parameter %q (known: cleanup_interval)", key)
		}
		d, err := time.ParseDuration(values[0])
		if err != nil {
			return nil, fmt.Errorf("memory: open: cleanup_interval: %w", err)
		}
		opts = append(opts, WithCleanupInterval(d))
	}
	return New(opts...), nil
}

// Ping reports whether the store is open.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: ping: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return fmt.Errorf("memory: ping: %w", ErrClosed)
	}
	return nil
}

// Close stops the cleanup goroutine and drops every entry. Later calls of
// any method return ErrClosed; a second Close does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.sessions, s.users, s.locks, s.linksByID, s.linksByUser, s.outbox = nil, nil, nil, nil, nil, nil
	s.mu.Unlock()
	s.janitor.Stop()
	return nil
}

// check returns the error of a call of op with ctx: ctx's own error, or
// ErrClosed. The caller holds s.mu.
func (s *Store) check(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: %s: %w", op, err)
	}
	if s.closed {
		return fmt.Errorf("memory: %s: %w", op, ErrClosed)
	}
	return nil
}

var _ store.Store = (*Store)(nil)
