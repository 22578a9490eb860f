package store

import (
	"context"
	"time"
)

// Outbox is a durable queue of messages per topic, shared by every app
// instance, for work that must eventually happen even if the instance that
// started it stops: kakaogin queues there the unlink hooks that failed
// during the request, and works them off later.
//
// Delivery is at least once: a message is handed out again until it is
// acknowledged, so the work it stands for must be safe to do twice.
type Outbox interface {
	// Enqueue adds payload to topic and returns the message's ID, unique
	// in the store. The message can be claimed at once. topic is a
	// non-empty name of UTF-8 text without NUL bytes, such as
	// "kakaologin.unlink"; payload is any bytes, copied.
	Enqueue(ctx context.Context, topic string, payload []byte) (id string, err error)

	// Claim leases up to max messages of topic that are not leased, or
	// whose lease ran out, oldest first, for lease. max and lease must be
	// positive. Each claimed Message carries Attempts (1 on its first
	// claim) and a Lease value that Ack needs. A leased message is
	// invisible to other Claims, on every instance, until its lease ends;
	// then it can be claimed again, which is how a failed or abandoned
	// message is retried. Claim returns no messages, and a nil error, when
	// none can be claimed.
	Claim(ctx context.Context, topic string, max int, lease time.Duration) ([]Message, error)

	// Ack removes a claimed message: its work is done. If the message is
	// held under another lease than m.Lease (its lease ran out and
	// another Claim took it), Ack removes nothing and returns
	// ErrLeaseLost. Acknowledging a message that is gone (already
	// acknowledged, or dropped after OutboxRetention) is not an error.
	Ack(ctx context.Context, m Message) error
}

// Message is one message of an Outbox, as Claim hands it out.
type Message struct {
	// ID is the message's ID, as Enqueue returned it.
	ID string
	// Topic is the topic the message was enqueued to.
	Topic string
	// Payload is the payload given to Enqueue.
	Payload []byte
	// Attempts is how many times the message has been claimed, this claim
	// included: 1 on the first claim, 2 on the first retry.
	Attempts int
	// EnqueuedAt is when the message was enqueued, by the backend's clock.
	EnqueuedAt time.Time
	// Lease names this claim of the message. Ack compares it with the
	// message's current lease to tell a claim that still holds the message
	// from one whose lease ran out and was taken by another. It is opaque:
	// pass the Message to Ack as Claim returned it.
	Lease string
}

// OutboxRetention is how long an Outbox keeps a message at least. A
// backend may drop a message enqueued longer ago than this, claimed or
// not: work that has failed for a month is given up rather than kept
// forever.
const OutboxRetention = 30 * 24 * time.Hour
