package store

import (
	"context"
	"time"
)

// Locker hands out named locks shared by every app instance, each with a
// ttl and a fencing value. kakaogin takes one around a token refresh
// (Kakao may rotate the refresh token, so two instances refreshing at once
// would lose one), around the first login of a Kakao user and around the
// unlink retries.
type Locker interface {
	// TryLock takes the named lock for at most ttl if nobody holds it, and
	// reports whether it did. ttl must be positive. The returned fencing
	// value must be passed to Unlock; a lock whose ttl ran out may be taken
	// by someone else, and a late Unlock with the old value then does
	// nothing.
	TryLock(ctx context.Context, name string, ttl time.Duration) (fence string, ok bool, err error)

	// Unlock releases the named lock if it is still held with fence.
	// Unlocking a lock that is free or held by someone else is not an
	// error and does nothing.
	Unlock(ctx context.Context, name, fence string) error
}
