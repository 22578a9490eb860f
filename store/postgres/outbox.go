package postgres

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

// Enqueue inserts the message; its ID is the row's bigserial id.
func (s *Store) Enqueue(ctx context.Context, topic string, payload []byte) (string, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	if topic == "" {
		return "", errors.New("postgres: enqueue: empty topic")
	}
	var id int64
	if err := s.pool.QueryRow(ctx, s.q.enqueue, topic, nonNil(payload)).Scan(&id); err != nil {
		return "", wrap("enqueue", err)
	}
	return strconv.FormatInt(id, 10), nil
}

// Claim leases the oldest claimable messages of topic in one statement
// (SELECT … FOR UPDATE SKIP LOCKED, then UPDATE), on the database clock.
func (s *Store) Claim(ctx context.Context, topic string, max int, lease time.Duration) ([]store.Message, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	if max <= 0 || lease <= 0 {
		return nil, fmt.Errorf("postgres: claim: max %d and lease %v must be positive", max, lease)
	}
	value := rand.Text()
	rows, err := s.pool.Query(ctx, s.q.claim, topic, max, value, lease)
	if err != nil {
		return nil, wrap("claim", err)
	}
	defer rows.Close()
	var out []store.Message
	for rows.Next() {
		var id int64
		var payload []byte
		var attempts int
		var enqueued time.Time
		if err := rows.Scan(&id, &payload, &attempts, &enqueued); err != nil {
			return nil, wrap("claim", err)
		}
		out = append(out, store.Message{
			ID: strconv.FormatInt(id, 10), Topic: topic, Payload: nonNil(payload),
			Attempts: attempts, EnqueuedAt: enqueued.UTC(), Lease: value,
		})
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("claim", err)
	}
	// UPDATE … RETURNING gives no order; hand the messages out oldest first.
	sortByID(out)
	return out, nil
}

// Ack deletes the message if m's lease still holds it, and tells a message
// leased to someone else from one that is gone, in one statement.
func (s *Store) Ack(ctx context.Context, m store.Message) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	id, err := strconv.ParseInt(m.ID, 10, 64)
	if err != nil {
		if ctx.Err() != nil {
			return wrap("ack", ctx.Err())
		}
		return nil // never an ID of this store: no such message
	}
	var deleted, existed bool
	if err := s.pool.QueryRow(ctx, s.q.ack, id, m.Topic, m.Lease).Scan(&deleted, &existed); err != nil {
		return wrap("ack", err)
	}
	if !deleted && existed {
		return fmt.Errorf("postgres: ack: %w", store.ErrLeaseLost)
	}
	return nil
}

// sortByID sorts messages of numeric IDs by ID, which is enqueue order.
func sortByID(ms []store.Message) {
	slices.SortFunc(ms, func(a, b store.Message) int {
		x, _ := strconv.ParseInt(a.ID, 10, 64)
		y, _ := strconv.ParseInt(b.ID, 10, 64)
		return cmp.Compare(x, y)
	})
}
