package redis

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTryLockAndUnlock(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	fence, ok, err := s.TryLock(ctx, "refresh:alice", time.Minute)
	if err != nil || !ok || fence == "" {
		t.Fatalf("TryLock = %q, %v, %v; want a fence", fence, ok, err)
	}
	if f, ok, err := s.TryLock(ctx, "refresh:alice", time.Minute); err != nil || ok || f != "" {
		t.Errorf("second TryLock = %q, %v, %v; want \"\", false, nil", f, ok, err)
	}
	if _, ok, err := s.TryLock(ctx, "refresh:bob", time.Minute); err != nil || !ok {
		t.Errorf("TryLock of another name = %v, %v; want true", ok, err)
	}
	if err := s.Unlock(ctx, "refresh:alice", "wrong-fence"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.TryLock(ctx, "refresh:alice", time.Minute); ok {
		t.Error("Unlock with a wrong fence released the lock")
	}
	if err := s.Unlock(ctx, "refresh:alice", fence); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.TryLock(ctx, "refresh:alice", time.Minute); err != nil || !ok {
		t.Errorf("TryLock after Unlock = %v, %v; want true", ok, err)
	}
	if err := s.Unlock(ctx, "never-taken", "x"); err != nil {
		t.Errorf("Unlock of a free lock: %v", err)
	}
}

// A lock whose ttl ran out can be taken by someone else, and the first
// holder's late Unlock then leaves the new holder's lock alone.
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

func TestTryLockRejectsNonPositiveTTL(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	for _, ttl := range []time.Duration{0, -time.Second} {
		if _, ok, err := s.TryLock(t.Context(), "l", ttl); err == nil || ok {
			t.Errorf("TryLock(ttl %v) = %v, %v; want an error", ttl, ok, err)
		}
	}
}

// R16: of many goroutines on two instances, one holds the lock.
func TestTryLockContentionAcrossInstances(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	a, b := openWithPrefix(t, prefix), openWithPrefix(t, prefix)
	ctx := t.Context()
	var holders atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			_, ok, err := s.TryLock(ctx, "refresh:alice", time.Minute)
			if err != nil {
				t.Errorf("TryLock: %v", err)
			}
			if ok {
				holders.Add(1)
			}
		})
	}
	wg.Wait()
	if holders.Load() != 1 {
		t.Errorf("%d goroutines hold the lock, want exactly 1", holders.Load())
	}
}
