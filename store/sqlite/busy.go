package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Backoff between retries of an operation that found the database locked.
// SQLite's own busy handler (PRAGMA busy_timeout) already waits inside
// most statements; these retries cover the cases where SQLite returns
// SQLITE_BUSY at once (a stale WAL snapshot, recovery of a crashed
// writer's WAL, a checkpoint in progress).
const (
	minBackoff = 2 * time.Millisecond
	maxBackoff = 100 * time.Millisecond
)

// busySlice is how long SQLite's own busy handler waits within one
// attempt: the busy timeout, but at most maxBusySlice, so that between
// attempts retry checks the deadline and backs off with jitter, and a
// connection is not held in one long wait.
func busySlice(busyTimeout time.Duration) time.Duration {
	return max(min(busyTimeout, maxBusySlice), time.Millisecond)
}

// maxBusySlice bounds busySlice.
const maxBusySlice = 250 * time.Millisecond

// retry runs fn, the whole of one operation (a statement or a
// transaction), until it succeeds or fails with an error other than
// "database is locked". From the first such error on, it retries with
// jittered backoff for up to the store's busy timeout, then fails with an
// error matching store.ErrUnavailable. Each attempt itself
// waits up to busySlice inside SQLite's busy handler, so the whole wait is
// at most the busy timeout plus one slice. Time spent waiting for this
// Store's own writer connection, behind other operations, is bounded by
// ctx only: that is load, not a lock held elsewhere.
func (s *Store) retry(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	var deadline time.Time // set at the first "database is locked"
	backoff := minBackoff
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !isBusy(err) {
			return s.wrap(op, err)
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(s.busyTimeout)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("sqlite: %s %s: database still locked after %v: %w: %w",
				op, s.path, s.busyTimeout, store.ErrUnavailable, err)
		}
		s.busyRetries.Add(1)
		// Full jitter, so that instances waiting on one lock spread out.
		d := min(time.Duration(rand.Int64N(int64(backoff))+1), left)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return s.wrap(op, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}
