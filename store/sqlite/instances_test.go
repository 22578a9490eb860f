package sqlite

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// twoInstances opens two Stores, each with its own connections, on one
// file: two app instances on one machine.
func twoInstances(t *testing.T) (a, b *Store) {
	t.Helper()
	path := tempPath(t)
	return openAt(t, path), openAt(t, path)
}

// C61, R18 across instances: a revocation made through one instance stops a
// save through the other.
func TestRevocationOnOneInstanceBlocksWritesOnTheOther(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t)
	ctx := t.Context()
	for _, tok := range []string{"s1", "s2", "s3"} {
		if err := b.CommitCtx(ctx, tok, []byte("data"), inHour()); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range []string{"s1", "s2"} {
		if err := b.AddUserSession(ctx, "alice", tok, inHour()); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := a.RevokeUser(ctx, "alice"); err != nil || n != 2 {
		t.Fatalf("RevokeUser through a = %d, %v; want 2, nil", n, err)
	}
	if err := a.DeleteCtx(ctx, "s3"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"s1", "s2", "s3"} {
		if _, found, err := b.FindCtx(ctx, tok); found || err != nil {
			t.Errorf("FindCtx(%s) through b = %v, %v; want not found", tok, found, err)
		}
		if err := b.CommitCtx(ctx, tok, []byte("back"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("CommitCtx(%s) through b: err = %v, want ErrRevoked", tok, err)
		}
		if _, err := b.CompareAndSwap(ctx, tok, []byte("data"), []byte("back"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("CompareAndSwap(%s) through b: err = %v, want ErrRevoked", tok, err)
		}
	}
	if toks, err := b.UserSessions(ctx, "alice"); err != nil || len(toks) != 0 {
		t.Errorf("UserSessions through b = %q, %v; want none", toks, err)
	}
}

// C95 across instances: compare-and-swap is atomic between two Stores.
func TestCompareAndSwapAcrossInstancesHasOneWinner(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t)
	ctx := t.Context()
	for round := range 5 {
		tok := fmt.Sprintf("tok%d", round)
		if err := a.CommitCtx(ctx, tok, []byte("v0"), inHour()); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 40 {
			s := []*Store{a, b}[i%2]
			wg.Go(func() {
				ok, err := s.CompareAndSwap(ctx, tok, []byte("v0"), []byte{byte(i)}, inHour())
				if err != nil {
					t.Errorf("CompareAndSwap: %v", err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("round %d: %d writers swapped, want exactly 1", round, wins.Load())
		}
	}
}

// R16: of many goroutines on two instances, one holds the lock at a time.
func TestTryLockContentionAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t)
	ctx := t.Context()
	var holders atomic.Int32
	var fence atomic.Value
	var wg sync.WaitGroup
	for i := range 40 {
		s := []*Store{a, b}[i%2]
		wg.Go(func() {
			f, ok, err := s.TryLock(ctx, "refresh:alice", time.Minute)
			if err != nil {
				t.Errorf("TryLock: %v", err)
			}
			if ok {
				holders.Add(1)
				fence.Store(f)
			}
		})
	}
	wg.Wait()
	if holders.Load() != 1 {
		t.Fatalf("%d goroutines hold the lock, want exactly 1", holders.Load())
	}
	if err := b.Unlock(ctx, "refresh:alice", fence.Load().(string)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.TryLock(ctx, "refresh:alice", time.Minute); err != nil || !ok {
		t.Errorf("TryLock after Unlock through the other instance = %v, %v; want true, nil", ok, err)
	}
}

// Links are unique across instances: of concurrent links of one Kakao ID
// to different users, and of different Kakao IDs to one user, one wins.
func TestLinkConflictsAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t)
	ctx := t.Context()
	for _, tt := range []struct {
		name string
		link func(i int) store.Link
	}{
		{"one kakao ID, many users", func(i int) store.Link { return store.Link{KakaoID: 42, UserID: fmt.Sprint("user", i)} }},
		{"many kakao IDs, one user", func(i int) store.Link { return store.Link{KakaoID: int64(100 + i), UserID: "shared"} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var wins atomic.Int32
			var wg sync.WaitGroup
			for i := range 30 {
				s := []*Store{a, b}[i%2]
				wg.Go(func() {
					_, err := s.Links().Link(ctx, tt.link(i))
					switch {
					case err == nil:
						wins.Add(1)
					case !errors.Is(err, store.ErrLinkConflict):
						t.Errorf("Link: %v", err)
					}
				})
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Errorf("%d links made, want exactly 1", wins.Load())
			}
		})
	}
	l, err := b.Links().ByKakaoID(ctx, 42)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Links().Unlink(ctx, 42); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Links().ByUserID(ctx, l.UserID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ByUserID through b after Unlink through a: err = %v, want ErrNotFound", err)
	}
}

// 100 goroutines over two instances doing every kind of session write on
// shared tokens: no errors other than ErrRevoked (no "database is locked"
// leaks out), and once revoked a token stays revoked.
func TestConcurrentMixedWritesAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t)
	ctx := t.Context()
	tokens := []string{"t0", "t1", "t2", "t3"}
	var wg sync.WaitGroup
	for i := range 100 {
		s := []*Store{a, b}[i%2]
		tok := tokens[i%len(tokens)]
		wg.Go(func() {
			var err error
			switch i % 5 {
			case 0:
				err = s.DeleteCtx(ctx, tok)
			case 1:
				_, err = s.CompareAndSwap(ctx, tok, nil, []byte("x"), inHour())
			case 2:
				_, _, err = s.FindCtx(ctx, tok)
			case 3:
				err = s.AddUserSession(ctx, "u", tok, inHour())
			default:
				err = s.CommitCtx(ctx, tok, []byte("y"), inHour())
			}
			if err != nil && !errors.Is(err, store.ErrRevoked) {
				t.Errorf("op %d on %s: %v", i%5, tok, err)
			}
		})
	}
	wg.Wait()
	for _, tok := range tokens {
		if err := a.CommitCtx(ctx, tok, []byte("z"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("CommitCtx(%s) after the storm: err = %v, want ErrRevoked", tok, err)
		}
	}
}
