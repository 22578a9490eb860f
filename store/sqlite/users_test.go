package sqlite

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestUserSessionIndex(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := openTest(t, WithClock(clock.Now))
	ctx := t.Context()
	soon, later := clock.Now().Add(time.Minute), clock.Now().Add(time.Hour)
	for _, step := range []error{
		s.AddUserSession(ctx, "alice", "a1", soon),
		s.AddUserSession(ctx, "alice", "a2", later),
		s.AddUserSession(ctx, "alice", "a3", later),
		s.AddUserSession(ctx, "bob", "b1", later),
		s.RemoveUserSession(ctx, "alice", "a3"),
		s.RemoveUserSession(ctx, "alice", "never-added"),
		// Adding again with a sooner expiry keeps the later one.
		s.AddUserSession(ctx, "alice", "a2", soon),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	check := func(user string, want ...string) {
		t.Helper()
		got, err := s.UserSessions(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("UserSessions(%s) = %q, want %q", user, got, want)
		}
	}
	check("alice", "a1", "a2")
	check("bob", "b1")
	check("nobody")
	clock.Add(2 * time.Minute)
	check("alice", "a2")
	// Re-adding extends an expired entry.
	if err := s.AddUserSession(ctx, "alice", "a1", later); err != nil {
		t.Fatal(err)
	}
	check("alice", "a1", "a2")
}

// C61: RevokeUser ends every indexed session of the user and no other.
func TestRevokeUserEndsOnlyThatUsersSessions(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := openTest(t, WithClock(clock.Now))
	ctx := t.Context()
	live := clock.Now().Add(time.Hour)
	for _, tok := range []string{"a1", "a2", "b1"} {
		if err := s.CommitCtx(ctx, tok, []byte("v"), live); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []error{
		s.AddUserSession(ctx, "alice", "a1", live),
		s.AddUserSession(ctx, "alice", "a2", live),
		s.AddUserSession(ctx, "alice", "a-stale", clock.Now().Add(-time.Second)),
		s.AddUserSession(ctx, "bob", "b1", live),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	n, err := s.RevokeUser(ctx, "alice")
	if err != nil || n != 2 {
		t.Fatalf("RevokeUser = %d, %v; want 2, nil", n, err)
	}
	for _, tok := range []string{"a1", "a2", "a-stale"} {
		if _, found, _ := s.FindCtx(ctx, tok); found {
			t.Errorf("%s still found after RevokeUser", tok)
		}
		if err := s.CommitCtx(ctx, tok, []byte("back"), live); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("CommitCtx(%s) after RevokeUser: err = %v, want ErrRevoked", tok, err)
		}
	}
	if _, found, _ := s.FindCtx(ctx, "b1"); !found {
		t.Error("bob's session ended by revoking alice")
	}
	if toks, _ := s.UserSessions(ctx, "alice"); len(toks) != 0 {
		t.Errorf("alice's index still holds %q", toks)
	}
	if n, err := s.RevokeUser(ctx, "alice"); err != nil || n != 0 {
		t.Errorf("second RevokeUser = %d, %v; want 0, nil", n, err)
	}
	// The revocation outlives the session's own expiry only by the TTL rule.
	clock.Add(time.Hour + store.RevocationTTL)
	if err := s.CommitCtx(ctx, "a1", []byte("new"), clock.Now().Add(time.Hour)); err != nil {
		t.Errorf("CommitCtx after the revocation ended: %v", err)
	}
}

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
