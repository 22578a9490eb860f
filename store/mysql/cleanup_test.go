package mysql

import (
	"fmt"
	"strings"
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
	s.exec(t, `UPDATE {locks} SET expiry = {now} - INTERVAL 1 SECOND WHERE name = 'stale'`)
	// A message enqueued just over store.OutboxRetention ago, and one just
	// under.
	retention := int64(store.OutboxRetention / time.Microsecond)
	s.exec(t, `INSERT INTO {outbox} (topic, payload, enqueued) VALUES
		('old', '', {now} - INTERVAL ? MICROSECOND - INTERVAL 1 MINUTE),
		('young', '', {now} - INTERVAL ? MICROSECOND + INTERVAL 1 MINUTE)`, retention, retention)
	// Batches: more expired rows (in both tables keyed by token) than one
	// cleanup transaction deletes.
	var sessions, index []string
	for i := range cleanupBatch + 10 {
		sessions = append(sessions, fmt.Sprintf("('bulk%d', 'x', {now} - INTERVAL 1 HOUR)", i))
		index = append(index, fmt.Sprintf("('bob%d', 'bulk%d', {now} - INTERVAL 1 HOUR)", i%7, i))
	}
	s.exec(t, `INSERT INTO {sessions} (token, data, expiry) VALUES `+strings.Join(sessions, ", "))
	s.exec(t, `INSERT INTO {user_sessions} (user_id, token, expiry) VALUES `+strings.Join(index, ", "))

	n, err := s.DeleteExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(2*(cleanupBatch+10) + 4); n != want {
		t.Errorf("DeleteExpired = %d rows, want %d", n, want)
	}
	if got := s.queryString(t, `SELECT GROUP_CONCAT(token ORDER BY token) FROM {sessions}`); got != "live,revoked" {
		t.Errorf("sessions left = %q, want exactly the live one and the live revocation", got)
	}
	if got := s.queryString(t, `SELECT GROUP_CONCAT(token) FROM {user_sessions}`); got != "live" {
		t.Errorf("index entries left = %q, want exactly the live one", got)
	}
	if got := s.queryString(t, `SELECT GROUP_CONCAT(name) FROM {locks}`); got != "held" {
		t.Errorf("locks left = %q, want exactly the held one", got)
	}
	if got := s.queryString(t, `SELECT GROUP_CONCAT(topic) FROM {outbox}`); got != "young" {
		t.Errorf("messages left = %q, want exactly the one younger than the retention", got)
	}
}

// A row that a request holds locked is skipped, not waited for: cleanup
// never stalls a request's transaction nor waits behind one.
func TestDeleteExpiredSkipsLockedRows(t *testing.T) {
	t.Parallel()
	s := openTest(t, WithCleanupInterval(0))
	ctx := t.Context()
	past := time.Now().Add(-time.Minute)
	for _, tok := range []string{"a", "b"} {
		if err := s.Commit(ctx, tok, []byte("x"), past); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.expand(`SELECT * FROM {sessions} WHERE token = 'a' FOR UPDATE`)); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpired(ctx)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpired with a locked row = %d, %v; want 1, nil", n, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpired(ctx); err != nil || n != 1 {
		t.Errorf("DeleteExpired once the row is free = %d, %v; want 1, nil", n, err)
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
