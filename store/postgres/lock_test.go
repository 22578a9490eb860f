package postgres

import (
	"testing"
	"time"
)

func TestTryLockAndUnlock(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	fence, ok, err := s.TryLock(ctx, "refresh:u1", time.Minute)
	if err != nil || !ok || fence == "" {
		t.Fatalf("TryLock on a free lock = %q, %v, %v; want a fence, true, nil", fence, ok, err)
	}
	if _, ok, err := s.TryLock(ctx, "refresh:u1", time.Minute); err != nil || ok {
		t.Fatalf("TryLock on a held lock = %v, %v; want false, nil", ok, err)
	}
	if _, ok, err := s.TryLock(ctx, "refresh:u2", time.Minute); err != nil || !ok {
		t.Fatalf("TryLock on another name = %v, %v; want true, nil", ok, err)
	}
	if err := s.Unlock(ctx, "refresh:u1", "wrong-fence"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.TryLock(ctx, "refresh:u1", time.Minute); ok {
		t.Fatal("Unlock with a wrong fence released the lock")
	}
	if err := s.Unlock(ctx, "refresh:u1", fence); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.TryLock(ctx, "refresh:u1", time.Minute); err != nil || !ok {
		t.Fatalf("TryLock after Unlock = %v, %v; want true, nil", ok, err)
	}
}

// A lock whose ttl ran out may be taken by someone else, and the first
// holder's late Unlock must then leave the new holder's lock alone.
func TestExpiredLockIsTakenAndLateUnlockDoesNothing(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	first, ok, err := s.TryLock(ctx, "job", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	// Let the ttl run out on the database clock without waiting for it.
	s.exec(t, `UPDATE {locks} SET expiry = now() - interval '1 second' WHERE name = 'job'`)

	second, ok, err := s.TryLock(ctx, "job", time.Minute)
	if err != nil || !ok {
		t.Fatalf("TryLock on an expired lock = %v, %v; want true, nil", ok, err)
	}
	if second == first {
		t.Fatal("the new holder got the old fence")
	}
	if err := s.Unlock(ctx, "job", first); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.TryLock(ctx, "job", time.Minute); ok {
		t.Error("the old holder's late Unlock released the new holder's lock")
	}
}

func TestTryLockRejectsNonPositiveTTL(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	for _, ttl := range []time.Duration{0, -time.Second} {
		if _, ok, err := s.TryLock(t.Context(), "x", ttl); err == nil || ok {
			t.Errorf("TryLock(ttl %v) = %v, %v; want an error", ttl, ok, err)
		}
	}
}
