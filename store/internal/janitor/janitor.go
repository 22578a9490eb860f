// Package janitor runs a store backend's periodic cleanup of expired rows
// in one background goroutine that Stop ends and waits for. The memory,
// SQLite and PostgreSQL backends share it; Redis expires keys itself.
package janitor

import (
	"context"
	"time"
)

// Janitor is a running (or never started) cleanup loop.
type Janitor struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Start calls clean every interval until Stop, passing a context that Stop
// cancels. An error from clean goes to onErr, unless it was caused by
// Stop. A non-positive interval starts nothing, and Stop then returns at
// once.
func Start(interval time.Duration, clean func(ctx context.Context) error, onErr func(error)) *Janitor {
	ctx, cancel := context.WithCancel(context.Background())
	j := &Janitor{cancel: cancel, done: make(chan struct{})}
	if interval <= 0 {
		close(j.done)
		return j
	}
	go func() {
		defer close(j.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := clean(ctx); err != nil && ctx.Err() == nil && onErr != nil {
				onErr(err)
			}
		}
	}()
	return j
}

// Stop ends the loop and waits until a clean in progress has returned.
// It may be called more than once.
func (j *Janitor) Stop() {
	j.cancel()
	<-j.done
}
