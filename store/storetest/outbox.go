package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// outboxCases cover the Outbox role, the durable queue behind the unlink
// retries: every message is handed to one claimer at a time, oldest first,
// until it is acknowledged.
var outboxCases = []testCase[store.Outbox]{
	{"enqueue then claim returns the message", func(t *testing.T, o store.Outbox) {
		ctx, n := testCtx(t), newNames(t)
		before := time.Now()
		id := mustEnqueue(t, ctx, o, n.topic("a"), "hello")
		ms := mustClaim(t, ctx, o, n.topic("a"), 10, time.Minute)
		if len(ms) != 1 {
			t.Fatalf("Claim returned %d messages, want 1", len(ms))
		}
		m := ms[0]
		if m.ID != id || m.Topic != n.topic("a") || string(m.Payload) != "hello" || m.Attempts != 1 {
			t.Errorf("Claim = %+v; want ID %q, its topic, payload hello, Attempts 1", m, id)
		}
		if m.Lease == "" {
			t.Error("the claimed message has an empty Lease")
		}
		// A server clock may differ a little from ours.
		if m.EnqueuedAt.Before(before.Add(-time.Minute)) || m.EnqueuedAt.After(time.Now().Add(time.Minute)) {
			t.Errorf("EnqueuedAt = %v, want about %v", m.EnqueuedAt, before)
		}
	}},
	{"claim of an unknown or emptied topic returns nothing", func(t *testing.T, o store.Outbox) {
		ctx, n := testCtx(t), newNames(t)
		wantNoClaim(t, ctx, o, n.topic("unknown"))
		mustEnqueue(t, ctx, o, n.topic("a"), "x")
		for _, m := range mustClaim(t, ctx, o, n.topic("a"), 10, time.Minute) {
			mustAck(t, ctx, o, m)
		}
		wantNoClaim(t, ctx, o, n.topic("a"))
	}},
	{"claim hands out the oldest first and at most max", func(t *testing.T, o store.Outbox) {
		ctx, n := testCtx(t), newNames(t)
		var ids []string
		for i := range 5 {
			ids = append(ids, mustEnqueue(t, ctx, o, n.topic("a"), fmt.Sprint("m", i)))
		}
		first := mustClaim(t, ctx, o, n.topic("a"), 2, time.Minute)
		rest := mustClaim(t, ctx, o, n.topic("a"), 10, time.Minute)
		got := append(messageIDs(first), messageIDs(rest)...)
		if len(first) != 2 || !slices.Equal(got, ids) {
			t.Errorf("claims of 2 then 10 returned %q then %q, want %q in that order", messageIDs(first), messageIDs(rest), ids)
		}
		for i, m := range append(first, rest...) {
			if want := fmt.Sprint("m", i); string(m.Payload) != want {
				t.Errorf("message %d has payload %q, want %q", i, m.Payload, want)
			}
		}
		wantNoClaim(t, ctx, o, n.topic("a"))
	}},
	{"a claimed message is invisible to other claims until acknowledged", func(t *testing.T, o store.Outbox) {
		ctx, n := testCtx(t), newNames(t)
		mustEnqueue(t, ctx, o, n.topic("a"), "x")
		ms := mustClaim(t, ctx, o, n.topic("a"), 1, time.Minute)
		if len(ms) != 1 {
			t.Fatalf("Claim returned %d messages, want 1", len(ms))
		}
		wantNoClaim(t, ctx, o, n.topic("a"))
		mustAck(t, ctx, o, ms[0])
		wantNoClaim(t, ctx, o, n.topic("a"))
		// Acknowledging again, or a message that never was, is not an error.
		mustAck(t, ctx, o, ms[0])
		mustAck(t, ctx, o, store.Message{ID: "no-such-message", Topic: n.topic("a"), Lease: "x"})
	}},
	{"ack with another lease removes nothing and reports ErrLeaseLost", func(t *testing.T, o store.Outbox) {
		ctx, n := testCtx(t), newNames(t)
		mustEnqueue(t, ctx, o, n.topic("a"), "x")
		m := mustClaim(t, ctx, o, n.topic("a"), 1, time.Minute)[0]
		for _, lease := range []string{"", "forged", m.Lease + "x"} {
			forged := m
			forged.Lease = lease
			if err := o.Ack(ctx, forged); !errors.Is(err, store.ErrLeaseLost) {
				t.Errorf("Ack with lease %q: err = %v, want ErrLeaseLost", lease, err)
			}
		}
		mustAck(t, ctx, o, m) // still there, still ours
		wantNoClaim(t, ctx, o, n.topic("a"))
	}},
	{"topics are separate", func(t *testing.T, o store.Outbox) {
		// Backends that build keys by concatenation must not let one topic
		// reach into another.
		ctx, n := testCtx(t), newNames(t)
		topics := []string{n.topic("a"), n.topic("a:b"), n.topic("a") + "}", n.topic("{a}"), n.topic("a b"), n.topic("주제")}
		for _, topic := range topics {
			mustEnqueue(t, ctx, o, topic, topic)
		}
		for _, topic := range topics {
			ms := mustClaim(t, ctx, o, topic, 10, time.Minute)
			if len(ms) != 1 || string(ms[0].Payload) != topic || ms[0].Topic != topic {
				t.Errorf("Claim(%q) = %+v, want only its own message", topic, ms)
			}
		}
	}},
	{"payloads are binary-safe and copied", func(t *testing.T, o store.Outbox) {
		ctx, n := testCtx(t), newNames(t)
		payloads := [][]byte{{0, 0xff, 0xfe, 0}, []byte("a|b|c"), {}, nil, bytes.Repeat([]byte{7}, 64<<10)}
		for _, p := range payloads {
			buf := bytes.Clone(p)
			if _, err := o.Enqueue(ctx, n.topic("a"), buf); err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
			if len(buf) > 0 {
				buf[0]++ // the stored payload must not change with it
			}
		}
		ms := mustClaim(t, ctx, o, n.topic("a"), 10, time.Minute)
		if len(ms) != len(payloads) {
			t.Fatalf("Claim returned %d messages, want %d", len(ms), len(payloads))
		}
		for i, m := range ms {
			if !bytes.Equal(m.Payload, payloads[i]) {
				t.Errorf("message %d: payload of %d bytes differs from the %d enqueued", i, len(m.Payload), len(payloads[i]))
			}
		}
	}},
	{"message IDs are unique", func(t *testing.T, o store.Outbox) {
		ctx, n := testCtx(t), newNames(t)
		seen := map[string]bool{}
		for i := range 50 {
			id := mustEnqueue(t, ctx, o, n.topic(fmt.Sprint(i%3)), "x")
			if id == "" || seen[id] {
				t.Fatalf("Enqueue #%d returned ID %q, empty or seen before", i, id)
			}
			seen[id] = true
		}
	}},
	{"an empty topic, a non-positive max or lease are refused", func(t *testing.T, o store.Outbox) {
		ctx, n := testCtx(t), newNames(t)
		if id, err := o.Enqueue(ctx, "", []byte("x")); err == nil {
			t.Errorf("Enqueue to an empty topic = %q, nil; want an error", id)
		}
		mustEnqueue(t, ctx, o, n.topic("a"), "x")
		for _, c := range []struct {
			max   int
			lease time.Duration
		}{{0, time.Minute}, {-1, time.Minute}, {1, 0}, {1, -time.Second}} {
			if ms, err := o.Claim(ctx, n.topic("a"), c.max, c.lease); err == nil || len(ms) != 0 {
				t.Errorf("Claim(max %d, lease %v) = %d messages, %v; want an error", c.max, c.lease, len(ms), err)
			}
		}
		// Nothing was claimed.
		if ms := mustClaim(t, ctx, o, n.topic("a"), 10, time.Minute); len(ms) != 1 || ms[0].Attempts != 1 {
			t.Errorf("Claim after refused claims = %+v, want the message on its first attempt", ms)
		}
	}},
	{"a canceled claim leases nothing", func(t *testing.T, o store.Outbox) {
		ctx, n := testCtx(t), newNames(t)
		mustEnqueue(t, ctx, o, n.topic("a"), "x")
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		_, _ = o.Claim(canceled, n.topic("a"), 10, time.Minute)
		if ms := mustClaim(t, ctx, o, n.topic("a"), 10, time.Minute); len(ms) != 1 || ms[0].Attempts != 1 {
			t.Errorf("Claim after a canceled claim = %+v, want the message on its first attempt", ms)
		}
	}},
	{"concurrent claimers get disjoint messages", func(t *testing.T, o store.Outbox) {
		ctx, n := testCtx(t), newNames(t)
		const total, claimers = 100, 20
		want := make([]string, total)
		for i := range want {
			want[i] = mustEnqueue(t, ctx, o, n.topic("a"), fmt.Sprint(i))
		}
		var mu sync.Mutex
		var got []string
		errs := make([]error, claimers)
		parallel(claimers, func(i int) {
			for {
				ms, err := o.Claim(ctx, n.topic("a"), 7, time.Minute)
				if err != nil {
					errs[i] = err
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				got = append(got, messageIDs(ms)...)
				mu.Unlock()
			}
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("claimer %d: %v", i, err)
			}
		}
		wantSameIDs(t, got, want)
	}},
}

// outboxTimed are the timed cases of the Outbox role: a lease that runs
// out makes the message claimable again, which is the retry.
var outboxTimed = []timedCase[store.Outbox]{
	{"a message whose lease ran out is claimed again with the next attempt", func(t *testing.T, ctx context.Context, o store.Outbox, n names) func(*testing.T) {
		id := mustEnqueue(t, ctx, o, n.topic("a"), "x")
		first := mustClaim(t, ctx, o, n.topic("a"), 1, short)
		if len(first) != 1 {
			t.Fatalf("Claim returned %d messages, want 1", len(first))
		}
		return func(t *testing.T) {
			var again []store.Message
			eventually(t, "lease expiry", func() (bool, error) {
				ms, err := o.Claim(ctx, n.topic("a"), 1, time.Minute)
				again = ms
				return len(ms) > 0, err
			})
			m := again[0]
			if m.ID != id || m.Attempts != 2 || m.Lease == first[0].Lease || string(m.Payload) != "x" {
				t.Errorf("second claim = %+v; want ID %q, Attempts 2, a new lease", m, id)
			}
			// The first claimer's late Ack must not remove the message the
			// second claimer now works on.
			if err := o.Ack(ctx, first[0]); !errors.Is(err, store.ErrLeaseLost) {
				t.Errorf("Ack with the lease that ran out: err = %v, want ErrLeaseLost", err)
			}
			wantNoClaim(t, ctx, o, n.topic("a"))
			mustAck(t, ctx, o, m)
			wantNoClaim(t, ctx, o, n.topic("a"))
		}
	}},
	{"a lease that ran out still acknowledges while nobody took the message", func(t *testing.T, ctx context.Context, o store.Outbox, n names) func(*testing.T) {
		mustEnqueue(t, ctx, o, n.topic("a"), "x")
		ms := mustClaim(t, ctx, o, n.topic("a"), 1, short)
		if len(ms) != 1 {
			t.Fatalf("Claim returned %d messages, want 1", len(ms))
		}
		return func(t *testing.T) {
			mustAck(t, ctx, o, ms[0])
			wantNoClaim(t, ctx, o, n.topic("a"))
		}
	}},
	{"a leased message stays invisible until its lease ends", func(t *testing.T, ctx context.Context, o store.Outbox, n names) func(*testing.T) {
		mustEnqueue(t, ctx, o, n.topic("a"), "x")
		mustClaim(t, ctx, o, n.topic("a"), 1, time.Hour)
		return func(t *testing.T) { wantNoClaim(t, ctx, o, n.topic("a")) }
	}},
}

// mustEnqueue enqueues payload to topic or fails the test.
func mustEnqueue(t *testing.T, ctx context.Context, o store.Outbox, topic, payload string) string {
	t.Helper()
	id, err := o.Enqueue(ctx, topic, []byte(payload))
	if err != nil {
		t.Fatalf("Enqueue(%q): %v", topic, err)
	}
	return id
}

// mustClaim claims from topic or fails the test.
func mustClaim(t *testing.T, ctx context.Context, o store.Outbox, topic string, max int, lease time.Duration) []store.Message {
	t.Helper()
	ms, err := o.Claim(ctx, topic, max, lease)
	if err != nil {
		t.Fatalf("Claim(%q): %v", topic, err)
	}
	return ms
}

// mustAck acknowledges m or fails the test.
func mustAck(t *testing.T, ctx context.Context, o store.Outbox, m store.Message) {
	t.Helper()
	if err := o.Ack(ctx, m); err != nil {
		t.Fatalf("Ack(%q): %v", m.ID, err)
	}
}

// wantNoClaim fails the test unless topic has nothing to claim.
func wantNoClaim(t *testing.T, ctx context.Context, o store.Outbox, topic string) {
	t.Helper()
	if ms := mustClaim(t, ctx, o, topic, 100, time.Minute); len(ms) != 0 {
		t.Errorf("Claim(%q) = %d messages %q, want none", topic, len(ms), messageIDs(ms))
	}
}

// messageIDs lists the IDs of ms.
func messageIDs(ms []store.Message) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// wantSameIDs fails the test unless got holds each of want exactly once.
func wantSameIDs(t *testing.T, got, want []string) {
	t.Helper()
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("claimed %d messages, want each of the %d enqueued exactly once", len(got), len(want))
	}
}
