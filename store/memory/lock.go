package memory

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
		return "", false, fmt.Errorf("memory: try lock: ttl %v is not positive", ttl)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "try lock"); err != nil {
		return "", false, err
	}
	now := s.now()
	if l, ok := s.locks[name]; ok && l.expiry.After(now) {
		return "", false, nil
	}
	fence := rand.Text()
	s.locks[name] = lock{fence: fence, expiry: now.Add(ttl)}
	return fence, true, nil
}

// Unlock releases the named lock if fence still holds it; otherwise it
// does nothing.
func (s *Store) Unlock(ctx context.Context, name, fence string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "unlock"); err != nil {
		return err
	}
	if l, ok := s.locks[name]; ok && l.fence == fence {
		delete(s.locks, name)
	}
	return nil
}
