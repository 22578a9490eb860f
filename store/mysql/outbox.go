package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Enqueue inserts the message; its ID is the row's AUTO_INCREMENT id.
func (s *Store) Enqueue(ctx context.Context, topic string, payload []byte) (string, error) {
	if topic == "" {
		return "", errors.New("mysql: enqueue: empty topic")
	}
	if err := checkKey("topic", topic); err != nil {
		return "", fmt.Errorf("mysql: enqueue: %w", err)
	}
	var id int64
	err := retry(ctx, func() error {
		res, err := s.db.ExecContext(ctx, s.q.enqueue, []byte(topic), nonNil(payload))
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return "", wrap("enqueue", err)
	}
	return strconv.FormatInt(id, 10), nil
}

// Claim leases the oldest claimable messages of topic in one transaction
// (SELECT … FOR UPDATE, then UPDATE), on the database clock.
func (s *Store) Claim(ctx context.Context, topic string, max int, lease time.Duration) ([]store.Message, error) {
	if max <= 0 || lease <= 0 {
		return nil, fmt.Errorf("mysql: claim: max %d and lease %v must be positive", max, lease)
	}
	if err := checkKey("topic", topic); err != nil {
		return nil, fmt.Errorf("mysql: claim: %w", err)
	}
	value := rand.Text()
	var out []store.Message
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, s.q.claimSelect, []byte(topic), max)
		if err != nil {
			return err
		}
		var ids []any
		for rows.Next() {
			var id int64
			var payload []byte
			var attempts int
			var enqueued time.Time
			if err := rows.Scan(&id, &payload, &attempts, &enqueued); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
			out = append(out, store.Message{
				ID: strconv.FormatInt(id, 10), Topic: topic, Payload: nonNil(payload),
				Attempts: attempts + 1, EnqueuedAt: enqueued.UTC(), Lease: value,
			})
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		args := append([]any{value, micros(lease)}, ids...)
		_, err = tx.ExecContext(ctx, replaceOnce(s.q.claimUpdate, "{list}", placeholders(len(ids), 1)), args...)
		return err
	})
	if err != nil {
		return nil, wrap("claim", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// Ack deletes the message if m's lease still holds it; when it does not,
// a second statement tells a message leased to someone else from one that
// is gone.
func (s *Store) Ack(ctx context.Context, m store.Message) error {
	id, err := strconv.ParseUint(m.ID, 10, 64)
	if err != nil || len(m.Topic) > maxKeyLen {
		if ctx.Err() != nil {
			return wrap("ack", ctx.Err())
		}
		return nil // never an ID of this store: no such message
	}
	n, err := s.execRetry(ctx, s.q.ack, id, []byte(m.Topic), m.Lease)
	if err != nil {
		return wrap("ack", err)
	}
	if n > 0 {
		return nil
	}
	var exists bool
	if err := s.db.QueryRowContext(ctx, s.q.ackExists, id, []byte(m.Topic)).Scan(&exists); err != nil {
		return wrap("ack", err)
	}
	if exists {
		return fmt.Errorf("mysql: ack: %w", store.ErrLeaseLost)
	}
	return nil
}
