package postgres

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// twoInstances opens two Stores, each with its own pool, on one schema:
// two app instances behind a load balancer.
func twoInstances(t *testing.T) (a, b *Store) {
	t.Helper()
	schema := freshSchema(t)
	return openIn(t, schema), openIn(t, schema)
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
	if err := b.AddUserSession(ctx, "alice", "s1", inHour()); err != nil {
		t.Fatal(err)
	}
	if err := b.AddUserSession(ctx, "alice", "s2", inHour()); err != nil {
		t.Fatal(err)
	}
	if n, err := a.RevokeUser(ctx, "alice"); err != nil || n != 2 {
		t.Fatalf("RevokeUser through a = %d, %v; want 2, nil", n, err)
	}
	if err := a.DeleteCtx(ctx, "s3"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"s1", "s2", "s3"} {
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

// R16: of many goroutines on two instances, one holds the lock at a time.
func TestTryLockContentionAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t)
	ctx := t.Context()
	var holders atomic.Int32
	var fences sync.Map
	var wg sync.WaitGroup
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			fence, ok, err := s.TryLock(ctx, "refresh:alice", time.Minute)
			if err != nil {
				t.Errorf("TryLock: %v", err)
			}
			if ok {
				holders.Add(1)
				fences.Store(fence, s)
			}
		})
	}
	wg.Wait()
	if holders.Load() != 1 {
		t.Fatalf("%d goroutines hold the lock, want exactly 1", holders.Load())
	}
	// Released through the other instance with the winner's fence, the lock
	// is free again for everyone.
	fences.Range(func(fence, s any) bool {
		other := a
		if s.(*Store) == a {
			other = b
		}
		if err := other.Unlock(ctx, "refresh:alice", fence.(string)); err != nil {
			t.Fatal(err)
		}
		return false
	})
	if _, ok, err := a.TryLock(ctx, "refresh:alice", time.Minute); err != nil || !ok {
		t.Errorf("TryLock after Unlock = %v, %v; want true, nil", ok, err)
	}
}

// C95 across instances: compare-and-swap is atomic between two pools.
func TestCompareAndSwapAcrossInstancesHasOneWinner(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t)
	ctx := t.Context()
	if err := a.CommitCtx(ctx, "tok", []byte("v0"), inHour()); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			ok, err := s.CompareAndSwap(ctx, "tok", []byte("v0"), []byte{byte(i)}, inHour())
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
		t.Errorf("%d writers swapped, want exactly 1", wins.Load())
	}
}

// 100 goroutines over two instances doing every kind of session write on
// shared tokens: no errors other than ErrRevoked, and once revoked a token
// stays revoked.
func TestConcurrentMixedWritesKeepRevocations(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t)
	ctx := t.Context()
	tokens := []string{"t0", "t1", "t2", "t3"}
	var wg sync.WaitGroup
	for i := range 100 {
		s := a
		if i%2 == 1 {
			s = b
		}
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
