package postgres

import (
	"context"
	"log/slog"
	"time"
)

// cleanupBatch is how many expired rows one cleanup statement deletes, so
// that a large backlog is removed in short transactions.
const cleanupBatch = 1000

// startCleanup runs DeleteExpired every interval until Close. A
// non-positive interval starts nothing.
func (s *Store) startCleanup(interval time.Duration, logger *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopCleanup = cancel
	s.cleanupDone = make(chan struct{})
	if interval <= 0 {
		close(s.cleanupDone)
		return
	}
	go func() {
		defer close(s.cleanupDone)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := s.DeleteExpired(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("kakaologin: postgres store cleanup failed", "err", err)
			}
		}
	}()
}

// DeleteExpired deletes the expired sessions, revocations, user index
// entries and locks now, in batches, and returns how many rows it deleted.
// The background cleanup calls it; call it yourself (from a cron job, say)
// when the cleanup is turned off.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	var total int64
	for _, q := range s.q.clean {
		for {
			tag, err := s.pool.Exec(ctx, q, cleanupBatch)
			if err != nil {
				return total, wrap("delete expired", err)
			}
			total += tag.RowsAffected()
			if tag.RowsAffected() < cleanupBatch {
				break
			}
		}
	}
	return total, nil
}
