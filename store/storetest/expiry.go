package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// timedCase is a test that must wait for something to expire. Its setup
// runs first and returns the check to run once short has passed; all
// setups of the suite run before one common wait, so the suite waits about
// short in total whatever -parallel is. A setup that fails returns nil.
type timedCase[S any] struct {
	name  string
	setup func(t *testing.T, ctx context.Context, s S, n names) (check func(t *testing.T))
}

// runTimed runs the setups of cases, waits until short has passed, then
// runs their checks.
func runTimed[S any](t *testing.T, s S, cases []timedCase[S]) {
	ctx := testCtx(t)
	checks := make([]func(t *testing.T), len(cases))
	t.Run("before", func(t *testing.T) {
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) { checks[i] = c.setup(t, ctx, s, newNames(t)) })
		}
	})
	time.Sleep(short + 300*time.Millisecond)
	t.Run("after", func(t *testing.T) {
		for i, c := range cases {
			if checks[i] == nil {
				continue
			}
			t.Run(c.name, checks[i])
		}
	})
}

// widenTimed turns timed cases of one role into timed cases of a whole
// Store, through as.
func widenTimed[S any](cases []timedCase[S], as func(store.Store) S) []timedCase[store.Store] {
	out := make([]timedCase[store.Store], len(cases))
	for i, c := range cases {
		out[i] = timedCase[store.Store]{c.name, func(t *testing.T, ctx context.Context, s store.Store, n names) func(*testing.T) {
			return c.setup(t, ctx, as(s), n)
		}}
	}
	return out
}

// sessionTimed use real time with expiries of short, because a real server
// keeps its own clock.
var sessionTimed = []timedCase[store.Sessions]{
	{"a session expires at its expiry", func(t *testing.T, ctx context.Context, s store.Sessions, n names) func(*testing.T) {
		mustCommit(t, ctx, s, n.token("a"), []byte("x"), time.Now().Add(short))
		mustFind(t, ctx, s, n.token("a"))
		return func(t *testing.T) {
			eventually(t, "session expiry", gone(ctx, s, n.token("a")))
			mustMiss(t, ctx, s, n.token("a"))
		}
	}},
	{"commit moves the expiry later", func(t *testing.T, ctx context.Context, s store.Sessions, n names) func(*testing.T) {
		mustCommit(t, ctx, s, n.token("a"), []byte("x"), time.Now().Add(short))
		mustCommit(t, ctx, s, n.token("a"), []byte("y"), inHour())
		return func(t *testing.T) {
			if got := mustFind(t, ctx, s, n.token("a")); string(got) != "y" {
				t.Errorf("Find = %q, want y", got)
			}
		}
	}},
	{"commit moves the expiry sooner", func(t *testing.T, ctx context.Context, s store.Sessions, n names) func(*testing.T) {
		mustCommit(t, ctx, s, n.token("a"), []byte("x"), inHour())
		mustCommit(t, ctx, s, n.token("a"), []byte("y"), time.Now().Add(short))
		return func(t *testing.T) {
			eventually(t, "expiry of the recommitted session", gone(ctx, s, n.token("a")))
		}
	}},
	{"compare-and-swap sets the expiry", func(t *testing.T, ctx context.Context, s store.Sessions, n names) func(*testing.T) {
		ok, err := s.CompareAndSwap(ctx, n.token("a"), nil, []byte("x"), time.Now().Add(short))
		if err != nil || !ok {
			t.Fatalf("CompareAndSwap = %v, %v; want true, nil", ok, err)
		}
		mustFind(t, ctx, s, n.token("a"))
		return func(t *testing.T) {
			eventually(t, "expiry of the swapped session", gone(ctx, s, n.token("a")))
		}
	}},
	{"an expired session can be created again", func(t *testing.T, ctx context.Context, s store.Sessions, n names) func(*testing.T) {
		mustCommit(t, ctx, s, n.token("a"), []byte("x"), time.Now().Add(short))
		return func(t *testing.T) {
			eventually(t, "session expiry", gone(ctx, s, n.token("a")))
			ok, err := s.CompareAndSwap(ctx, n.token("a"), nil, []byte("new"), inHour())
			if err != nil || !ok {
				t.Fatalf("CompareAndSwap(nil) over expired data = %v, %v; want true, nil", ok, err)
			}
			if got := mustFind(t, ctx, s, n.token("a")); string(got) != "new" {
				t.Errorf("Find = %q, want new", got)
			}
		}
	}},
	{"revocation outlives a session that expires sooner", func(t *testing.T, ctx context.Context, s store.Sessions, n names) func(*testing.T) {
		// Delete revokes until at least now+store.RevocationTTL even when
		// the session itself would have expired in a moment, so a slow
		// request cannot save it back. userTimed checks the same of
		// RevokeUser's tombstones.
		mustCommit(t, ctx, s, n.token("a"), []byte("x"), time.Now().Add(short))
		if err := s.Delete(ctx, n.token("a")); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		return func(t *testing.T) { wantRevoked(t, ctx, s, n.token("a")) }
	}},
}

// userTimed are the timed cases of the UserIndex role.
var userTimed = []timedCase[store.SessionStore]{
	{"revocation by user outlives a session that expires sooner", func(t *testing.T, ctx context.Context, s store.SessionStore, n names) func(*testing.T) {
		mustCommit(t, ctx, s, n.token("b"), []byte("x"), time.Now().Add(short))
		mustAdd(t, ctx, s, n.user("u"), n.token("b"), time.Now().Add(short))
		if c, err := s.RevokeUser(ctx, n.user("u")); err != nil || c != 1 {
			t.Fatalf("RevokeUser = %d, %v; want 1, nil", c, err)
		}
		return func(t *testing.T) { wantRevoked(t, ctx, s, n.token("b")) }
	}},
	{"expired index entries are dropped", func(t *testing.T, ctx context.Context, s store.SessionStore, n names) func(*testing.T) {
		u := n.user("u")
		mustAdd(t, ctx, s, u, n.token("live"), inHour())
		mustAdd(t, ctx, s, u, n.token("dead"), past())
		mustAdd(t, ctx, s, u, n.token("short"), time.Now().Add(short))
		wantSessions(t, ctx, s, u, n.token("live"), n.token("short"))
		return func(t *testing.T) {
			eventually(t, "expiry of an index entry", func() (bool, error) {
				got, err := s.UserSessions(ctx, u)
				return len(got) == 1, err
			})
			wantSessions(t, ctx, s, u, n.token("live"))
			if c, err := s.RevokeUser(ctx, u); err != nil || c != 1 {
				t.Errorf("RevokeUser = %d, %v; want 1 (only the live entry), nil", c, err)
			}
		}
	}},
	{"an expired index entry added again is live again", func(t *testing.T, ctx context.Context, s store.SessionStore, n names) func(*testing.T) {
		u := n.user("u")
		mustAdd(t, ctx, s, u, n.token("a"), time.Now().Add(short))
		return func(t *testing.T) {
			eventually(t, "expiry of an index entry", func() (bool, error) {
				got, err := s.UserSessions(ctx, u)
				return len(got) == 0, err
			})
			mustAdd(t, ctx, s, u, n.token("a"), inHour())
			wantSessions(t, ctx, s, u, n.token("a"))
		}
	}},
}

// lockTimed are the timed cases of the Locker role.
var lockTimed = []timedCase[store.Locker]{
	{"a lock whose ttl ran out can be taken and the late unlock is a no-op", func(t *testing.T, ctx context.Context, s store.Locker, n names) func(*testing.T) {
		old := mustLock(t, s, n.lock("a"), short)
		return func(t *testing.T) {
			var fence string
			eventually(t, "lock ttl expiry", func() (bool, error) {
				f, ok, err := s.TryLock(ctx, n.lock("a"), time.Minute)
				fence = f
				return ok, err
			})
			if fence == old {
				t.Fatalf("new holder got the old fence %q", old)
			}
			if err := s.Unlock(ctx, n.lock("a"), old); err != nil {
				t.Fatalf("late Unlock: %v", err)
			}
			if _, ok, err := s.TryLock(ctx, n.lock("a"), time.Minute); err != nil || ok {
				t.Errorf("TryLock after the old holder's late Unlock = %v, %v; want false (still held), nil", ok, err)
			}
			if err := s.Unlock(ctx, n.lock("a"), fence); err != nil {
				t.Fatalf("Unlock: %v", err)
			}
			mustLock(t, s, n.lock("a"), time.Minute)
		}
	}},
}

// wantRevoked fails the test unless token is revoked: every write of it
// fails with ErrRevoked and it is not found.
func wantRevoked(t *testing.T, ctx context.Context, s store.Sessions, token string) {
	t.Helper()
	if err := s.Commit(ctx, token, []byte("x"), inHour()); !errors.Is(err, store.ErrRevoked) {
		t.Errorf("Commit after the session's own expiry: err = %v, want ErrRevoked", err)
	}
	if ok, err := s.CompareAndSwap(ctx, token, nil, []byte("x"), inHour()); ok || !errors.Is(err, store.ErrRevoked) {
		t.Errorf("CompareAndSwap after the session's own expiry = %v, %v; want false, ErrRevoked", ok, err)
	}
	mustMiss(t, ctx, s, token)
}
