package janitor

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/internal/leaktest"
)

func TestJanitor(t *testing.T) {
	leaktest.Check(t)
	var runs, errs atomic.Int64
	j := Start(5*time.Millisecond, func(ctx context.Context) error {
		runs.Add(1)
		return errors.New("boom")
	}, func(error) { errs.Add(1) })
	deadline := time.Now().Add(5 * time.Second)
	for runs.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	j.Stop()
	j.Stop() // twice is fine
	if runs.Load() < 3 || errs.Load() == 0 {
		t.Fatalf("runs %d, errors %d", runs.Load(), errs.Load())
	}
	after := runs.Load()
	time.Sleep(20 * time.Millisecond)
	if runs.Load() != after {
		t.Fatal("clean ran after Stop")
	}
}

func TestJanitorOff(t *testing.T) {
	leaktest.Check(t)
	j := Start(0, func(context.Context) error { t.Error("ran"); return nil }, nil)
	j.Stop()
}

// TestJanitorStopCancelsClean: a clean in progress sees its context
// cancelled by Stop, and its error is not reported.
func TestJanitorStopCancelsClean(t *testing.T) {
	leaktest.Check(t)
	started := make(chan struct{})
	var reported atomic.Bool
	j := Start(time.Millisecond, func(ctx context.Context) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	}, func(error) { reported.Store(true) })
	<-started
	j.Stop()
	if reported.Load() {
		t.Fatal("the error caused by Stop was reported")
	}
}
