package memory_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClocked returns a Store on a fake clock, with the background cleanup
// off, closed at the end of the test.
func newClocked(t *testing.T) (*memory.Store, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	s := memory.New(memory.WithNow(clock.Now), memory.WithCleanupInterval(0))
	t.Cleanup(func() { _ = s.Close() })
	return s, clock
}

func TestSessionExpiresOnTheInjectedClock(t *testing.T) {
	s, clock := newClocked(t)
	ctx := t.Context()
	if err := s.CommitCtx(ctx, "tok", []byte("x"), clock.Now().Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance time.Duration
		found   bool
	}{
		{0, true},
		{10*time.Minute - time.Nanosecond, true},
		{time.Nanosecond, false}, // expiry is exclusive: at expiry it is gone
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		if _, found, err := s.FindCtx(ctx, "tok"); err != nil || found != st.found {
			t.Fatalf("at %v: found %v, err %v; want found %v", clock.Now(), found, err, st.found)
		}
	}
}

// TestRevocationLastsTheLaterOfExpiryAndRevocationTTL proves the tombstone
// lifetime of store.Store.DeleteCtx (SECURITY.md C60, R18) exactly, which
// the real-time conformance suite cannot.
func TestRevocationLastsTheLaterOfExpiryAndRevocationTTL(t *testing.T) {
	tests := []struct {
		name     string
		expiry   time.Duration // of the session before DeleteCtx; 0: no session
		lasts    time.Duration // how long the token stays revoked
		byRevoke bool          // revoke with RevokeUser instead of DeleteCtx
	}{
		{"unknown token", 0, store.RevocationTTL, false},
		{"session expiring sooner than RevocationTTL", time.Minute, store.RevocationTTL, false},
		{"session expiring later than RevocationTTL", 3 * time.Hour, 3 * time.Hour, false},
		{"RevokeUser, index entry sooner", time.Minute, store.RevocationTTL, true},
		{"RevokeUser, index entry later", 3 * time.Hour, 3 * time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newClocked(t)
			ctx := t.Context()
			if tt.expiry > 0 {
				if err := s.CommitCtx(ctx, "tok", []byte("x"), clock.Now().Add(tt.expiry)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.byRevoke {
				if err := s.AddUserSession(ctx, "u", "tok", clock.Now().Add(tt.expiry)); err != nil {
					t.Fatal(err)
				}
				if n, err := s.RevokeUser(ctx, "u"); err != nil || n != 1 {
					t.Fatalf("RevokeUser = %d, %v", n, err)
				}
			} else if err := s.DeleteCtx(ctx, "tok"); err != nil {
				t.Fatal(err)
			}
			clock.Advance(tt.lasts - time.Nanosecond)
			if err := s.CommitCtx(ctx, "tok", []byte("x"), clock.Now().Add(time.Hour)); !errors.Is(err, store.ErrRevoked) {
				t.Fatalf("just before the revocation ends: err = %v, want ErrRevoked", err)
			}
			clock.Advance(time.Nanosecond)
			if err := s.CommitCtx(ctx, "tok", []byte("back"), clock.Now().Add(time.Hour)); err != nil {
				t.Fatalf("after the revocation ended: %v", err)
			}
			if b, found, _ := s.FindCtx(ctx, "tok"); !found || string(b) != "back" {
				t.Errorf("FindCtx = %q, %v; want back", b, found)
			}
		})
	}
}

func TestDeleteNeverShortensARevocation(t *testing.T) {
	s, clock := newClocked(t)
	ctx := t.Context()
	if err := s.CommitCtx(ctx, "tok", []byte("x"), clock.Now().Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCtx(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCtx(ctx, "tok"); err != nil { // again: now+1h < 5h
		t.Fatal(err)
	}
	clock.Advance(4 * time.Hour)
	if err := s.CommitCtx(ctx, "tok", []byte("x"), clock.Now().Add(time.Hour)); !errors.Is(err, store.ErrRevoked) {
		t.Errorf("err = %v, want ErrRevoked until the 5 h expiry", err)
	}
}

func TestLockTTLOnTheInjectedClock(t *testing.T) {
	s, clock := newClocked(t)
	ctx := t.Context()
	fence, ok, err := s.TryLock(ctx, "refresh", 30*time.Second)
	if err != nil || !ok {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	clock.Advance(30*time.Second - time.Nanosecond)
	if _, ok, _ := s.TryLock(ctx, "refresh", time.Second); ok {
		t.Fatal("lock taken before its ttl ran out")
	}
	clock.Advance(time.Nanosecond)
	second, ok, err := s.TryLock(ctx, "refresh", time.Second)
	if err != nil || !ok || second == fence {
		t.Fatalf("TryLock after ttl = %q, %v, %v; want a new fence", second, ok, err)
	}
}

func TestLinkedAtComesFromTheInjectedClock(t *testing.T) {
	s, clock := newClocked(t)
	l, err := s.Links().Link(t.Context(), store.Link{KakaoID: 42, UserID: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !l.LinkedAt.Equal(clock.Now()) {
		t.Errorf("LinkedAt = %v, want the clock's %v", l.LinkedAt, clock.Now())
	}
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
	must(s.CommitCtx(ctx, "short", []byte("x"), now.Add(time.Minute)))
	must(s.CommitCtx(ctx, "long", []byte("x"), now.Add(3*time.Hour)))
	must(s.DeleteCtx(ctx, "revoked")) // tombstone until now+1h
	must(s.AddUserSession(ctx, "u", "short", now.Add(time.Minute)))
	must(s.AddUserSession(ctx, "u", "long", now.Add(3*time.Hour)))
	if _, _, err := s.TryLock(ctx, "lock", time.Minute); err != nil {
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
	if err := s.CommitCtx(ctx, "revoked", []byte("x"), now.Add(time.Hour)); !errors.Is(err, store.ErrRevoked) {
		t.Errorf("CommitCtx of revoked token after cleanup: err = %v, want ErrRevoked", err)
	}
	clock.Advance(time.Hour)
	if n, err := s.DeleteExpired(ctx); err != nil || n != 1 {
		t.Fatalf("DeleteExpired after the tombstone expired = %d, %v; want 1", n, err)
	}
	if got, _ := s.UserSessions(ctx, "u"); len(got) != 1 || got[0] != "long" {
		t.Errorf("UserSessions = %q, want [long]", got)
	}
}

func TestBackgroundCleanupRuns(t *testing.T) {
	clock := newFakeClock()
	s := memory.New(memory.WithNow(clock.Now), memory.WithCleanupInterval(5*time.Millisecond))
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	if err := s.CommitCtx(ctx, "tok", []byte("x"), clock.Now().Add(time.Minute)); err != nil {
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
		if err := s.CommitCtx(ctx, "tok", []byte("x"), clock.Now().Add(-time.Second)); err != nil {
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
		"FindCtx":           func() error { _, _, err := s.FindCtx(ctx, "t"); return err },
		"CommitCtx":         func() error { return s.CommitCtx(ctx, "t", nil, exp) },
		"CompareAndSwap":    func() error { _, err := s.CompareAndSwap(ctx, "t", nil, nil, exp); return err },
		"DeleteCtx":         func() error { return s.DeleteCtx(ctx, "t") },
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
