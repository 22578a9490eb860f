// Package leaktest fails tests that leave goroutines running after they
// end: a janitor that was never stopped, a background refresh that outlives
// its store.
//
// It compares the goroutines alive when a check starts with those alive when
// it ends, so tests running in parallel elsewhere in the process do not count
// unless they started in between; goroutines that the Go runtime and the
// testing package own are never reported. A goroutine that is still winding
// down gets a short grace period before it counts as leaked.
package leaktest

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// grace is how long a check waits for goroutines to finish on their own.
const grace = 3 * time.Second

// Check records the goroutines running now and, when t ends, fails t if a
// goroutine started since is still running.
func Check(t testing.TB) {
	t.Helper()
	before := ids(stacks())
	t.Cleanup(func() {
		if leaked := wait(before); leaked != "" {
			t.Errorf("leaked goroutines:\n%s", leaked)
		}
	})
}

// VerifyTestMain runs the package's tests and then fails the run, with exit
// code 1, if any goroutine started by them is still running. Call it from
// TestMain.
func VerifyTestMain(m *testing.M) {
	before := ids(stacks())
	code := m.Run()
	if code == 0 {
		if leaked := wait(before); leaked != "" {
			fmt.Fprintf(os.Stderr, "leaktest: goroutines still running after the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// wait returns the stacks of goroutines not in before that keep running
// for the grace period, or "" once there are none.
func wait(before map[int]bool) string {
	deadline := time.Now().Add(grace)
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		leaked := leakedSince(before)
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(delay)
	}
}

func leakedSince(before map[int]bool) []string {
	self := -1
	var leaked []string
	for i, g := range stacks() {
		id := goroutineID(g)
		if i == 0 { // runtime.Stack lists the calling goroutine first
			self = id
		}
		if id == self || before[id] || ownedByRuntime(g) {
			continue
		}
		leaked = append(leaked, g)
	}
	return leaked
}

// stacks returns the stack trace of every goroutine, the caller's first.
func stacks() []string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return strings.Split(string(bytes.TrimSpace(buf)), "\n\n")
}

func ids(stacks []string) map[int]bool {
	m := make(map[int]bool, len(stacks))
	for _, g := range stacks {
		m[goroutineID(g)] = true
	}
	return m
}

// goroutineID reads N from the header line "goroutine N [state]:".
func goroutineID(stack string) int {
	rest, ok := strings.CutPrefix(stack, "goroutine ")
	if !ok {
		return -1
	}
	num, _, _ := strings.Cut(rest, " ")
	id, err := strconv.Atoi(num)
	if err != nil {
		return -1
	}
	return id
}

// ownedByRuntime reports goroutines of the runtime and the testing package
// (the test runner, its timeout alarm, signal handling), and the one
// goroutine scs.New starts for its default in-memory store: session.New
// replaces that store at once, but scs offers no race-free way to stop the
// goroutine, so each session.Manager keeps one parked for its lifetime.
func ownedByRuntime(stack string) bool {
	_, body, _ := strings.Cut(stack, "\n")
	top, _, _ := strings.Cut(body, "\n")
	for _, prefix := range []string{
		"testing.",
		"runtime.goexit",
		"runtime.ensureSigM",
		"os/signal.signal_recv",
		"os/signal.loop",
		"runtime/trace.",
		"github.com/alexedwards/scs/v2/memstore.(*MemStore).startCleanup",
	} {
		if strings.HasPrefix(top, prefix) {
			return true
		}
	}
	return strings.Contains(stack, "testing.(*M).") || strings.Contains(stack, "testing.tRunner(")
}
