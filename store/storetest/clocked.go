package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// RunClocked runs the cases that need exact time against a backend that
// takes every expiry decision from a clock the app gives it (memory's
// WithNow, sqlite's WithClock). open gets the suite's fake clock, which
// moves only when a case advances it, and must arrange the store's Close
// with t.Cleanup. The cases prove to the nanosecond what the real-time
// suite can only poll for: when a session, a revocation, a lock and a
// lease end.
func RunClocked(t *testing.T, open func(t *testing.T, now func() time.Time) store.Store) {
	t.Helper()
	for _, c := range clockedCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			clock := NewClock()
			s := open(t, clock.Now)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			c.run(t, s, clock)
		})
	}
}

// Clock is a fake clock that moves only when told to, for RunClocked and
// for a backend's own tests of what it does at a given time. It is safe
// for concurrent use. Create it with NewClock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock set to a fixed time in 2025.
func NewClock() *Clock {
	return &Clock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// clockedCase is one case of RunClocked.
type clockedCase struct {
	name string
	run  func(t *testing.T, s store.Store, clock *Clock)
}

var clockedCases = []clockedCase{
	{"a session expires at its expiry, not a nanosecond before", func(t *testing.T, s store.Store, clock *Clock) {
		ctx := testCtx(t)
		mustCommit(t, ctx, s, "tok", []byte("x"), clock.Now().Add(10*time.Minute))
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
			if _, found, err := s.Find(ctx, "tok"); err != nil || found != st.found {
				t.Fatalf("at %v: found %v, err %v; want found %v", clock.Now(), found, err, st.found)
			}
		}
		// Commit over the expired data stores anew.
		mustCommit(t, ctx, s, "tok", []byte("again"), clock.Now().Add(time.Minute))
		if got := mustFind(t, ctx, s, "tok"); string(got) != "again" {
			t.Errorf("Find after a commit over expired data = %q, want again", got)
		}
	}},
	{"a revocation lasts the later of the session's expiry and RevocationTTL", func(t *testing.T, s store.Store, clock *Clock) {
		// The exact tombstone lifetime of Sessions.Delete and
		// UserIndex.RevokeUser: long enough that no request in flight
		// can save an ended session back.
		tests := []struct {
			name     string
			expiry   time.Duration // of the session before it ends; 0: no session
			lasts    time.Duration // how long the token stays revoked
			byRevoke bool          // end it with RevokeUser instead of Delete
		}{
			{"unknown token", 0, store.RevocationTTL, false},
			{"session expiring sooner than RevocationTTL", time.Minute, store.RevocationTTL, false},
			{"session expiring later than RevocationTTL", 3 * time.Hour, 3 * time.Hour, false},
			{"RevokeUser, index entry sooner", time.Minute, store.RevocationTTL, true},
			{"RevokeUser, index entry later", 3 * time.Hour, 3 * time.Hour, true},
		}
		ctx := testCtx(t)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n := newNames(t)
				tok := n.token("a")
				if tt.expiry > 0 {
					mustCommit(t, ctx, s, tok, []byte("x"), clock.Now().Add(tt.expiry))
				}
				start := clock.Now()
				if tt.byRevoke {
					mustAdd(t, ctx, s, n.user("u"), tok, clock.Now().Add(tt.expiry))
					if c, err := s.RevokeUser(ctx, n.user("u")); err != nil || c != 1 {
						t.Fatalf("RevokeUser = %d, %v", c, err)
					}
				} else if err := s.Delete(ctx, tok); err != nil {
					t.Fatal(err)
				}
				clock.Advance(start.Add(tt.lasts - time.Nanosecond).Sub(clock.Now()))
				if err := s.Commit(ctx, tok, []byte("x"), clock.Now().Add(time.Hour)); !errors.Is(err, store.ErrRevoked) {
					t.Fatalf("just before the revocation ends: err = %v, want ErrRevoked", err)
				}
				clock.Advance(time.Nanosecond)
				if err := s.Commit(ctx, tok, []byte("back"), clock.Now().Add(time.Hour)); err != nil {
					t.Fatalf("after the revocation ended: %v", err)
				}
				if got := mustFind(t, ctx, s, tok); string(got) != "back" {
					t.Errorf("Find = %q, want back", got)
				}
			})
		}
	}},
	{"deleting again never shortens a revocation", func(t *testing.T, s store.Store, clock *Clock) {
		ctx := testCtx(t)
		mustCommit(t, ctx, s, "tok", []byte("x"), clock.Now().Add(5*time.Hour))
		for range 2 { // the second: now+1h < 5h
			if err := s.Delete(ctx, "tok"); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(4 * time.Hour)
		if err := s.Commit(ctx, "tok", []byte("x"), clock.Now().Add(time.Hour)); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("err = %v, want ErrRevoked until the 5 h expiry", err)
		}
	}},
	{"index entries expire on the clock and come back when added again", func(t *testing.T, s store.Store, clock *Clock) {
		ctx := testCtx(t)
		soon, later := clock.Now().Add(time.Minute), clock.Now().Add(time.Hour)
		mustAdd(t, ctx, s, "alice", "a1", soon)
		mustAdd(t, ctx, s, "alice", "a2", later)
		mustAdd(t, ctx, s, "alice", "a2", soon) // a sooner expiry keeps the later one
		wantSessions(t, ctx, s, "alice", "a1", "a2")
		clock.Advance(time.Minute - time.Nanosecond)
		wantSessions(t, ctx, s, "alice", "a1", "a2")
		clock.Advance(time.Nanosecond)
		wantSessions(t, ctx, s, "alice", "a2")
		mustAdd(t, ctx, s, "alice", "a1", later)
		wantSessions(t, ctx, s, "alice", "a1", "a2")
	}},
	{"revoke user counts the live entries and revokes the stale ones too", func(t *testing.T, s store.Store, clock *Clock) {
		ctx := testCtx(t)
		live := clock.Now().Add(time.Hour)
		for _, tok := range []string{"a1", "a2", "b1"} {
			mustCommit(t, ctx, s, tok, []byte("v"), live)
		}
		mustAdd(t, ctx, s, "alice", "a1", live)
		mustAdd(t, ctx, s, "alice", "a2", live)
		mustAdd(t, ctx, s, "alice", "a-stale", clock.Now().Add(time.Second))
		mustAdd(t, ctx, s, "bob", "b1", live)
		clock.Advance(time.Second)
		if c, err := s.RevokeUser(ctx, "alice"); err != nil || c != 2 {
			t.Fatalf("RevokeUser = %d, %v; want 2, nil", c, err)
		}
		for _, tok := range []string{"a1", "a2", "a-stale"} {
			mustMiss(t, ctx, s, tok)
			if err := s.Commit(ctx, tok, []byte("back"), live); !errors.Is(err, store.ErrRevoked) {
				t.Errorf("Commit(%s) after RevokeUser: err = %v, want ErrRevoked", tok, err)
			}
		}
		mustFind(t, ctx, s, "b1")
		wantSessions(t, ctx, s, "alice")
	}},
	{"a lock's ttl ends on the clock", func(t *testing.T, s store.Store, clock *Clock) {
		ctx := testCtx(t)
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
	}},
	{"a zero LinkedAt comes from the clock", func(t *testing.T, s store.Store, clock *Clock) {
		l, err := s.Links().Link(testCtx(t), store.Link{KakaoID: 42, UserID: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		if !l.LinkedAt.Equal(clock.Now()) {
			t.Errorf("LinkedAt = %v, want the clock's %v", l.LinkedAt, clock.Now())
		}
	}},
	{"a lease ends on the clock and the retry counts", func(t *testing.T, s store.Store, clock *Clock) {
		ctx := testCtx(t)
		id := mustEnqueue(t, ctx, s, "jobs", "x")
		first := mustClaim(t, ctx, s, "jobs", 1, time.Minute)
		if len(first) != 1 || !first[0].EnqueuedAt.Equal(clock.Now()) {
			t.Fatalf("Claim = %+v, want one message enqueued at %v", first, clock.Now())
		}
		clock.Advance(time.Minute - time.Nanosecond)
		wantNoClaim(t, ctx, s, "jobs")
		clock.Advance(time.Nanosecond)
		again := mustClaim(t, ctx, s, "jobs", 1, time.Minute)
		if len(again) != 1 || again[0].ID != id || again[0].Attempts != 2 {
			t.Fatalf("Claim after the lease = %+v, want message %q on attempt 2", again, id)
		}
		if err := s.Ack(ctx, first[0]); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("Ack with the old lease: err = %v, want ErrLeaseLost", err)
		}
		mustAck(t, ctx, s, again[0])
	}},
	{"a message is kept for OutboxRetention", func(t *testing.T, s store.Store, clock *Clock) {
		ctx := testCtx(t)
		mustEnqueue(t, ctx, s, "jobs", "x")
		clock.Advance(store.OutboxRetention - time.Nanosecond)
		if ms := mustClaim(t, ctx, s, "jobs", 1, time.Minute); len(ms) != 1 {
			t.Errorf("Claim just before OutboxRetention = %d messages, want 1", len(ms))
		}
	}},
}
