package store

import (
	"context"
	"errors"
	"time"
)

// Store is a session store shared by every instance of an app. Each backend
// (memory, sqlite, redis, postgres) implements it; the conformance suite in
// store/storetest proves that they all behave the same.
//
// Tokens passed to a Store are already hashed by the session layer: a Store
// never sees a cookie value. Every method honours ctx for cancellation and
// deadlines.
type Store interface {
	// FindCtx returns the data stored for token. found is false, with a nil
	// error, when the token is unknown, expired or revoked.
	FindCtx(ctx context.Context, token string) (b []byte, found bool, err error)

	// CommitCtx stores b for token until expiry, creating or replacing it.
	// It returns ErrRevoked, and stores nothing, when token was revoked
	// (by DeleteCtx or RevokeUser) and the revocation has not yet expired:
	// a request that loaded a session before it was ended cannot bring it
	// back by saving it afterwards.
	CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error

	// CompareAndSwap stores b for token until expiry only if the data stored
	// now equals old byte for byte; old == nil means "only if token holds no
	// live data". It reports whether it stored. It returns ErrRevoked when
	// token is revoked, whatever old is. The comparison and the write are one
	// atomic step, also across app instances.
	CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error)

	// DeleteCtx ends the session: its data is removed and the token is
	// revoked (see CommitCtx) until at least the later of the session's own
	// expiry and now+RevocationTTL. Deleting an unknown token is not an
	// error, and also revokes it.
	DeleteCtx(ctx context.Context, token string) error

	// AddUserSession records that token belongs to user until expiry, so
	// that RevokeUser can end it. Adding the same pair again only extends
	// its expiry. Expired entries are dropped by the backend.
	AddUserSession(ctx context.Context, user, token string, expiry time.Time) error

	// RemoveUserSession forgets one token of user (after a logout or token
	// renewal). Removing an unknown pair is not an error.
	RemoveUserSession(ctx context.Context, user, token string) error

	// UserSessions lists the live tokens recorded for user, in no
	// particular order.
	UserSessions(ctx context.Context, user string) ([]string, error)

	// RevokeUser ends every session recorded for user, as DeleteCtx does
	// for each, and clears the user's index. Its cost is proportional to
	// the number of that user's sessions, never to the size of the store.
	// It returns how many sessions it ended.
	RevokeUser(ctx context.Context, user string) (int, error)

	// TryLock takes the named lock for at most ttl if nobody holds it, and
	// reports whether it did. The returned fencing value must be passed to
	// Unlock; a lock whose ttl ran out may be taken by someone else, and a
	// late Unlock with the old value then does nothing.
	TryLock(ctx context.Context, name string, ttl time.Duration) (fence string, ok bool, err error)

	// Unlock releases the named lock if it is still held with fence.
	Unlock(ctx context.Context, name, fence string) error

	// Links is the Kakao ID ↔ host user link store of this backend.
	Links() LinkStore

	// Ping checks that the backend answers.
	Ping(ctx context.Context) error

	// Close stops background work (expiry cleanup) and releases
	// connections. A Store must not be used after Close.
	Close() error
}

// RevocationTTL is the least time a revoked token stays revoked when its
// session's own expiry is unknown or sooner. It is longer than any request
// can take, so no in-flight request can resurrect a session it loaded.
const RevocationTTL = time.Hour

// Link ties one Kakao user (by service user ID) to one host user.
type Link struct {
	// KakaoID is Kakao's service user ID (the ID token's sub).
	KakaoID int64
	// UserID is the host application's own user identifier.
	UserID string
	// LinkedAt is when the link was made, in UTC.
	LinkedAt time.Time
}

// LinkStore keeps the links between Kakao users and host users. One Kakao ID
// maps to at most one host user and one host user to at most one Kakao ID;
// the backend enforces both with unique constraints, so the rule holds under
// concurrency and across app instances.
type LinkStore interface {
	// ByKakaoID returns the link of a Kakao user, or ErrNotFound.
	ByKakaoID(ctx context.Context, kakaoID int64) (Link, error)

	// ByUserID returns the link of a host user, or ErrNotFound.
	ByUserID(ctx context.Context, userID string) (Link, error)

	// Link creates the link. Linking a pair that is already linked to each
	// other succeeds and keeps the original LinkedAt. If either side is
	// linked to someone else it returns an error matching ErrLinkConflict
	// and changes nothing. A zero l.LinkedAt is set to the current time.
	Link(ctx context.Context, l Link) (Link, error)

	// Unlink removes the link of a Kakao user and returns it. It returns
	// ErrNotFound when there was none.
	Unlink(ctx context.Context, kakaoID int64) (Link, error)
}

var (
	// ErrNotFound is returned when a link does not exist.
	ErrNotFound = errors.New("store: not found")

	// ErrLinkConflict is returned when a Kakao ID or host user is already
	// linked to someone else.
	ErrLinkConflict = errors.New("store: link conflict")

	// ErrRevoked is returned when a revoked session token is written.
	ErrRevoked = errors.New("store: session revoked")

	// ErrUnavailable wraps every error caused by the backend not answering
	// (connection refused, timeout, server gone). The session middleware
	// turns it into a 503.
	ErrUnavailable = errors.New("store: backend unavailable")
)
