package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// twinCase is a subtest on two stores over the same data: two app
// instances sharing one database.
type twinCase struct {
	name string
	run  func(t *testing.T, a, b store.Store)
}

// either returns a for even i and b for odd i.
func either(i int, a, b store.Store) store.Store {
	if i%2 == 1 {
		return b
	}
	return a
}

// twinCases prove that each role holds across instances.
var twinCases = []twinCase{
	{"a revocation through one instance stops writes through the other", func(t *testing.T, a, b store.Store) {
		ctx, n := testCtx(t), newNames(t)
		toks := []string{n.token("1"), n.token("2"), n.token("3")}
		for _, tok := range toks {
			mustCommit(t, ctx, b, tok, []byte("data"), inHour())
		}
		for _, tok := range toks[:2] {
			mustAdd(t, ctx, b, n.user("alice"), tok, inHour())
		}
		if c, err := a.RevokeUser(ctx, n.user("alice")); err != nil || c != 2 {
			t.Fatalf("RevokeUser through a = %d, %v; want 2, nil", c, err)
		}
		if err := a.Delete(ctx, toks[2]); err != nil {
			t.Fatal(err)
		}
		for _, tok := range toks {
			mustMiss(t, ctx, b, tok)
			if err := b.Commit(ctx, tok, []byte("back"), inHour()); !errors.Is(err, store.ErrRevoked) {
				t.Errorf("Commit(%s) through b: err = %v, want ErrRevoked", tok, err)
			}
			if _, err := b.CompareAndSwap(ctx, tok, []byte("data"), []byte("back"), inHour()); !errors.Is(err, store.ErrRevoked) {
				t.Errorf("CompareAndSwap(%s) through b: err = %v, want ErrRevoked", tok, err)
			}
		}
		wantSessions(t, ctx, b, n.user("alice"))
	}},
	{"compare-and-swap across instances has one winner", func(t *testing.T, a, b store.Store) {
		ctx, n := testCtx(t), newNames(t)
		for round := range 5 {
			tok := n.token(fmt.Sprint(round))
			mustCommit(t, ctx, a, tok, []byte("v0"), inHour())
			var wins atomic.Int32
			parallel(40, func(i int) {
				ok, err := either(i, a, b).CompareAndSwap(ctx, tok, []byte("v0"), []byte{byte(i)}, inHour())
				if err != nil {
					t.Errorf("CompareAndSwap: %v", err)
				}
				if ok {
					wins.Add(1)
				}
			})
			if wins.Load() != 1 {
				t.Errorf("round %d: %d writers swapped, want exactly 1", round, wins.Load())
			}
		}
	}},
	{"one lock across instances, released through either", func(t *testing.T, a, b store.Store) {
		ctx, n := testCtx(t), newNames(t)
		var holders atomic.Int32
		var mu sync.Mutex
		var fence string
		var holder store.Store
		parallel(40, func(i int) {
			s := either(i, a, b)
			f, ok, err := s.TryLock(ctx, n.lock("refresh"), time.Minute)
			if err != nil {
				t.Errorf("TryLock: %v", err)
			}
			if ok {
				holders.Add(1)
				mu.Lock()
				fence, holder = f, s
				mu.Unlock()
			}
		})
		if holders.Load() != 1 {
			t.Fatalf("%d goroutines hold the lock, want exactly 1", holders.Load())
		}
		// Released through the other instance with the winner's fence,
		// the lock is free again for everyone.
		other := a
		if holder == a {
			other = b
		}
		if err := other.Unlock(ctx, n.lock("refresh"), fence); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := holder.TryLock(ctx, n.lock("refresh"), time.Minute); err != nil || !ok {
			t.Errorf("TryLock after Unlock through the other instance = %v, %v; want true, nil", ok, err)
		}
	}},
	{"links are unique across instances", func(t *testing.T, a, b store.Store) {
		ctx, n := testCtx(t), newNames(t)
		id := kakaoID()
		ids := make([]int64, 30)
		for i := range ids {
			ids[i] = kakaoID()
		}
		for _, tt := range []struct {
			name string
			link func(i int) store.Link
		}{
			{"one kakao ID, many users", func(i int) store.Link { return store.Link{KakaoID: id, UserID: n.user(fmt.Sprint(i))} }},
			{"many kakao IDs, one user", func(i int) store.Link { return store.Link{KakaoID: ids[i], UserID: n.user("shared")} }},
		} {
			t.Run(tt.name, func(t *testing.T) {
				errs := make([]error, 30)
				parallel(30, func(i int) {
					_, errs[i] = either(i, a, b).Links().Link(ctx, tt.link(i))
				})
				oneWinner(t, errs)
			})
		}
		l, err := b.Links().ByKakaoID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Links().Unlink(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Links().ByUserID(ctx, l.UserID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByUserID through b after Unlink through a: err = %v, want ErrNotFound", err)
		}
	}},
	{"mixed writes across instances never bring a revoked token back", func(t *testing.T, a, b store.Store) {
		// 100 goroutines over two instances doing every kind of session
		// write on shared tokens: no errors other than ErrRevoked (no
		// "database is locked" leaks out), and once revoked a token stays
		// revoked.
		ctx, n := testCtx(t), newNames(t)
		tokens := []string{n.token("0"), n.token("1"), n.token("2"), n.token("{3}")}
		parallel(100, func(i int) {
			s, tok := either(i, a, b), tokens[i%len(tokens)]
			var err error
			switch i % 5 {
			case 0:
				err = s.Delete(ctx, tok)
			case 1:
				_, err = s.CompareAndSwap(ctx, tok, nil, []byte("x"), inHour())
			case 2:
				_, _, err = s.Find(ctx, tok)
			case 3:
				err = s.AddUserSession(ctx, n.user("u"), tok, inHour())
			default:
				err = s.Commit(ctx, tok, []byte("y"), inHour())
			}
			if err != nil && !errors.Is(err, store.ErrRevoked) {
				t.Errorf("op %d on %s: %v", i%5, tok, err)
			}
		})
		for _, tok := range tokens {
			if err := a.Commit(ctx, tok, []byte("z"), inHour()); !errors.Is(err, store.ErrRevoked) {
				t.Errorf("Commit(%s) after the storm: err = %v, want ErrRevoked", tok, err)
			}
			mustMiss(t, ctx, b, tok)
		}
	}},
	{"claims through both instances get disjoint messages", func(t *testing.T, a, b store.Store) {
		ctx, n := testCtx(t), newNames(t)
		const total = 60
		want := make([]string, total)
		for i := range want {
			want[i] = mustEnqueue(t, ctx, either(i, a, b), n.topic("a"), fmt.Sprint(i))
		}
		var mu sync.Mutex
		var got []store.Message
		parallel(10, func(i int) {
			for {
				ms, err := either(i, a, b).Claim(ctx, n.topic("a"), 4, time.Minute)
				if err != nil {
					t.Errorf("Claim: %v", err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				got = append(got, ms...)
				mu.Unlock()
			}
		})
		wantSameIDs(t, messageIDs(got), want)
		// A claim made through one instance is acknowledged through the
		// other.
		for i, m := range got {
			mustAck(t, ctx, either(i, a, b), m)
		}
		wantNoClaim(t, ctx, a, n.topic("a"))
	}},
	{"a queued message outlives the instance that enqueued it", func(t *testing.T, a, b store.Store) {
		ctx, n := testCtx(t), newNames(t)
		id := mustEnqueue(t, ctx, a, n.topic("a"), "durable")
		if err := a.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		ms := mustClaim(t, ctx, b, n.topic("a"), 10, time.Minute)
		if len(ms) != 1 || ms[0].ID != id || string(ms[0].Payload) != "durable" {
			t.Fatalf("Claim through the other instance = %+v, want message %q", ms, id)
		}
		mustAck(t, ctx, b, ms[0])
	}},
}
