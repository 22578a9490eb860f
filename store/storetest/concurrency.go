package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// concurrencyCases run many goroutines against one store, using every
// role at once, under the race detector when the backend's tests use
// -race: concurrent token refreshes across instances, and slow requests
// racing a logout.
var concurrencyCases = []testCase[store.Store]{
	{"100 goroutines doing mixed operations", func(t *testing.T, s store.Store) {
		ctx, n := testCtx(t), newNames(t)
		const workers, rounds = 100, 20
		shared := func(r *rand.Rand) string { return n.token(fmt.Sprint("shared-", r.IntN(5))) }
		sharedUser := n.user("shared")
		sharedIDs := []int64{kakaoID(), kakaoID(), kakaoID()}
		errs := make([]error, workers)
		parallel(workers, func(w int) {
			r := rand.New(rand.NewPCG(uint64(w), 42))
			own := n.token(fmt.Sprint("own-", w))
			fail := func(op string, err error) { errs[w] = fmt.Errorf("worker %d: %s: %w", w, op, err) }
			topic := n.topic(fmt.Sprint(w % 4))
			for i := range rounds {
				// Every round the worker's own session must read back what
				// it wrote, whatever the others do meanwhile.
				want := fmt.Appendf(nil, "%d-%d", w, i)
				if err := s.Commit(ctx, own, want, inHour()); err != nil {
					fail("commit own", err)
					return
				}
				got, found, err := s.Find(ctx, own)
				if err != nil || !found || !bytes.Equal(got, want) {
					fail("find own", fmt.Errorf("got %q, %v, %v; want %q", got, found, err, want))
					return
				}
				var op string
				switch r.IntN(11) {
				case 0:
					op, err = "commit shared", s.Commit(ctx, shared(r), want, inHour())
				case 1:
					op = "find shared"
					_, _, err = s.Find(ctx, shared(r))
				case 2:
					op = "swap shared"
					tok := shared(r)
					var cur []byte
					if cur, _, err = s.Find(ctx, tok); err == nil {
						_, err = s.CompareAndSwap(ctx, tok, cur, want, inHour())
					}
				case 3:
					if r.IntN(4) == 0 {
						op, err = "delete shared", s.Delete(ctx, shared(r))
					} else {
						op = "find shared"
						_, _, err = s.Find(ctx, shared(r))
					}
				case 4:
					op, err = "add user session", s.AddUserSession(ctx, sharedUser, shared(r), inHour())
				case 5:
					op = "user sessions"
					_, err = s.UserSessions(ctx, sharedUser)
				case 6:
					if r.IntN(4) == 0 {
						op = "revoke user"
						_, err = s.RevokeUser(ctx, sharedUser)
					} else {
						op, err = "remove user session", s.RemoveUserSession(ctx, sharedUser, shared(r))
					}
				case 7:
					op = "lock"
					var fence string
					var ok bool
					if fence, ok, err = s.TryLock(ctx, n.lock("shared"), time.Minute); err == nil && ok {
						err = s.Unlock(ctx, n.lock("shared"), fence)
					}
				case 8:
					op = "link"
					_, err = s.Links().Link(ctx, store.Link{KakaoID: sharedIDs[r.IntN(len(sharedIDs))], UserID: n.user(fmt.Sprint(r.IntN(3)))})
				case 9:
					op = "unlink or look up"
					if r.IntN(2) == 0 {
						_, err = s.Links().Unlink(ctx, sharedIDs[r.IntN(len(sharedIDs))])
					} else {
						_, err = s.Links().ByUserID(ctx, n.user(fmt.Sprint(r.IntN(3))))
					}
				case 10:
					op = "enqueue, claim and ack"
					var ms []store.Message
					if _, err = s.Enqueue(ctx, topic, want); err == nil {
						ms, err = s.Claim(ctx, topic, 2, time.Minute)
					}
					for _, m := range ms {
						if err == nil {
							err = s.Ack(ctx, m)
						}
					}
				}
				// Revoked, conflicting and missing are the expected answers
				// when others got there first; anything else is a failure.
				if err != nil && !errors.Is(err, store.ErrRevoked) && !errors.Is(err, store.ErrLinkConflict) && !errors.Is(err, store.ErrNotFound) {
					fail(op, err)
					return
				}
			}
		})
		for _, err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	}},
}

// pingCases check Ping.
var pingCases = []testCase[store.Store]{
	{"ping answers", func(t *testing.T, s store.Store) {
		if err := s.Ping(testCtx(t)); err != nil {
			t.Errorf("Ping: %v", err)
		}
	}},
}
