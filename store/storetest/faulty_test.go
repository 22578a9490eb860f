package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/internal/leaktest"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

func TestMain(m *testing.M) {
	leaktest.VerifyTestMain(m)
}

// newFaulty returns a Faulty over a fresh memory store, closed at cleanup.
func newFaulty(t *testing.T) *storetest.Faulty {
	t.Helper()
	f := storetest.NewFaulty(memory.New())
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func inHour() time.Time { return time.Now().Add(time.Hour) }

var errDown = fmt.Errorf("%w: connection refused", store.ErrUnavailable)

// TestFaultyWithoutFaultsPassesTheSuite shows that the wrapper itself
// changes nothing when no fault is set.
func TestFaultyWithoutFaultsPassesTheSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newFaulty(t) })
}

func TestFaultyFailsTheChosenMethodWithoutCallingTheStore(t *testing.T) {
	f := newFaulty(t)
	ctx := t.Context()
	f.Fail(errDown, storetest.Commit)
	err := f.Commit(ctx, "tok", []byte("x"), inHour())
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Commit: err = %v, want the injected error", err)
	}
	// The wrapped store never saw the commit, and other methods still work.
	if _, found, err := f.Find(ctx, "tok"); err != nil || found {
		t.Errorf("Find = %v, %v; want not found, nil", found, err)
	}
	if _, found, _ := f.Unwrap().Find(ctx, "tok"); found {
		t.Error("the wrapped store holds the failed commit")
	}
	if got := f.Calls(storetest.Commit); got != 1 {
		t.Errorf("Calls(Commit) = %d, want 1", got)
	}
	f.Clear(storetest.Commit)
	if err := f.Commit(ctx, "tok", []byte("x"), inHour()); err != nil {
		t.Errorf("Commit after Clear: %v", err)
	}
	if got := f.Calls(storetest.Commit); got != 2 {
		t.Errorf("Calls(Commit) = %d, want 2 (faulted calls count too)", got)
	}
}

func TestFaultyFailsEveryMethod(t *testing.T) {
	f := newFaulty(t)
	ctx := t.Context()
	exp := inHour()
	calls := map[storetest.Method]func() error{
		storetest.Find:              func() error { _, _, err := f.Find(ctx, "t"); return err },
		storetest.Commit:            func() error { return f.Commit(ctx, "t", nil, exp) },
		storetest.CompareAndSwap:    func() error { _, err := f.CompareAndSwap(ctx, "t", nil, nil, exp); return err },
		storetest.Delete:            func() error { return f.Delete(ctx, "t") },
		storetest.AddUserSession:    func() error { return f.AddUserSession(ctx, "u", "t", exp) },
		storetest.RemoveUserSession: func() error { return f.RemoveUserSession(ctx, "u", "t") },
		storetest.UserSessions:      func() error { _, err := f.UserSessions(ctx, "u"); return err },
		storetest.RevokeUser:        func() error { _, err := f.RevokeUser(ctx, "u"); return err },
		storetest.TryLock:           func() error { _, _, err := f.TryLock(ctx, "l", time.Second); return err },
		storetest.Unlock:            func() error { return f.Unlock(ctx, "l", "f") },
		storetest.Ping:              func() error { return f.Ping(ctx) },
		storetest.Link:              func() error { _, err := f.Links().Link(ctx, store.Link{KakaoID: 1, UserID: "u"}); return err },
		storetest.ByKakaoID:         func() error { _, err := f.Links().ByKakaoID(ctx, 1); return err },
		storetest.ByUserID:          func() error { _, err := f.Links().ByUserID(ctx, "u"); return err },
		storetest.Unlink:            func() error { _, err := f.Links().Unlink(ctx, 1); return err },
		storetest.Enqueue:           func() error { _, err := f.Enqueue(ctx, "q", nil); return err },
		storetest.Claim:             func() error { _, err := f.Claim(ctx, "q", 1, time.Second); return err },
		storetest.Ack:               func() error { return f.Ack(ctx, store.Message{ID: "1", Topic: "q", Lease: "l"}) },
	}
	for m, call := range calls {
		t.Run(string(m), func(t *testing.T) {
			injected := fmt.Errorf("%w: %s failed", store.ErrUnavailable, m)
			f.Set(m, storetest.Fault{Err: injected})
			defer f.Clear(m)
			if err := call(); err != injected {
				t.Errorf("err = %v, want the injected %v", err, injected)
			}
			if got := f.Calls(m); got != 1 {
				t.Errorf("Calls = %d, want 1", got)
			}
		})
	}
}

func TestFaultyTimesLimitsTheFault(t *testing.T) {
	f := newFaulty(t)
	ctx := t.Context()
	f.Set(storetest.Ping, storetest.Fault{Err: errDown, Times: 2})
	var got []bool
	for range 4 {
		got = append(got, f.Ping(ctx) != nil)
	}
	want := []bool{true, true, false, false}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("failed calls = %v, want %v", got, want)
	}
}

func TestFaultyHangUntilContextEnds(t *testing.T) {
	// A hung store must give up with the request deadline (SECURITY.md
	// R15), as a driver would: ErrUnavailable plus the context's cause.
	f := newFaulty(t)
	f.Set(storetest.Find, storetest.Fault{Hang: true})
	start := time.Now() // before the deadline is set, so it is at least 50ms away
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, _, err := f.Find(ctx, "tok")
	if took := time.Since(start); took < 50*time.Millisecond || took > 5*time.Second {
		t.Errorf("hung call returned after %v, want at the 50ms deadline", took)
	}
	if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
}

func TestFaultyDelay(t *testing.T) {
	f := newFaulty(t)
	f.Set(storetest.Commit, storetest.Fault{Delay: 40 * time.Millisecond})
	ctx := t.Context()
	start := time.Now()
	if err := f.Commit(ctx, "tok", []byte("x"), inHour()); err != nil {
		t.Fatalf("delayed Commit: %v", err)
	}
	if took := time.Since(start); took < 40*time.Millisecond {
		t.Errorf("delayed call took %v, want at least 40ms", took)
	}
	if _, found, _ := f.Find(ctx, "tok"); !found {
		t.Error("a delayed commit did not reach the store")
	}

	short, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	f.Set(storetest.Commit, storetest.Fault{Delay: time.Hour})
	err := f.Commit(short, "tok2", []byte("x"), inHour())
	if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if _, found, _ := f.Find(ctx, "tok2"); found {
		t.Error("a commit cut short by its deadline reached the store")
	}
}

func TestFaultyWaitHoldsACallUntilReleased(t *testing.T) {
	f := newFaulty(t)
	ctx := t.Context()
	release := make(chan struct{})
	f.Set(storetest.Commit, storetest.Fault{Wait: release, Times: 1})
	done := make(chan error)
	go func() { done <- f.Commit(ctx, "tok", []byte("late"), inHour()) }()

	// While the commit is held, the session is deleted (a logout racing a
	// slow request, SECURITY.md R18) ...
	for f.Calls(storetest.Commit) == 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("held commit returned early: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	if err := f.Delete(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	close(release)
	// ... and the released commit must not bring it back.
	if err := <-done; !errors.Is(err, store.ErrRevoked) {
		t.Errorf("released commit: err = %v, want ErrRevoked", err)
	}
}

func TestFaultyCloseFault(t *testing.T) {
	inner := memory.New()
	f := storetest.NewFaulty(inner)
	f.Fail(errDown, storetest.Close)
	if err := f.Close(); !errors.Is(err, errDown) {
		t.Errorf("Close: err = %v, want the injected error", err)
	}
	f.Clear()
	if err := f.Close(); err != nil {
		t.Errorf("Close after Clear: %v", err)
	}
	if err := inner.Ping(t.Context()); !errors.Is(err, memory.ErrClosed) {
		t.Errorf("inner store still open after Close: %v", err)
	}
	if got := f.Calls(storetest.Close); got != 2 {
		t.Errorf("Calls(Close) = %d, want 2", got)
	}
}

func TestFaultyIsSafeForConcurrentUse(t *testing.T) {
	f := newFaulty(t)
	ctx := t.Context()
	const workers, each = 100, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				switch (w + i) % 4 {
				case 0:
					f.Set(storetest.Find, storetest.Fault{Err: errDown, Times: 3})
				case 1:
					f.Clear(storetest.Find)
				}
				_, _, _ = f.Find(ctx, "tok")
			}
		}()
	}
	wg.Wait()
	if got := f.Calls(storetest.Find); got != workers*each {
		t.Errorf("Calls(Find) = %d, want %d", got, workers*each)
	}
	f.ResetCalls()
	if got := f.Calls(storetest.Find); got != 0 {
		t.Errorf("Calls after ResetCalls = %d, want 0", got)
	}
}
