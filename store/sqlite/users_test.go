package sqlite

import (
	"strings"
	"testing"
)

// RevokeUser's cost grows with the user's sessions, never with the store:
// SQLite's plan for each of its statements looks rows up by key and scans
// no table.
func TestRevokeUserStatementsUseKeysNotScans(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	for _, q := range []string{sqlRevokeUserTombstones, sqlRevokeUserSessions, sqlRevokeUserCount, sqlRevokeUserIndex, sqlUserSessions} {
		rows, err := s.w.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, "alice", int64(0))
		if err != nil {
			t.Fatalf("EXPLAIN %q: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") {
				t.Errorf("plan of %q scans a table:\n%s", q, strings.Join(plan, "\n"))
			}
		}
	}
}
