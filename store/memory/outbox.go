package memory

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// message is one outbox message. A zero leaseEnd means it was never
// claimed.
type message struct {
	id       string
	payload  []byte
	enqueued time.Time
	attempts int
	lease    string
	leaseEnd time.Time
}

// Enqueue appends a copy of payload to topic under the next ID.
func (s *Store) Enqueue(ctx context.Context, topic string, payload []byte) (string, error) {
	if topic == "" {
		return "", errors.New("memory: enqueue: empty topic")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "enqueue"); err != nil {
		return "", err
	}
	s.msgSeq++
	id := strconv.FormatUint(s.msgSeq, 10)
	s.outbox[topic] = append(s.outbox[topic], &message{id: id, payload: bytes.Clone(nonNil(payload)), enqueued: s.now()})
	return id, nil
}

// Claim leases the oldest claimable messages of topic. Messages older than
// store.OutboxRetention are dropped on the way.
func (s *Store) Claim(ctx context.Context, topic string, max int, lease time.Duration) ([]store.Message, error) {
	if max <= 0 || lease <= 0 {
		return nil, fmt.Errorf("memory: claim: max %d and lease %v must be positive", max, lease)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "claim"); err != nil {
		return nil, err
	}
	now := s.now()
	s.dropOldMessages(topic, now)
	var out []store.Message
	for _, m := range s.outbox[topic] {
		if len(out) == max {
			break
		}
		if m.leaseEnd.After(now) {
			continue
		}
		m.attempts++
		m.lease = rand.Text()
		m.leaseEnd = now.Add(lease)
		out = append(out, store.Message{
			ID: m.id, Topic: topic, Payload: bytes.Clone(m.payload),
			Attempts: m.attempts, EnqueuedAt: m.enqueued, Lease: m.lease,
		})
	}
	return out, nil
}

// Ack removes the message if m's lease still holds it.
func (s *Store) Ack(ctx context.Context, m store.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "ack"); err != nil {
		return err
	}
	msgs := s.outbox[m.Topic]
	i := slices.IndexFunc(msgs, func(have *message) bool { return have.id == m.ID })
	switch {
	case i < 0:
		return nil
	case m.Lease == "" || msgs[i].lease != m.Lease:
		return fmt.Errorf("memory: ack: %w", store.ErrLeaseLost)
	}
	s.outbox[m.Topic] = slices.Delete(msgs, i, i+1)
	if len(s.outbox[m.Topic]) == 0 {
		delete(s.outbox, m.Topic)
	}
	return nil
}

// dropOldMessages drops the messages of topic enqueued
// store.OutboxRetention or longer before now, and returns how many. The
// caller holds s.mu for writing.
func (s *Store) dropOldMessages(topic string, now time.Time) int {
	msgs := s.outbox[topic]
	kept := slices.DeleteFunc(msgs, func(m *message) bool {
		return !m.enqueued.Add(store.OutboxRetention).After(now)
	})
	n := len(msgs) - len(kept)
	if len(kept) == 0 {
		delete(s.outbox, topic)
	} else {
		s.outbox[topic] = kept
	}
	return n
}
