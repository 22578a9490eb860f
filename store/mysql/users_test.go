package mysql

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestRevokeUserKeepsTheLongerSessionExpiry(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	long := time.Now().Add(5 * store.RevocationTTL).UTC().Truncate(time.Microsecond)
	if err := s.Commit(ctx, "a1", []byte("x"), long); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserSession(ctx, "alice", "a1", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if !s.queryBool(t, `SELECT revoked AND data IS NULL AND expiry = ? FROM {sessions} WHERE token = ?`, long, []byte("a1")) {
		t.Error("revocation of a1 does not last until the session's own expiry")
	}
}

// RevokeUser of a user with more sessions than one statement tombstones
// ends them all.
func TestRevokeUserOfManySessions(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	var rows []string
	n := revokeBatch*2 + 3
	for i := range n {
		rows = append(rows, fmt.Sprintf("('many', 'tok%d', {now} + INTERVAL 1 HOUR)", i))
	}
	s.exec(t, `INSERT INTO {user_sessions} (user_id, token, expiry) VALUES `+strings.Join(rows, ", "))
	got, err := s.RevokeUser(ctx, "many")
	if err != nil || got != n {
		t.Fatalf("RevokeUser = %d, %v; want %d, nil", got, err, n)
	}
	if s.queryBool(t, `SELECT EXISTS (SELECT 1 FROM {user_sessions})`) {
		t.Error("index entries left after RevokeUser")
	}
	if !s.queryBool(t, `SELECT COUNT(*) = ? FROM {sessions} WHERE revoked AND data IS NULL`, n) {
		t.Error("not every token was tombstoned")
	}
}

// RevokeUser must cost O(that user's sessions): with many other users in
// the index, MySQL must read the user's index rows by primary key, never
// scan the table.
func TestRevokeUserDoesNotScanOtherUsers(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	var rows []string
	for i := range 5000 {
		rows = append(rows, fmt.Sprintf("('user%d', 'tok%d', {now} + INTERVAL 1 HOUR)", i, i))
	}
	s.exec(t, `INSERT INTO {user_sessions} (user_id, token, expiry) VALUES `+strings.Join(rows, ", "))
	s.exec(t, `ANALYZE TABLE {user_sessions}`)

	r, err := s.db.QueryContext(t.Context(), "EXPLAIN "+s.q.revokeUserSelect, []byte("user42"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols, err := r.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var plan []map[string]string
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for i, c := range cols {
			row[c] = fmt.Sprintf("%s", vals[i])
		}
		plan = append(plan, row)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || plan[0]["type"] == "ALL" || plan[0]["key"] != "PRIMARY" {
		t.Errorf("RevokeUser's read of the index scans the table: %v", plan)
	}
	if n, err := s.RevokeUser(t.Context(), "user42"); err != nil || n != 1 {
		t.Errorf("RevokeUser = %d, %v; want 1, nil", n, err)
	}
}
