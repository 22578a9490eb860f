package sqlite

import (
	"testing"
	"time"
)

func TestTryLockAndUnlock(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := openTest(t, WithClock(clock.Now))
	ctx := t.Context()
	fence, ok, err := s.TryLock(ctx, "job", time.Minute)
	if err != nil || !ok || fence == "" {
		t.Fatalf("TryLock on a free lock = %q, %v, %v", fence, ok, err)
	}
	if _, ok, err := s.TryLock(ctx, "job", time.Minute); err != nil || ok {
		t.Fatalf("TryLock on a held lock = %v, %v; want false", ok, err)
	}
	if _, ok, _ := s.TryLock(ctx, "other", time.Minute); !ok {
		t.Error("a different lock name is not free")
	}
	// A wrong fence does not release it.
	if err := s.Unlock(ctx, "job", "not-the-fence"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.TryLock(ctx, "job", time.Minute); ok {
		t.Fatal("Unlock with a wrong fence released the lock")
	}
	// After the ttl someone else takes it; the late Unlock does nothing.
	clock.Add(time.Minute)
	fence2, ok, err := s.TryLock(ctx, "job", time.Minute)
	if err != nil || !ok || fence2 == fence {
		t.Fatalf("TryLock after the ttl = %q, %v, %v; want a new fence", fence2, ok, err)
	}
	if err := s.Unlock(ctx, "job", fence); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.TryLock(ctx, "job", time.Minute); ok {
		t.Fatal("a late Unlock with the old fence released the new holder's lock")
	}
	if err := s.Unlock(ctx, "job", fence2); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.TryLock(ctx, "job", time.Minute); !ok {
		t.Error("the lock is not free after Unlock with its fence")
	}
}

func TestTryLockRejectsNonPositiveTTL(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	for _, ttl := range []time.Duration{0, -time.Second} {
		if _, ok, err := s.TryLock(t.Context(), "job", ttl); err == nil || ok {
			t.Errorf("TryLock(ttl %v) = %v, %v; want an error", ttl, ok, err)
		}
	}
}
