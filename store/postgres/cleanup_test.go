package postgres

import (
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestDeleteExpiredRemovesOnlyExpiredRows(t *testing.T) {
	t.Parallel()
	s := openTest(t, WithCleanupInterval(0))
	ctx := t.Context()
	past := time.Now().Add(-time.Minute)
	for _, step := range []error{
		s.Commit(ctx, "live", []byte("x"), inHour()),
		s.Commit(ctx, "old", []byte("x"), past),
		s.Delete(ctx, "revoked"),
		s.AddUserSession(ctx, "alice", "live", inHour()),
		s.AddUserSession(ctx, "alice", "old", past),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	if _, _, err := s.TryLock(ctx, "held", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.TryLock(ctx, "stale", time.Minute); err != nil {
		t.Fatal(err)
	}
	s.exec(t, `UPDATE {locks} SET expiry = now() - interval '1 second' WHERE name = 'stale'`)
	// A message enqueued just over store.OutboxRetention ago, and one just
	// under.
	s.exec(t, `INSERT INTO {outbox} (topic, payload, enqueued) VALUES
		('old', '', now() - $1::interval - interval '1 minute'), ('young', '', now() - $1::interval + interval '1 minute')`,
		store.OutboxRetention)
	// Batches: more expired rows than one cleanup statement deletes.
	s.exec(t, `INSERT INTO {sessions} (token, data, expiry)
		SELECT convert_to('bulk' || i, 'UTF8'), 'x', now() - interval '1 hour' FROM generate_series(1, $1::int) AS i`,
		cleanupBatch+10)

	n, err := s.DeleteExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(cleanupBatch + 10 + 4); n != want {
		t.Errorf("DeleteExpired = %d rows, want %d", n, want)
	}
	if !s.queryBool(t, `SELECT array_agg(convert_from(token, 'UTF8') ORDER BY token) = '{live,revoked}' FROM {sessions}`) {
		t.Error("sessions left are not exactly the live one and the live revocation")
	}
	if !s.queryBool(t, `SELECT array_agg(convert_from(token, 'UTF8')) = '{live}' FROM {user_sessions}`) {
		t.Error("index entries left are not exactly the live one")
	}
	if !s.queryBool(t, `SELECT array_agg(name) = '{held}' FROM {locks}`) {
		t.Error("locks left are not exactly the held one")
	}
	if !s.queryBool(t, `SELECT array_agg(topic) = '{young}' FROM {outbox}`) {
		t.Error("messages left are not exactly the one younger than the retention")
	}
}

// The background cleanup runs on its own and stops with Close (TestMain
// checks with leaktest that no goroutine is left behind).
func TestBackgroundCleanupRunsAndStops(t *testing.T) {
	t.Parallel()
	s := openTest(t, WithCleanupInterval(10*time.Millisecond))
	if err := s.Commit(t.Context(), "old", []byte("x"), time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for s.queryBool(t, `SELECT EXISTS (SELECT 1 FROM {sessions})`) {
		if time.Now().After(deadline) {
			t.Fatal("the background cleanup never deleted the expired session")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
