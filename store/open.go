package store

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/kakaologin/kakaologin/store/internal/redact"
)

// Backend opens stores for some URL schemes. Each backend package exports
// one (memory.Backend, sqlite.Backend, redis.Backend, postgres.Backend,
// mysql.Backend).
// Backends are passed to Open explicitly instead of registering themselves
// in a global table, so a program links only the drivers it names and two
// configurations can live in one process.
type Backend struct {
	// Schemes are the URL schemes this backend opens, e.g. "redis", "rediss".
	Schemes []string
	// Open opens a store for u. It returns an error naming the backend and
	// the address (without credentials) when the server cannot be reached.
	Open func(ctx context.Context, u *url.URL) (Store, error)
}

// Open opens the store named by rawURL with the first of backends that knows
// its scheme:
//
//	memory:                             in-process, for tests and development
//	sqlite:path/to/file.db              embedded SQLite file (pure Go)
//	redis://host:6379/0, rediss://…     Redis, Sentinel or Cluster
//	postgres://user@host/db             PostgreSQL
//	mysql://user@host:3306/db           MySQL or MariaDB (mariadb:// too)
//
// For example:
//
//	st, err := store.Open(ctx, os.Getenv("STORE_URL"), memory.Backend, sqlite.Backend, redis.Backend)
func Open(ctx context.Context, rawURL string, backends ...Backend) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: bad store URL: %w", redact.WithoutURL(err))
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("store: store URL %q has no scheme (want memory:, sqlite:, redis://, postgres:// or mysql://)", redact.URL(u))
	}
	scheme := strings.ToLower(u.Scheme)
	var known []string
	for _, b := range backends {
		for _, s := range b.Schemes {
			if s == scheme {
				return b.Open(ctx, u)
			}
			known = append(known, s+":")
		}
	}
	if len(known) == 0 {
		return nil, fmt.Errorf("store: no backend for scheme %q: no backends given to store.Open (pass e.g. memory.Backend, redis.Backend)", scheme)
	}
	return nil, fmt.Errorf("store: no backend for scheme %q (known: %s)", scheme, strings.Join(known, ", "))
}
