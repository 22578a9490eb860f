package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestRevokeUserKeepsTheLongerSessionExpiry(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	long := time.Now().Add(5 * store.RevocationTTL).Truncate(time.Microsecond)
	if err := s.Commit(ctx, "a1", []byte("x"), long); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserSession(ctx, "alice", "a1", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if !s.queryBool(t, `SELECT revoked AND data IS NULL AND expiry = $2 FROM {sessions} WHERE token = $1`, []byte("a1"), long) {
		t.Error("revocation of a1 does not last until the session's own expiry")
	}
}

// RevokeUser must cost O(that user's sessions): with many other users in
// the index, PostgreSQL must plan it as primary-key lookups, never a scan.
func TestRevokeUserDoesNotScanOtherUsers(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	s.exec(t, `INSERT INTO {user_sessions} (user_id, token, expiry)
		SELECT 'user' || i, convert_to('tok' || i, 'UTF8'), now() + interval '1 hour' FROM generate_series(1, 20000) AS i`)
	s.exec(t, `INSERT INTO {sessions} (token, data, expiry)
		SELECT convert_to('tok' || i, 'UTF8'), 'x', now() + interval '1 hour' FROM generate_series(1, 20000) AS i`)
	s.exec(t, `ANALYZE {user_sessions}`)
	s.exec(t, `ANALYZE {sessions}`)

	rows, err := s.pool.Query(t.Context(), "EXPLAIN "+s.q.revokeUser, "user42")
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if strings.Contains(text, "Seq Scan") || !strings.Contains(text, "Index") {
		t.Errorf("RevokeUser plan scans a table:\n%s", text)
	}
	if n, err := s.RevokeUser(t.Context(), "user42"); err != nil || n != 1 {
		t.Errorf("RevokeUser = %d, %v; want 1, nil", n, err)
	}
}
