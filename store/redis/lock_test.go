package redis

import (
	"testing"
	"time"
)

// A lock whose ttl ran out can be taken by someone else, and the first
// holder's late Unlock then leaves the new holder's lock alone; a ttl under
// a millisecond is rounded up, never down to "no expiry".
func TestExpiredLockIsFencedOff(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	for _, ttl := range []time.Duration{50 * time.Millisecond, 10 * time.Microsecond} {
		name := "lock-" + ttl.String()
		old, ok, err := s.TryLock(ctx, name, ttl)
		if err != nil || !ok {
			t.Fatalf("TryLock(%v) = %v, %v", ttl, ok, err)
		}
		time.Sleep(ttl + 50*time.Millisecond)
		cur, ok, err := s.TryLock(ctx, name, time.Minute)
		if err != nil || !ok {
			t.Fatalf("TryLock after the ttl = %v, %v; want true", ok, err)
		}
		if cur == old {
			t.Error("two holders got the same fence")
		}
		if err := s.Unlock(ctx, name, old); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.TryLock(ctx, name, time.Minute); ok {
			t.Error("a late Unlock with the old fence released the new holder's lock")
		}
	}
}
