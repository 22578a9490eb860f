package postgres

import (
	"context"
)

// cleanupBatch is how many expired rows one cleanup statement deletes, so
// that a large backlog is removed in short transactions.
const cleanupBatch = 1000

// DeleteExpired deletes the expired sessions, revocations, user index
// entries and locks, and the outbox messages older than
// store.OutboxRetention, now, in batches, and returns how many rows it deleted.
// The background cleanup calls it; call it yourself (from a cron job, say)
// when the cleanup is turned off.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	var total int64
	for _, q := range s.q.clean {
		for {
			callCtx, cancel := s.call(ctx)
			tag, err := s.pool.Exec(callCtx, q, cleanupBatch)
			cancel()
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
