package mysql

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// TryLock takes the named lock for ttl if it is free or its holder's ttl
// has run out (on the database clock). The fence is a random value that
// only this holder knows.
func (s *Store) TryLock(ctx context.Context, name string, ttl time.Duration) (string, bool, error) {
	if ttl <= 0 {
		return "", false, fmt.Errorf("mysql: try lock: ttl %v is not positive", ttl)
	}
	if err := checkKey("lock name", name); err != nil {
		return "", false, fmt.Errorf("mysql: try lock: %w", err)
	}
	fence := rand.Text()
	n, err := s.execRetry(ctx, s.q.tryLock, []byte(name), fence, micros(ttl))
	if err != nil {
		return "", false, wrap("try lock", err)
	}
	if n == 0 {
		return "", false, nil
	}
	return fence, true, nil
}

// Unlock releases the named lock if fence still holds it; otherwise (the
// ttl ran out and someone else took it, or it was released) it does
// nothing.
func (s *Store) Unlock(ctx context.Context, name, fence string) error {
	if err := checkKey("lock name", name); err != nil {
		return fmt.Errorf("mysql: unlock: %w", err)
	}
	_, err := s.execRetry(ctx, s.q.unlock, []byte(name), fence)
	return wrap("unlock", err)
}
