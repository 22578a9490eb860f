package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// call is one store method called with some context, for the tests that
// run every method the same way.
type call struct {
	name string
	do   func(ctx context.Context, s store.Store, n names) error
}

// calls lists every context-taking method of store.Store and LinkStore.
var calls = []call{
	{"FindCtx", func(ctx context.Context, s store.Store, n names) error {
		_, _, err := s.FindCtx(ctx, n.token("a"))
		return err
	}},
	{"CommitCtx", func(ctx context.Context, s store.Store, n names) error {
		return s.CommitCtx(ctx, n.token("a"), []byte("x"), inHour())
	}},
	{"CompareAndSwap", func(ctx context.Context, s store.Store, n names) error {
		_, err := s.CompareAndSwap(ctx, n.token("a"), nil, []byte("x"), inHour())
		return err
	}},
	{"DeleteCtx", func(ctx context.Context, s store.Store, n names) error {
		return s.DeleteCtx(ctx, n.token("a"))
	}},
	{"AddUserSession", func(ctx context.Context, s store.Store, n names) error {
		return s.AddUserSession(ctx, n.user("u"), n.token("a"), inHour())
	}},
	{"RemoveUserSession", func(ctx context.Context, s store.Store, n names) error {
		return s.RemoveUserSession(ctx, n.user("u"), n.token("a"))
	}},
	{"UserSessions", func(ctx context.Context, s store.Store, n names) error {
		_, err := s.UserSessions(ctx, n.user("u"))
		return err
	}},
	{"RevokeUser", func(ctx context.Context, s store.Store, n names) error {
		_, err := s.RevokeUser(ctx, n.user("u"))
		return err
	}},
	{"TryLock", func(ctx context.Context, s store.Store, n names) error {
		_, _, err := s.TryLock(ctx, n.lock("a"), time.Minute)
		return err
	}},
	{"Unlock", func(ctx context.Context, s store.Store, n names) error {
		return s.Unlock(ctx, n.lock("a"), "fence")
	}},
	{"Ping", func(ctx context.Context, s store.Store, n names) error {
		return s.Ping(ctx)
	}},
	{"Links.Link", func(ctx context.Context, s store.Store, n names) error {
		_, err := s.Links().Link(ctx, store.Link{KakaoID: kakaoID(), UserID: n.user("u")})
		return err
	}},
	{"Links.ByKakaoID", func(ctx context.Context, s store.Store, n names) error {
		_, err := s.Links().ByKakaoID(ctx, kakaoID())
		return err
	}},
	{"Links.ByUserID", func(ctx context.Context, s store.Store, n names) error {
		_, err := s.Links().ByUserID(ctx, n.user("u"))
		return err
	}},
	{"Links.Unlink", func(ctx context.Context, s store.Store, n names) error {
		_, err := s.Links().Unlink(ctx, kakaoID())
		return err
	}},
}

// contextCases prove that every method honours its context, which is how
// the request deadline bounds a slow or hung store.
var contextCases = []testCase{
	{"a canceled context fails every method with context.Canceled", func(t *testing.T, s store.Store) {
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
	{"an expired deadline fails every method with context.DeadlineExceeded", func(t *testing.T, s store.Store) {
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
	{"a canceled write changes nothing", func(t *testing.T, s store.Store) {
		ctx, n := testCtx(t), newNames(t)
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		id := kakaoID()
		_ = s.CommitCtx(canceled, n.token("a"), []byte("x"), inHour())
		_ = s.DeleteCtx(canceled, n.token("b"))
		_ = s.AddUserSession(canceled, n.user("u"), n.token("a"), inHour())
		_, _, _ = s.TryLock(canceled, n.lock("a"), time.Minute)
		_, _ = s.Links().Link(canceled, store.Link{KakaoID: id, UserID: n.user("u")})

		mustMiss(t, ctx, s, n.token("a"))
		mustCommit(t, ctx, s, n.token("b"), []byte("x"), inHour()) // not revoked
		wantSessions(t, ctx, s, n.user("u"))
		mustLock(t, s, n.lock("a"), time.Minute)
		if _, err := s.Links().ByKakaoID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByKakaoID after a canceled Link: err = %v, want ErrNotFound", err)
		}
	}},
}
