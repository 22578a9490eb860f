package store

import (
	"context"
	"time"
)

// Sessions keeps session data by token, with revocation: an ended session
// cannot be saved again by a request that loaded it earlier. Its first
// three methods are the shape of scs's CtxStore; the session layer adapts
// it to scs and hashes every token before it gets here.
type Sessions interface {
	// Find returns the data stored for token. found is false, with a nil
	// error, when the token is unknown, expired or revoked. The data of a
	// found session is never nil, even when empty.
	Find(ctx context.Context, token string) (b []byte, found bool, err error)

	// Commit stores b for token until expiry, creating or replacing it.
	// It returns ErrRevoked, and stores nothing, when token was revoked
	// (by Delete or UserIndex.RevokeUser) and the revocation has not yet
	// expired: a request that loaded a session before it was ended cannot
	// bring it back by saving it afterwards.
	Commit(ctx context.Context, token string, b []byte, expiry time.Time) error

	// Delete ends the session: its data is removed and the token is
	// revoked (see Commit) until at least the later of the session's own
	// expiry and now+RevocationTTL. Deleting an unknown token is not an
	// error, and also revokes it.
	Delete(ctx context.Context, token string) error

	// CompareAndSwap stores b for token until expiry only if the data stored
	// now equals old byte for byte; old == nil means "only if token holds no
	// live data". It reports whether it stored. It returns ErrRevoked when
	// token is revoked, whatever old is. The comparison and the write are one
	// atomic step, also across app instances, so of two requests that read
	// the same session and both write it back, one wins and the other reads
	// again instead of overwriting it.
	CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error)
}

// UserIndex records which session tokens belong to which user, so that
// logout-everywhere, unlink and Kakao's unlink callback end all sessions
// of one user at a cost proportional to that user's sessions, never to the
// size of the store. A backend keeps it beside its Sessions, since
// RevokeUser revokes their tokens.
type UserIndex interface {
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

	// RevokeUser ends every session recorded for user, as Sessions.Delete
	// does for each, and clears the user's index. Its cost is proportional
	// to the number of that user's sessions, never to the size of the
	// store. It returns how many sessions it ended.
	RevokeUser(ctx context.Context, user string) (int, error)
}

// RevocationTTL is the least time a revoked token stays revoked when its
// session's own expiry is unknown or sooner. It is longer than any request
// can take, so no in-flight request can resurrect a session it loaded.
const RevocationTTL = time.Hour
