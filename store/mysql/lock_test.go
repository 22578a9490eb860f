package mysql

import (
	"testing"
	"time"
)

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
	s.exec(t, `UPDATE {locks} SET expiry = {now} - INTERVAL 1 SECOND WHERE name = 'job'`)

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
