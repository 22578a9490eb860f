// Package storetest is the conformance suite that every store.Store backend
// (memory, sqlite, redis, postgres) must pass, and Faulty, a store wrapper
// that injects failures for the fault tests of the layers above.
//
// A backend's test runs the suite against a fresh or shared store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s := memory.New()
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Every subtest gets its own store from open and uses token, user, lock and
// Kakao ID names drawn at random, so the stores handed out may share one
// real server (and one database) with each other and with other runs. The
// suite never calls Close: open arranges it with t.Cleanup.
//
// The suite checks behaviour only through the store.Store interface, with
// real time: expiry tests use expiries of about a second and poll, because
// a real server keeps its own clock. Subtests run in
// parallel unless Options.Serial is set, so the whole suite takes a few
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
}

// Run runs the conformance suite against the stores that open returns,
// with the default Options. open is called once per subtest, with that
// subtest's t; it must arrange the store's Close with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	RunWith(t, open, Options{})
}

// RunWith runs the conformance suite with opts; see Run.
func RunWith(t *testing.T, open func(t *testing.T) store.Store, opts Options) {
	t.Helper()
	groups := []struct {
		name  string
		cases []testCase
	}{
		{"Sessions", sessionCases},
		{"Revocation", revocationCases},
		{"CompareAndSwap", casCases},
		{"UserIndex", userCases},
		{"Locks", lockCases},
		{"Links", linkCases},
		{"Context", contextCases},
		{"Concurrency", concurrencyCases},
		{"Ping", pingCases},
	}
	t.Run("Expiry", func(t *testing.T) {
		if !opts.Serial {
			t.Parallel()
		}
		s := open(t)
		if s == nil {
			t.Fatal("open returned a nil store")
		}
		runTimed(t, s, timedCases)
	})
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			if !opts.Serial {
				t.Parallel()
			}
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					if !opts.Serial {
						t.Parallel()
					}
					s := open(t)
					if s == nil {
						t.Fatal("open returned a nil store")
					}
					c.run(t, s)
				})
			}
		})
	}
}

// testCase is one subtest of the suite.
type testCase struct {
	name string
	run  func(t *testing.T, s store.Store)
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

// mustCommit commits b for token or fails the test.
func mustCommit(t *testing.T, ctx context.Context, s store.Store, token string, b []byte, expiry time.Time) {
	t.Helper()
	if err := s.CommitCtx(ctx, token, b, expiry); err != nil {
		t.Fatalf("CommitCtx(%q): %v", token, err)
	}
}

// mustFind returns the live data of token, failing the test if it is not
// found.
func mustFind(t *testing.T, ctx context.Context, s store.Store, token string) []byte {
	t.Helper()
	b, found, err := s.FindCtx(ctx, token)
	if err != nil {
		t.Fatalf("FindCtx(%q): %v", token, err)
	}
	if !found {
		t.Fatalf("FindCtx(%q): not found, want found", token)
	}
	// A found session's data is never nil, even when empty: callers pass
	// it back as CompareAndSwap's old, where nil means "only if absent",
	// so a nil here would make every refresh of an empty session lose.
	if b == nil {
		t.Fatalf("FindCtx(%q): found with nil data, want a non-nil slice", token)
	}
	return b
}

// mustMiss fails the test unless token is unknown (nil, false, nil).
func mustMiss(t *testing.T, ctx context.Context, s store.Store, token string) {
	t.Helper()
	b, found, err := s.FindCtx(ctx, token)
	if err != nil || found || b != nil {
		t.Fatalf("FindCtx(%q) = %q, %v, %v; want nil, false, nil", token, b, found, err)
	}
}

// gone reports whether token is no longer found.
func gone(ctx context.Context, s store.Store, token string) func() (bool, error) {
	return func() (bool, error) {
		_, found, err := s.FindCtx(ctx, token)
		return !found, err
	}
}
