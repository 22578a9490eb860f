package redis

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// retentionMillis is store.OutboxRetention in milliseconds.
var retentionMillis = store.OutboxRetention.Milliseconds()

// Enqueue adds the message under a random ID, in one script that also
// numbers it, so that Claim hands messages out in the order they came.
func (s *Store) Enqueue(ctx context.Context, topic string, payload []byte) (string, error) {
	if topic == "" {
		return "", errors.New("redis: enqueue: empty topic")
	}
	id := rand.Text()
	err := enqueueScript.Run(ctx, s.client, s.k.outbox(topic), id, nonNil(payload), retentionMillis).Err()
	if err != nil {
		return "", s.wrap("enqueue", err)
	}
	return id, nil
}

// Claim leases the oldest claimable messages of topic in one script, so
// that two instances claiming at once never get the same message. Leases
// end on the server clock, rounded up to a whole millisecond.
func (s *Store) Claim(ctx context.Context, topic string, max int, lease time.Duration) ([]store.Message, error) {
	if max <= 0 || lease <= 0 {
		return nil, fmt.Errorf("redis: claim: max %d and lease %v must be positive", max, lease)
	}
	ms := (lease + time.Millisecond - 1).Milliseconds()
	value := rand.Text()
	raw, err := claimScript.Run(ctx, s.client, s.k.outbox(topic), max, ms, value, retentionMillis).Slice()
	if err != nil {
		return nil, s.wrap("claim", err)
	}
	if len(raw)%4 != 0 {
		return nil, fmt.Errorf("redis: claim: unexpected reply of %d items", len(raw))
	}
	out := make([]store.Message, 0, len(raw)/4)
	for i := 0; i < len(raw); i += 4 {
		m, err := decodeClaimed(raw[i:i+4], topic, value)
		if err != nil {
			return nil, fmt.Errorf("redis: claim: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

// decodeClaimed reads one message of claimScript's reply: ID, payload,
// attempts, enqueue time in Unix milliseconds.
func decodeClaimed(r []any, topic, lease string) (store.Message, error) {
	id, ok1 := r[0].(string)
	payload, ok2 := r[1].(string)
	attempts, ok3 := r[2].(int64)
	enqueued, ok4 := r[3].(string)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return store.Message{}, fmt.Errorf("unexpected message reply %T %T %T %T", r[0], r[1], r[2], r[3])
	}
	at, err := strconv.ParseInt(enqueued, 10, 64)
	if err != nil {
		return store.Message{}, fmt.Errorf("bad enqueue time %q", enqueued)
	}
	return store.Message{
		ID: id, Topic: topic, Payload: []byte(payload), Attempts: int(attempts),
		EnqueuedAt: time.UnixMilli(at).UTC(), Lease: lease,
	}, nil
}

// Ack deletes the message if m's lease still holds it, in one script.
func (s *Store) Ack(ctx context.Context, m store.Message) error {
	n, err := ackScript.Run(ctx, s.client, s.k.outbox(m.Topic), m.ID, m.Lease).Int()
	if err != nil {
		return s.wrap("ack", err)
	}
	if n < 0 {
		return fmt.Errorf("redis: ack: %w", store.ErrLeaseLost)
	}
	return nil
}
