package mysql

import (
	"context"
	"database/sql"
)

// cleanupBatch is how many expired rows one cleanup transaction deletes,
// so that a large backlog is removed in short transactions.
const cleanupBatch = 1000

// DeleteExpired deletes the expired sessions, revocations, user index
// entries and locks, and the outbox messages older than
// store.OutboxRetention, now, in batches, and returns how many rows it
// deleted. The background cleanup calls it; call it yourself (from a cron
// job, say) when the cleanup is turned off.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	var total int64
	for _, c := range s.q.clean {
		for {
			n, err := s.cleanBatch(ctx, c)
			if err != nil {
				return total, wrap("delete expired "+c.name, err)
			}
			total += n
			if n < cleanupBatch {
				break
			}
		}
	}
	return total, nil
}

// cleanBatch deletes up to cleanupBatch expired rows of one table, and
// returns how many it deleted.
func (s *Store) cleanBatch(ctx context.Context, c cleanup) (int64, error) {
	var deleted int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		deleted = 0
		rows, err := tx.QueryContext(ctx, c.selec, cleanupBatch)
		if err != nil {
			return err
		}
		var keys []any
		found := 0
		for rows.Next() {
			vals := make([]any, c.keys)
			ptrs := make([]any, c.keys)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, vals...)
			found++
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if found == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, replaceOnce(c.delete, "{list}", placeholders(found, c.keys)), keys...)
		if err != nil {
			return err
		}
		deleted, err = res.RowsAffected()
		return err
	})
	return deleted, err
}
