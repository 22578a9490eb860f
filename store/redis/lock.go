package redis

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// TryLock takes the named lock for ttl (rounded up to a whole
// millisecond) if its key does not exist: SET NX PX. The fence is a random
// value that only this holder knows; Redis deletes the key when the ttl
// runs out.
func (s *Store) TryLock(ctx context.Context, name string, ttl time.Duration) (string, bool, error) {
	if ttl <= 0 {
		return "", false, fmt.Errorf("redis: try lock: ttl %v is not positive", ttl)
	}
	ttl = (ttl + time.Millisecond - 1).Truncate(time.Millisecond)
	fence := rand.Text()
	ok, err := s.client.SetNX(ctx, s.k.lock(name), fence, ttl).Result()
	if err != nil {
		return "", false, s.wrap("try lock", err)
	}
	if !ok {
		return "", false, nil
	}
	return fence, true, nil
}

// Unlock releases the named lock if fence still holds it, by a
// compare-and-delete script; otherwise (the ttl ran out and someone else
// took it, or it was released) it does nothing.
func (s *Store) Unlock(ctx context.Context, name, fence string) error {
	return s.wrap("unlock", compareAndDeleteScript.Run(ctx, s.client, []string{s.k.lock(name)}, fence).Err())
}
