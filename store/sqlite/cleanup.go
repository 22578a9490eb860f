package sqlite

import (
	"context"
)

// cleanupBatch is how many expired rows one cleanup statement deletes, so
// that a large backlog is removed in short write transactions.
const cleanupBatch = 1000

// DeleteExpired deletes the expired sessions, revocations, user index
// entries and locks, and the outbox messages older than
// store.OutboxRetention, now, in batches, and returns how many rows it deleted.
// The background cleanup calls it; call it yourself (from a cron job, say)
// when the cleanup is turned off.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	var total int64
	for _, q := range cleanupStatements {
		for {
			var n int64
			err := s.retry(ctx, "delete expired", func(ctx context.Context) error {
				res, err := s.w.ExecContext(ctx, q, s.nowNanos(), cleanupBatch)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return total, err
			}
			total += n
			if n < cleanupBatch {
				break
			}
		}
	}
	return total, nil
}
