// Package storetest is the conformance suite for the roles of package
// store (sessions, the per-user index, locks, links, the outbox) that every
// backend (memory, sqlite, redis, postgres) must pass, and Faulty, a store
// wrapper that injects failures for the fault tests of the layers above.
//
// A backend that implements every role runs the whole suite against a
// fresh or shared store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s := memory.New()
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// A backend of some roles only runs their parts: RunSessions,
// RunUserIndex, RunLocks, RunLinks and RunOutbox. RunWith adds the
// cross-instance cases (Options.Twin), and RunClocked the cases that need
// exact time, for backends that take their clock from the app.
//
// Every subtest gets its own store from open and uses token, user, lock,
// topic and Kakao ID names drawn at random, so the stores handed out may
// share one real server (and one database) with each other and with other
// runs. The suite never calls Close, except to show that a message
// outlives the instance that enqueued it: open arranges it with
// t.Cleanup.
//
// The suite checks behaviour only through the role interfaces, with real
// time: expiry tests use expiries of about a second and poll, because a
// real server keeps its own clock. Subtests run in parallel (unless
// RunWith's Options.Serial is set), so the whole suite takes a few
// seconds.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Options tunes how RunWith runs the suite.
type Options struct {
	// Serial runs the subtests one after another instead of in parallel.
	// The default (false) runs them in parallel. Every backend must still
	// pass the concurrency subtests, which start their own goroutines.
	Serial bool

	// Twin, when not nil, opens two stores over the same data, as two app
	// instances sharing one database see it, and arranges their Close
	// with t.Cleanup. The suite then also checks that every role holds
	// across them: a revocation through one stops a write through the
	// other, one lock, one link and one claim of a message across both,
	// and a queued message outlives the instance that enqueued it.
	// Backends that keep their data in the process (memory) leave it nil.
	Twin func(t *testing.T) (a, b store.Store)
}

// Run runs the whole conformance suite against the stores that open
// returns, with the default Options. open is called once per subtest, with
// that subtest's t; it must arrange the store's Close with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	RunWith(t, open, Options{})
}

// RunWith runs the whole conformance suite with opts; see Run.
func RunWith(t *testing.T, open func(t *testing.T) store.Store, opts Options) {
	t.Helper()
	groups := []group[store.Store]{
		{"Sessions", widen(sessionCases, asSessions)},
		{"Revocation", widen(revocationCases, asSessions)},
		{"CompareAndSwap", widen(casCases, asSessions)},
		{"UserIndex", widen(userCases, asSessionStore)},
		{"Locks", widen(lockCases, asLocker)},
		{"Links", widen(linkCases, asLinks)},
		{"Outbox", widen(outboxCases, asOutbox)},
		{"Context", join(contextCases(allCalls()), canceledWriteCases)},
		{"Concurrency", concurrencyCases},
		{"Ping", pingCases},
	}
	timed := join(
		widenTimed(sessionTimed, asSessions),
		widenTimed(userTimed, asSessionStore),
		widenTimed(lockTimed, asLocker),
		widenTimed(outboxTimed, asOutbox),
	)
	runGroups(t, open, opts.Serial, timed, groups)
	if opts.Twin != nil {
		t.Run("Instances", func(t *testing.T) {
			if !opts.Serial {
				t.Parallel()
			}
			for _, c := range twinCases {
				t.Run(c.name, func(t *testing.T) {
					if !opts.Serial {
						t.Parallel()
					}
					a, b := opts.Twin(t)
					if a == nil || b == nil {
						t.Fatal("Twin returned a nil store")
					}
					c.run(t, a, b)
				})
			}
		})
	}
}

// RunSessions runs the suite's part for the Sessions role: data by token,
// revocation tombstones and compare-and-swap.
func RunSessions(t *testing.T, open func(t *testing.T) store.Sessions) {
	t.Helper()
	runGroups(t, open, false, sessionTimed, []group[store.Sessions]{
		{"Sessions", sessionCases},
		{"Revocation", revocationCases},
		{"CompareAndSwap", casCases},
		{"Context", contextCases(sessionCalls)},
	})
}

// RunUserIndex runs the suite's part for the UserIndex role. The index is
// tested with the sessions it ends, so open returns both.
func RunUserIndex(t *testing.T, open func(t *testing.T) store.SessionStore) {
	t.Helper()
	runGroups(t, open, false, userTimed, []group[store.SessionStore]{
		{"UserIndex", userCases},
		{"Context", contextCases(userCalls)},
	})
}

// RunLocks runs the suite's part for the Locker role.
func RunLocks(t *testing.T, open func(t *testing.T) store.Locker) {
	t.Helper()
	runGroups(t, open, false, lockTimed, []group[store.Locker]{
		{"Locks", lockCases},
		{"Context", contextCases(lockCalls)},
	})
}

// RunLinks runs the suite's part for the Links role.
func RunLinks(t *testing.T, open func(t *testing.T) store.Links) {
	t.Helper()
	runGroups(t, open, false, nil, []group[store.Links]{
		{"Links", linkCases},
		{"Context", contextCases(linkCalls)},
	})
}

// RunOutbox runs the suite's part for the Outbox role: order, leases and
// their expiry, attempts, acknowledgement with a lost lease, and disjoint
// claims by concurrent claimers. That a message survives a restart is
// checked by RunWith with Options.Twin, or left to the backend's tests.
func RunOutbox(t *testing.T, open func(t *testing.T) store.Outbox) {
	t.Helper()
	runGroups(t, open, false, outboxTimed, []group[store.Outbox]{
		{"Outbox", outboxCases},
		{"Context", contextCases(outboxCalls)},
	})
}

// testCase is one subtest of the suite, on a store of role S.
type testCase[S any] struct {
	name string
	run  func(t *testing.T, s S)
}

// group is a named list of cases.
type group[S any] struct {
	name  string
	cases []testCase[S]
}

// runGroups runs the timed cases (under "Expiry", with one common wait)
// and the groups, each case on a store from open.
func runGroups[S any](t *testing.T, open func(t *testing.T) S, serial bool, timed []timedCase[S], groups []group[S]) {
	t.Helper()
	get := func(t *testing.T) S {
		t.Helper()
		s := open(t)
		if any(s) == nil {
			t.Fatal("open returned a nil store")
		}
		return s
	}
	if len(timed) > 0 {
		t.Run("Expiry", func(t *testing.T) {
			if !serial {
				t.Parallel()
			}
			runTimed(t, get(t), timed)
		})
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			if !serial {
				t.Parallel()
			}
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					if !serial {
						t.Parallel()
					}
					c.run(t, get(t))
				})
			}
		})
	}
}

// widen turns cases of one role into cases of a whole Store, through as.
func widen[S any](cases []testCase[S], as func(store.Store) S) []testCase[store.Store] {
	out := make([]testCase[store.Store], len(cases))
	for i, c := range cases {
		out[i] = testCase[store.Store]{c.name, func(t *testing.T, s store.Store) { c.run(t, as(s)) }}
	}
	return out
}

// The views of a Store as each of its roles.
func asSessions(s store.Store) store.Sessions         { return s }
func asSessionStore(s store.Store) store.SessionStore { return s }
func asLocker(s store.Store) store.Locker             { return s }
func asLinks(s store.Store) store.Links               { return s.Links() }
func asOutbox(s store.Store) store.Outbox             { return s }

// join concatenates lists.
func join[T any](lists ...[]T) []T {
	var out []T
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Timing of the expiry tests. short is the lifetime given to things that
// should expire during a test; patience is how long a test polls for a
// change that must happen after short has passed.
const (
	short    = 1200 * time.Millisecond
	patience = 6 * time.Second
	pollStep = 50 * time.Millisecond
	// opTimeout bounds each subtest's context, so that a hung backend
	// fails the test instead of stalling the whole run.
	opTimeout = 60 * time.Second
)

// names hands out names that no other test, run or suite uses.
type names struct{ prefix string }

func newNames(t *testing.T) names {
	t.Helper()
	return names{prefix: "storetest-" + rand.Text()[:16] + "-"}
}

// token returns a unique session token.
func (n names) token(s string) string { return n.prefix + "tok-" + s }

// user returns a unique host user name.
func (n names) user(s string) string { return n.prefix + "user-" + s }

// lock returns a unique lock name.
func (n names) lock(s string) string { return n.prefix + "lock-" + s }

// topic returns a unique outbox topic.
func (n names) topic(s string) string { return n.prefix + "topic-" + s }

// kakaoID returns a random positive Kakao ID that no other run uses, below
// 2^53 (the range of real Kakao IDs today).
func kakaoID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:])%(1<<52)) + 1<<52
}

// bigKakaoID returns a random even Kakao ID above 2^53, where float64 can
// no longer tell n from n+1.
func bigKakaoID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	n := int64(binary.LittleEndian.Uint64(b[:]) % (1 << 60))
	return (1<<53 + n) &^ 1
}

// testCtx returns a context for one subtest, bounded by opTimeout.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), opTimeout)
	t.Cleanup(cancel)
	return ctx
}

// inHour is an expiry comfortably in the future.
func inHour() time.Time { return time.Now().Add(time.Hour) }

// past is an expiry that has already passed.
func past() time.Time { return time.Now().Add(-time.Minute) }

// eventually polls cond until it reports true, failing the test with what
// when patience runs out. cond's error fails the test at once.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: did not happen within %v", what, patience)
		}
		time.Sleep(pollStep)
	}
}

// parallel runs f(i) for i in [0, n) on n goroutines released together,
// and waits for all of them.
func parallel(n int, f func(i int)) {
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			f(i)
		}()
	}
	start.Done()
	done.Wait()
}
