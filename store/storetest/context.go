package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// call is one method of role S called with some context, for the tests
// that run every method the same way.
type call[S any] struct {
	name string
	do   func(ctx context.Context, s S, n names) error
}

// sessionCalls lists every method of store.Sessions.
var sessionCalls = []call[store.Sessions]{
	{"Find", func(ctx context.Context, s store.Sessions, n names) error {
		_, _, err := s.Find(ctx, n.token("a"))
		return err
	}},
	{"Commit", func(ctx context.Context, s store.Sessions, n names) error {
		return s.Commit(ctx, n.token("a"), []byte("x"), inHour())
	}},
	{"CompareAndSwap", func(ctx context.Context, s store.Sessions, n names) error {
		_, err := s.CompareAndSwap(ctx, n.token("a"), nil, []byte("x"), inHour())
		return err
	}},
	{"Delete", func(ctx context.Context, s store.Sessions, n names) error {
		return s.Delete(ctx, n.token("a"))
	}},
}

// userCalls lists every method of store.UserIndex.
var userCalls = []call[store.SessionStore]{
	{"AddUserSession", func(ctx context.Context, s store.SessionStore, n names) error {
		return s.AddUserSession(ctx, n.user("u"), n.token("a"), inHour())
	}},
	{"RemoveUserSession", func(ctx context.Context, s store.SessionStore, n names) error {
		return s.RemoveUserSession(ctx, n.user("u"), n.token("a"))
	}},
	{"UserSessions", func(ctx context.Context, s store.SessionStore, n names) error {
		_, err := s.UserSessions(ctx, n.user("u"))
		return err
	}},
	{"RevokeUser", func(ctx context.Context, s store.SessionStore, n names) error {
		_, err := s.RevokeUser(ctx, n.user("u"))
		return err
	}},
}

// lockCalls lists every method of store.Locker.
var lockCalls = []call[store.Locker]{
	{"TryLock", func(ctx context.Context, s store.Locker, n names) error {
		_, _, err := s.TryLock(ctx, n.lock("a"), time.Minute)
		return err
	}},
	{"Unlock", func(ctx context.Context, s store.Locker, n names) error {
		return s.Unlock(ctx, n.lock("a"), "fence")
	}},
}

// linkCalls lists every method of store.Links.
var linkCalls = []call[store.Links]{
	{"Links.Link", func(ctx context.Context, l store.Links, n names) error {
		_, err := l.Link(ctx, store.Link{KakaoID: kakaoID(), UserID: n.user("u")})
		return err
	}},
	{"Links.ByKakaoID", func(ctx context.Context, l store.Links, n names) error {
		_, err := l.ByKakaoID(ctx, kakaoID())
		return err
	}},
	{"Links.ByUserID", func(ctx context.Context, l store.Links, n names) error {
		_, err := l.ByUserID(ctx, n.user("u"))
		return err
	}},
	{"Links.Unlink", func(ctx context.Context, l store.Links, n names) error {
		_, err := l.Unlink(ctx, kakaoID())
		return err
	}},
}

// outboxCalls lists every method of store.Outbox.
var outboxCalls = []call[store.Outbox]{
	{"Enqueue", func(ctx context.Context, o store.Outbox, n names) error {
		_, err := o.Enqueue(ctx, n.topic("a"), []byte("x"))
		return err
	}},
	{"Claim", func(ctx context.Context, o store.Outbox, n names) error {
		_, err := o.Claim(ctx, n.topic("a"), 1, time.Minute)
		return err
	}},
	{"Ack", func(ctx context.Context, o store.Outbox, n names) error {
		return o.Ack(ctx, store.Message{ID: "1", Topic: n.topic("a"), Lease: "lease"})
	}},
}

// allCalls lists every context-taking method of store.Store and its Links.
func allCalls() []call[store.Store] {
	return join(
		widenCalls(sessionCalls, asSessions),
		widenCalls(userCalls, asSessionStore),
		widenCalls(lockCalls, asLocker),
		[]call[store.Store]{{"Ping", func(ctx context.Context, s store.Store, n names) error { return s.Ping(ctx) }}},
		widenCalls(linkCalls, asLinks),
		widenCalls(outboxCalls, asOutbox),
	)
}

// widenCalls turns calls of one role into calls of a whole Store.
func widenCalls[S any](calls []call[S], as func(store.Store) S) []call[store.Store] {
	out := make([]call[store.Store], len(calls))
	for i, c := range calls {
		out[i] = call[store.Store]{c.name, func(ctx context.Context, s store.Store, n names) error { return c.do(ctx, as(s), n) }}
	}
	return out
}

// contextCases prove that every method of calls honours its context,
// which is how the request deadline bounds a slow or hung store.
func contextCases[S any](calls []call[S]) []testCase[S] {
	return []testCase[S]{
		{"a canceled context fails every method with context.Canceled", func(t *testing.T, s S) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			for _, c := range calls {
				t.Run(c.name, func(t *testing.T) {
					if err := c.do(ctx, s, newNames(t)); !errors.Is(err, context.Canceled) {
						t.Errorf("err = %v, want one matching context.Canceled", err)
					}
				})
			}
		}},
		{"an expired deadline fails every method with context.DeadlineExceeded", func(t *testing.T, s S) {
			ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			defer cancel()
			for _, c := range calls {
				t.Run(c.name, func(t *testing.T) {
					if err := c.do(ctx, s, newNames(t)); !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("err = %v, want one matching context.DeadlineExceeded", err)
					}
				})
			}
		}},
	}
}

// canceledWriteCases prove that a write with an ended context leaves no
// trace in any role.
var canceledWriteCases = []testCase[store.Store]{
	{"a canceled write changes nothing", func(t *testing.T, s store.Store) {
		ctx, n := testCtx(t), newNames(t)
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		id := kakaoID()
		_ = s.Commit(canceled, n.token("a"), []byte("x"), inHour())
		_ = s.Delete(canceled, n.token("b"))
		_ = s.AddUserSession(canceled, n.user("u"), n.token("a"), inHour())
		_, _, _ = s.TryLock(canceled, n.lock("a"), time.Minute)
		_, _ = s.Links().Link(canceled, store.Link{KakaoID: id, UserID: n.user("u")})
		_, _ = s.Enqueue(canceled, n.topic("a"), []byte("x"))

		mustMiss(t, ctx, s, n.token("a"))
		mustCommit(t, ctx, s, n.token("b"), []byte("x"), inHour()) // not revoked
		wantSessions(t, ctx, s, n.user("u"))
		mustLock(t, s, n.lock("a"), time.Minute)
		if _, err := s.Links().ByKakaoID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByKakaoID after a canceled Link: err = %v, want ErrNotFound", err)
		}
		wantNoClaim(t, ctx, s, n.topic("a"))
	}},
}
