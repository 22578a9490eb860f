package sqlite

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// TryLock takes the named lock for ttl if it is free or its holder's ttl
// has run out. The fence is a random value that only this holder knows.
func (s *Store) TryLock(ctx context.Context, name string, ttl time.Duration) (string, bool, error) {
	if ttl <= 0 {
		return "", false, fmt.Errorf("sqlite: try lock: ttl %v is not positive", ttl)
	}
	fence := rand.Text()
	var taken int64
	err := s.retry(ctx, "try lock", func(ctx context.Context) error {
		res, err := s.w.ExecContext(ctx, sqlTryLock, name, fence, s.nowPlus(ttl), s.nowNanos())
		if err != nil {
			return err
		}
		taken, err = res.RowsAffected()
		return err
	})
	if err != nil || taken == 0 {
		return "", false, err
	}
	return fence, true, nil
}

// Unlock releases the named lock if fence still holds it; otherwise (the
// ttl ran out and someone else took it, or it was released) it does
// nothing.
func (s *Store) Unlock(ctx context.Context, name, fence string) error {
	return s.retry(ctx, "unlock", func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, sqlUnlock, name, fence)
		return err
	})
}
