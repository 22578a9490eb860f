package storetest

import (
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// lockCases cover TryLock and Unlock, the cross-instance single-flight
// lock of the token refresh.
var lockCases = []testCase[store.Locker]{
	{"try lock is exclusive", func(t *testing.T, s store.Locker) {
		ctx, n := testCtx(t), newNames(t)
		fence := mustLock(t, s, n.lock("a"), time.Minute)
		if f, ok, err := s.TryLock(ctx, n.lock("a"), time.Minute); err != nil || ok || f != "" {
			t.Errorf("second TryLock = %q, %v, %v; want \"\", false, nil", f, ok, err)
		}
		other := mustLock(t, s, n.lock("b"), time.Minute)
		if other == fence {
			t.Errorf("two locks got the same fence %q", fence)
		}
	}},
	{"unlock with a wrong fence does nothing", func(t *testing.T, s store.Locker) {
		ctx, n := testCtx(t), newNames(t)
		fence := mustLock(t, s, n.lock("a"), time.Minute)
		for _, wrong := range []string{"", "wrong", fence + "x", fence[:len(fence)-1]} {
			if err := s.Unlock(ctx, n.lock("a"), wrong); err != nil {
				t.Errorf("Unlock with fence %q: %v", wrong, err)
			}
		}
		if _, ok, err := s.TryLock(ctx, n.lock("a"), time.Minute); err != nil || ok {
			t.Errorf("TryLock after unlocking with wrong fences = %v, %v; want false, nil", ok, err)
		}
	}},
	{"unlock releases the lock", func(t *testing.T, s store.Locker) {
		ctx, n := testCtx(t), newNames(t)
		fence := mustLock(t, s, n.lock("a"), time.Minute)
		if err := s.Unlock(ctx, n.lock("a"), fence); err != nil {
			t.Fatalf("Unlock: %v", err)
		}
		again := mustLock(t, s, n.lock("a"), time.Minute)
		if again == fence {
			t.Errorf("the lock was taken again with the same fence %q", fence)
		}
		// The first holder's fence no longer releases it.
		if err := s.Unlock(ctx, n.lock("a"), fence); err != nil {
			t.Fatalf("late Unlock: %v", err)
		}
		if _, ok, err := s.TryLock(ctx, n.lock("a"), time.Minute); err != nil || ok {
			t.Errorf("TryLock after a stale Unlock = %v, %v; want false, nil", ok, err)
		}
	}},
	{"a non-positive ttl is rejected", func(t *testing.T, s store.Locker) {
		ctx, n := testCtx(t), newNames(t)
		for _, ttl := range []time.Duration{0, -time.Nanosecond, -time.Hour} {
			f, ok, err := s.TryLock(ctx, n.lock("a"), ttl)
			if err == nil || ok || f != "" {
				t.Errorf("TryLock(ttl=%v) = %q, %v, %v; want an error", ttl, f, ok, err)
			}
		}
		mustLock(t, s, n.lock("a"), time.Minute) // nothing was taken
	}},
	{"unlock of an unknown lock is not an error", func(t *testing.T, s store.Locker) {
		ctx, n := testCtx(t), newNames(t)
		if err := s.Unlock(ctx, n.lock("unknown"), "fence"); err != nil {
			t.Errorf("Unlock: %v", err)
		}
	}},
	{"exactly one of 100 concurrent lockers wins", func(t *testing.T, s store.Locker) {
		ctx, n := testCtx(t), newNames(t)
		oks := make([]bool, 100)
		errs := make([]error, 100)
		parallel(100, func(i int) {
			_, oks[i], errs[i] = s.TryLock(ctx, n.lock("a"), time.Minute)
		})
		wins := 0
		for i := range oks {
			if errs[i] != nil {
				t.Fatalf("goroutine %d: %v", i, errs[i])
			}
			if oks[i] {
				wins++
			}
		}
		if wins != 1 {
			t.Errorf("%d goroutines took the lock, want exactly 1", wins)
		}
	}},
}

// mustLock takes the named lock or fails the test, and returns its fence.
func mustLock(t *testing.T, s store.Locker, name string, ttl time.Duration) string {
	t.Helper()
	fence, ok, err := s.TryLock(testCtx(t), name, ttl)
	if err != nil || !ok {
		t.Fatalf("TryLock(%q) = %v, %v; want true, nil", name, ok, err)
	}
	if fence == "" {
		t.Fatalf("TryLock(%q) returned an empty fence", name)
	}
	return fence
}
