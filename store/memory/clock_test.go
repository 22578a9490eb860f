package memory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// newClocked returns a Store on a fake clock, with the background cleanup
// off, closed at the end of the test.
func newClocked(t *testing.T) (*memory.Store, *storetest.Clock) {
	t.Helper()
	clock := storetest.NewClock()
	s := memory.New(memory.WithNow(clock.Now), memory.WithCleanupInterval(0))
	t.Cleanup(func() { _ = s.Close() })
	return s, clock
}

func TestDeleteExpiredRemovesOnlyExpiredEntries(t *testing.T) {
	s, clock := newClocked(t)
	ctx := t.Context()
	now := clock.Now()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Commit(ctx, "short", []byte("x"), now.Add(time.Minute)))
	must(s.Commit(ctx, "long", []byte("x"), now.Add(3*time.Hour)))
	must(s.Delete(ctx, "revoked")) // tombstone until now+1h
	must(s.AddUserSession(ctx, "u", "short", now.Add(time.Minute)))
	must(s.AddUserSession(ctx, "u", "long", now.Add(3*time.Hour)))
	if _, _, err := s.TryLock(ctx, "lock", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, "q", []byte("old")); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpired(ctx); err != nil || n != 0 {
		t.Fatalf("DeleteExpired before anything expired = %d, %v; want 0", n, err)
	}
	clock.Advance(2 * time.Minute)
	if n, err := s.DeleteExpired(ctx); err != nil || n != 3 {
		t.Fatalf("DeleteExpired = %d, %v; want 3 (session, index entry, lock)", n, err)
	}
	// The tombstone is still there: deleting it early would let a late
	// commit bring the session back.
	if err := s.Commit(ctx, "revoked", []byte("x"), now.Add(time.Hour)); !errors.Is(err, store.ErrRevoked) {
		t.Errorf("Commit of revoked token after cleanup: err = %v, want ErrRevoked", err)
	}
	clock.Advance(time.Hour)
	if n, err := s.DeleteExpired(ctx); err != nil || n != 1 {
		t.Fatalf("DeleteExpired after the tombstone expired = %d, %v; want 1", n, err)
	}
	if got, _ := s.UserSessions(ctx, "u"); len(got) != 1 || got[0] != "long" {
		t.Errorf("UserSessions = %q, want [long]", got)
	} // The queued message goes once it is older than store.OutboxRetention,
	// claimed or not.
	if _, err := s.Claim(ctx, "q", 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	clock.Advance(store.OutboxRetention - time.Hour - 2*time.Minute - time.Nanosecond)
	if n, err := s.DeleteExpired(ctx); err != nil || n != 2 { // the long session and its index entry
		t.Fatalf("DeleteExpired just before the retention = %d, %v; want 2", n, err)
	}
	clock.Advance(time.Nanosecond)
	if n, err := s.DeleteExpired(ctx); err != nil || n != 1 {
		t.Fatalf("DeleteExpired at the retention = %d, %v; want 1 (the message)", n, err)
	}
}

func TestBackgroundCleanupRuns(t *testing.T) {
	clock := storetest.NewClock()
	s := memory.New(memory.WithNow(clock.Now), memory.WithCleanupInterval(5*time.Millisecond))
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	if err := s.Commit(ctx, "tok", []byte("x"), clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for {
		// Once the goroutine has run, nothing is left for DeleteExpired.
		time.Sleep(20 * time.Millisecond)
		if n, err := s.DeleteExpired(ctx); err != nil {
			t.Fatal(err)
		} else if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the background cleanup did not delete the expired session")
		}
		// DeleteExpired did the goroutine's work; put the entry back.
		if err := s.Commit(ctx, "tok", []byte("x"), clock.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEveryMethodFailsAfterClose(t *testing.T) {
	s := memory.New()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	calls := map[string]func() error{
		"Find":              func() error { _, _, err := s.Find(ctx, "t"); return err },
		"Commit":            func() error { return s.Commit(ctx, "t", nil, exp) },
		"CompareAndSwap":    func() error { _, err := s.CompareAndSwap(ctx, "t", nil, nil, exp); return err },
		"Delete":            func() error { return s.Delete(ctx, "t") },
		"AddUserSession":    func() error { return s.AddUserSession(ctx, "u", "t", exp) },
		"RemoveUserSession": func() error { return s.RemoveUserSession(ctx, "u", "t") },
		"UserSessions":      func() error { _, err := s.UserSessions(ctx, "u"); return err },
		"RevokeUser":        func() error { _, err := s.RevokeUser(ctx, "u"); return err },
		"TryLock":           func() error { _, _, err := s.TryLock(ctx, "l", time.Second); return err },
		"Unlock":            func() error { return s.Unlock(ctx, "l", "f") },
		"Ping":              func() error { return s.Ping(ctx) },
		"DeleteExpired":     func() error { _, err := s.DeleteExpired(ctx); return err },
		"Link":              func() error { _, err := s.Links().Link(ctx, store.Link{KakaoID: 1, UserID: "u"}); return err },
		"ByKakaoID":         func() error { _, err := s.Links().ByKakaoID(ctx, 1); return err },
		"ByUserID":          func() error { _, err := s.Links().ByUserID(ctx, "u"); return err },
		"Unlink":            func() error { _, err := s.Links().Unlink(ctx, 1); return err },
		"Enqueue":           func() error { _, err := s.Enqueue(ctx, "q", nil); return err },
		"Claim":             func() error { _, err := s.Claim(ctx, "q", 1, time.Second); return err },
		"Ack":               func() error { return s.Ack(ctx, store.Message{ID: "1", Topic: "q", Lease: "l"}) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if !errors.Is(err, memory.ErrClosed) || !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("err = %v, want ErrClosed matching store.ErrUnavailable", err)
			}
		})
	}
}

func TestCloseWithoutCleanupGoroutine(t *testing.T) {
	s := memory.New(memory.WithCleanupInterval(0))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
