package leaktest

import (
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that keeps what Check reports instead of failing.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, format)
}

func (r *recorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestCheckReportsAGoroutineStillRunning(t *testing.T) {
	r := &recorder{TB: t}
	Check(r)
	stop := make(chan struct{})
	go func() { <-stop }()
	r.end()
	close(stop)
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "leaked") {
		t.Fatalf("errors %q, want one leak report", r.errors)
	}
}

func TestCheckAcceptsGoroutinesThatEnd(t *testing.T) {
	r := &recorder{TB: t}
	Check(r)
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done() }()
	wg.Wait()
	r.end()
	if len(r.errors) != 0 {
		t.Fatalf("errors %q, want none", r.errors)
	}
}

func TestGoroutineID(t *testing.T) {
	for in, want := range map[string]int{
		"goroutine 17 [running]:\nmain.main()": 17,
		"goroutine x [running]:":               -1,
		"nothing":                              -1,
	} {
		if got := goroutineID(in); got != want {
			t.Errorf("goroutineID(%q) = %d, want %d", in, got, want)
		}
	}
}
