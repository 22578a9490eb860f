package redis

import (
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Every outbox script takes all keys of one topic, so they must share a
// Cluster slot whatever the topic holds, and two topics never share a key.
func TestOutboxKeysOfATopicShareOneSlot(t *testing.T) {
	t.Parallel()
	k := keys{DefaultPrefix}
	seen := map[string]string{}
	for _, topic := range []string{"kakaologin.unlink", "", "{", "}", "{}", "a{b}c", "7b7d", "x", "o:{a}", strings.Repeat("t", 300)} {
		ks := k.outbox(topic)
		for _, key := range ks {
			if hashSlot(key) != hashSlot(ks[0]) {
				t.Errorf("topic %q: %s and %s hash to slots %d and %d", topic, ks[0], key, hashSlot(ks[0]), hashSlot(key))
			}
			if other, ok := seen[key]; ok {
				t.Errorf("topics %q and %q share the key %s", other, topic, key)
			}
			seen[key] = topic
		}
	}
}

// FuzzOutboxKeys: every topic gets keys in one slot.
func FuzzOutboxKeys(f *testing.F) {
	for _, s := range []string{"", "{", "}", "{}", "a{b}c", "}{", "kakaologin.unlink"} {
		f.Add(s)
	}
	k := keys{DefaultPrefix}
	f.Fuzz(func(t *testing.T, topic string) {
		ks := k.outbox(topic)
		for _, key := range ks[1:] {
			if hashSlot(key) != hashSlot(ks[0]) || key == ks[0] {
				t.Errorf("topic %q: keys %q and %q", topic, ks[0], key)
			}
		}
	})
}

// A topic's keys live until its newest message is older than
// store.OutboxRetention, so a topic nobody uses any more goes away by
// itself; a message that reached the retention is dropped at the next
// Claim, even when its keys are still there.
func TestOutboxRetention(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	r := s.raw(t)
	id, err := s.Enqueue(ctx, "jobs", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range s.k.outbox("jobs") {
		if key == s.k.outbox("jobs")[1] {
			continue // leased: not created before the first claim
		}
		if ttl, err := r.PTTL(ctx, key).Result(); err != nil || !about(ttl, store.OutboxRetention) {
			t.Errorf("PTTL(%s) = %v, %v; want about %v", key, ttl, err, store.OutboxRetention)
		}
	}
	// The leased set, made by the first claim, expires with the others.
	if _, err := s.Claim(ctx, "jobs", 1, time.Nanosecond); err != nil {
		t.Fatal(err)
	}
	leased := s.k.outbox("jobs")[1]
	if ttl, err := r.PTTL(ctx, leased).Result(); err != nil || !about(ttl, store.OutboxRetention) {
		t.Errorf("PTTL(%s) = %v, %v; want about %v", leased, ttl, err, store.OutboxRetention)
	}
	time.Sleep(5 * time.Millisecond) // the 1 ms lease ends

	// Make the message look enqueued just over the retention ago.
	age := s.k.outbox("jobs")[2]
	old := float64(time.Now().Add(-store.OutboxRetention - time.Minute).UnixMilli())
	if err := r.ZAddXX(ctx, age, zmemberScore(old, id)).Err(); err != nil {
		t.Fatal(err)
	}
	if ms, err := s.Claim(ctx, "jobs", 10, time.Minute); err != nil || len(ms) != 0 {
		t.Fatalf("Claim = %+v, %v; want the old message dropped", ms, err)
	}
	for _, key := range s.k.outbox("jobs")[:5] {
		if n, _ := r.Exists(ctx, key).Result(); n != 0 {
			if kind, _ := r.Type(ctx, key).Result(); kind != "none" {
				if size := keySize(t, s, key, kind); size != 0 {
					t.Errorf("%s still holds %d entries of the dropped message", key, size)
				}
			}
		}
	}
}

// keySize is how many members or fields key holds.
func keySize(t *testing.T, s *Store, key, kind string) int64 {
	t.Helper()
	r := s.raw(t)
	switch kind {
	case "zset":
		return r.ZCard(t.Context(), key).Val()
	case "hash":
		return r.HLen(t.Context(), key).Val()
	}
	return 0
}
