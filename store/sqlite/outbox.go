package sqlite

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Enqueue inserts the message; its ID is the row's id, which
// AUTOINCREMENT never hands out twice.
func (s *Store) Enqueue(ctx context.Context, topic string, payload []byte) (string, error) {
	if topic == "" {
		return "", errors.New("sqlite: enqueue: empty topic")
	}
	var id int64
	err := s.retry(ctx, "enqueue", func(ctx context.Context) error {
		return s.w.QueryRowContext(ctx, sqlEnqueue, topic, nonNil(payload), s.nowNanos()).Scan(&id)
	})
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(id, 10), nil
}

// Claim leases the oldest claimable messages of topic in one UPDATE on the
// writer connection, which SQLite's write lock makes atomic across
// connections and processes.
func (s *Store) Claim(ctx context.Context, topic string, max int, lease time.Duration) ([]store.Message, error) {
	if max <= 0 || lease <= 0 {
		return nil, fmt.Errorf("sqlite: claim: max %d and lease %v must be positive", max, lease)
	}
	value := rand.Text()
	var out []store.Message
	err := s.retry(ctx, "claim", func(ctx context.Context) error {
		out = out[:0]
		now := s.nowNanos()
		rows, err := s.w.QueryContext(ctx, sqlClaim, topic, now, s.nowPlus(lease), max, now-int64(store.OutboxRetention), value)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, enqueued int64
			var payload []byte
			var attempts int
			if err := rows.Scan(&id, &payload, &enqueued, &attempts); err != nil {
				return err
			}
			out = append(out, store.Message{
				ID: strconv.FormatInt(id, 10), Topic: topic, Payload: nonNil(payload),
				Attempts: attempts, EnqueuedAt: time.Unix(0, enqueued).UTC(), Lease: value,
			})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives no order; hand the messages out oldest first.
	slices.SortFunc(out, func(a, b store.Message) int {
		x, _ := strconv.ParseInt(a.ID, 10, 64)
		y, _ := strconv.ParseInt(b.ID, 10, 64)
		return cmp.Compare(x, y)
	})
	return out, nil
}

// Ack deletes the message if m's lease still holds it, and otherwise tells
// a message leased to someone else from one that is gone.
func (s *Store) Ack(ctx context.Context, m store.Message) error {
	id, err := strconv.ParseInt(m.ID, 10, 64)
	if err != nil {
		if ctx.Err() != nil {
			return s.wrap("ack", ctx.Err())
		}
		return nil // never an ID of this store: no such message
	}
	var deleted int64
	var exists bool
	err = s.retry(ctx, "ack", func(ctx context.Context) error {
		res, err := s.w.ExecContext(ctx, sqlAck, id, m.Topic, m.Lease)
		if err != nil {
			return err
		}
		if deleted, err = res.RowsAffected(); err != nil || deleted == 1 {
			return err
		}
		return s.r.QueryRowContext(ctx, sqlAckExists, id, m.Topic).Scan(&exists)
	})
	switch {
	case err != nil:
		return err
	case deleted == 0 && exists:
		return fmt.Errorf("sqlite: ack: %w", store.ErrLeaseLost)
	}
	return nil
}
