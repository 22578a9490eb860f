package store

import (
	"context"
	"errors"
)

// Store is what Open returns and what every backend shipped with this
// module implements (memory, sqlite, redis, postgres): every role, plus
// Ping and Close. Code that needs only some of the roles takes the
// narrower interface (SessionStore, Locker, Outbox, Links); the
// conformance suite in store/storetest proves that every backend behaves
// the same in each role.
//
// Tokens passed to a Store are already hashed by the session layer: a Store
// never sees a cookie value. Every method honours ctx for cancellation and
// deadlines.
type Store interface {
	Sessions
	UserIndex
	Locker
	Outbox

	// Links is the Kakao ID ↔ host user link store of this backend.
	Links() Links

	// Ping checks that the backend answers.
	Ping(ctx context.Context) error

	// Close stops background work (expiry cleanup) and releases
	// connections. A Store must not be used after Close.
	Close() error
}

// SessionStore is what the session layer needs (session.New): the
// sessions themselves and the per-user index that ends all of one user's
// sessions at once. Every Store is one.
type SessionStore interface {
	Sessions
	UserIndex
}

var (
	// ErrNotFound is returned when a link does not exist.
	ErrNotFound = errors.New("store: not found")

	// ErrLinkConflict is returned when a Kakao ID or host user is already
	// linked to someone else.
	ErrLinkConflict = errors.New("store: link conflict")

	// ErrRevoked is returned when a revoked session token is written.
	ErrRevoked = errors.New("store: session revoked")

	// ErrLeaseLost is returned by Outbox.Ack when the message's lease ran
	// out and another Claim took it: the other claimer now owns the
	// message, and this one must not assume its acknowledgement counted.
	ErrLeaseLost = errors.New("store: outbox lease lost")

	// ErrUnavailable wraps every error caused by the backend not answering
	// (connection refused, timeout, server gone). The session middleware
	// turns it into a 503.
	ErrUnavailable = errors.New("store: backend unavailable")
)
