package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Backend opens stores for some URL schemes. Each backend package exports
// one (memory.Backend, sqlite.Backend, redis.Backend, postgres.Backend).
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
//
// For example:
//
//	st, err := store.Open(ctx, os.Getenv("STORE_URL"), memory.Backend, sqlite.Backend, redis.Backend)
func Open(ctx context.Context, rawURL string, backends ...Backend) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: bad store URL: %w", WithoutURL(err))
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("store: store URL %q has no scheme (want memory:, sqlite:, redis:// or postgres://)", Redact(u))
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

// isSecretParam reports query parameters that carry credentials in some
// drivers' URLs.
func isSecretParam(name string) bool {
	switch strings.ToLower(name) {
	case "password", "pass", "pwd", "sslpassword", "sentinel_password", "token", "secret":
		return true
	}
	return false
}

// Redact returns u as a string with any password replaced, in the user
// info and in credential query parameters, for error messages and logs.
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			if isSecretParam(k) {
				q[k] = []string{"xxxxx"}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.Redacted()
}

// ScrubSecrets masks in msg every password that u carries (in its user
// info or in credential query parameters), raw or escaped, for backends
// whose drivers may put them in error texts.
func ScrubSecrets(msg string, u *url.URL) string {
	if u == nil {
		return msg
	}
	var secrets []string
	if pw, ok := u.User.Password(); ok {
		secrets = append(secrets, pw, url.PathEscape(pw), url.QueryEscape(pw))
		if _, after, ok := strings.Cut(u.User.String(), ":"); ok {
			secrets = append(secrets, after)
		}
	}
	for key, vs := range u.Query() {
		if !isSecretParam(key) {
			continue
		}
		for _, v := range vs {
			secrets = append(secrets, v, url.QueryEscape(v))
		}
	}
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return msg
}

// WithoutURL drops the URL text from a url.Parse (or net/http) error,
// which may hold a password.
func WithoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
