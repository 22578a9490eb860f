package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/storetest"
)

func TestDeleteExpiredRemovesOnlyExpiredRows(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock()
	s := openTest(t, WithClock(clock.Now), WithCleanupInterval(0))
	ctx := t.Context()
	live, past := clock.Now().Add(time.Hour), clock.Now().Add(-time.Minute)
	for _, step := range []error{
		s.Commit(ctx, "live", []byte("x"), live),
		s.Commit(ctx, "old", []byte("x"), past),
		s.Delete(ctx, "revoked"),
		s.AddUserSession(ctx, "alice", "live", live),
		s.AddUserSession(ctx, "alice", "old", past),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	if _, _, err := s.TryLock(ctx, "stale", time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute) // the lock's ttl runs out
	if _, _, err := s.TryLock(ctx, "held", time.Minute); err != nil {
		t.Fatal(err)
	}
	// A message enqueued just over store.OutboxRetention ago, and one just
	// under.
	for _, at := range []time.Duration{store.OutboxRetention + time.Second, store.OutboxRetention - time.Second} {
		if _, err := s.w.ExecContext(ctx, `INSERT INTO kakaologin_outbox (topic, payload, enqueued) VALUES ('q', x'', ?1)`,
			unixNanos(clock.Now().Add(-at))); err != nil {
			t.Fatal(err)
		}
	}
	// More expired rows than one cleanup statement deletes.
	if _, err := s.w.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		INSERT INTO kakaologin_sessions (token, data, expiry) SELECT CAST('bulk' || i AS BLOB), x'00', ?2 FROM n`,
		cleanupBatch+10, unixNanos(past)); err != nil {
		t.Fatal(err)
	}

	n, err := s.DeleteExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(cleanupBatch + 10 + 4); n != want {
		t.Errorf("DeleteExpired = %d rows, want %d", n, want)
	}
	for _, tt := range []struct {
		query string
		want  int64
	}{
		{`SELECT count(*) FROM kakaologin_sessions WHERE token = CAST('live' AS BLOB)`, 1},
		{`SELECT count(*) FROM kakaologin_sessions`, 1},
		{`SELECT count(*) FROM kakaologin_tombstones WHERE token = CAST('revoked' AS BLOB)`, 1},
		{`SELECT count(*) FROM kakaologin_tombstones`, 1},
		{`SELECT count(*) FROM kakaologin_user_sessions WHERE token = CAST('live' AS BLOB)`, 1},
		{`SELECT count(*) FROM kakaologin_user_sessions`, 1},
		{`SELECT count(*) FROM kakaologin_locks WHERE name = 'held'`, 1},
		{`SELECT count(*) FROM kakaologin_locks`, 1},
		{`SELECT count(*) FROM kakaologin_outbox`, 1},
	} {
		if got := s.queryInt(t, tt.query); got != tt.want {
			t.Errorf("%s = %d, want %d", tt.query, got, tt.want)
		}
	}
	// The revocation is kept until it expires, then cleaned up too.
	clock.Advance(2 * time.Hour)
	if n, err := s.DeleteExpired(ctx); err != nil || n != 5 {
		t.Errorf("DeleteExpired two hours later = %d, %v; want 5 (session, revocation, index entry, lock, message)", n, err)
	}
}

// The background cleanup runs on its own and stops with Close (TestMain
// checks with leaktest that no goroutine is left behind).
func TestBackgroundCleanupRunsAndStops(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	s, err := Open(t.Context(), path, WithCleanupInterval(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(t.Context(), "old", []byte("x"), time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.queryInt(t, `SELECT count(*) FROM kakaologin_sessions`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the background cleanup never deleted the expired session")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err == nil {
		t.Error("Ping after Close succeeded")
	}
}
