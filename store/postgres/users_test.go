package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestUserIndexAddListRemove(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	add := func(user, token string, expiry time.Time) {
		t.Helper()
		if err := s.AddUserSession(ctx, user, token, expiry); err != nil {
			t.Fatalf("AddUserSession: %v", err)
		}
	}
	add("alice", "a1", inHour())
	add("alice", "a2", inHour())
	add("alice", "a-old", time.Now().Add(-time.Second))
	add("bob", "b1", inHour())
	add("alice", "a1", inHour()) // again: no duplicate

	assertTokens(t, s, "alice", "a1", "a2")
	assertTokens(t, s, "bob", "b1")
	assertTokens(t, s, "carol")

	if err := s.RemoveUserSession(ctx, "alice", "a1"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveUserSession(ctx, "alice", "never-added"); err != nil {
		t.Errorf("RemoveUserSession of an unknown pair: %v", err)
	}
	assertTokens(t, s, "alice", "a2")
}

func TestAddUserSessionAgainOnlyExtends(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	if err := s.AddUserSession(ctx, "alice", "a1", inHour()); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserSession(ctx, "alice", "a1", time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	assertTokens(t, s, "alice", "a1")
}

// C61, C83: RevokeUser ends every session of the user and nobody else's.
func TestRevokeUserEndsEverySessionOfThatUserOnly(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	for _, us := range [][2]string{{"alice", "a1"}, {"alice", "a2"}, {"bob", "b1"}} {
		if err := s.CommitCtx(ctx, us[1], []byte("data"), inHour()); err != nil {
			t.Fatal(err)
		}
		if err := s.AddUserSession(ctx, us[0], us[1], inHour()); err != nil {
			t.Fatal(err)
		}
	}
	// An index entry whose session was never saved is revoked all the same.
	if err := s.AddUserSession(ctx, "alice", "a-unsaved", inHour()); err != nil {
		t.Fatal(err)
	}

	n, err := s.RevokeUser(ctx, "alice")
	if err != nil || n != 3 {
		t.Fatalf("RevokeUser = %d, %v; want 3, nil", n, err)
	}
	assertTokens(t, s, "alice")
	for _, tok := range []string{"a1", "a2", "a-unsaved"} {
		if _, found, _ := s.FindCtx(ctx, tok); found {
			t.Errorf("session %s still found", tok)
		}
		if err := s.CommitCtx(ctx, tok, []byte("back"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("CommitCtx(%s) after RevokeUser: err = %v, want ErrRevoked", tok, err)
		}
	}
	if _, found, _ := s.FindCtx(ctx, "b1"); !found {
		t.Error("bob's session was ended too")
	}
	assertTokens(t, s, "bob", "b1")

	if n, err := s.RevokeUser(ctx, "alice"); err != nil || n != 0 {
		t.Errorf("RevokeUser again = %d, %v; want 0, nil", n, err)
	}
	if n, err := s.RevokeUser(ctx, "nobody"); err != nil || n != 0 {
		t.Errorf("RevokeUser of an unknown user = %d, %v; want 0, nil", n, err)
	}
}

func TestRevokeUserKeepsTheLongerSessionExpiry(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	long := time.Now().Add(5 * store.RevocationTTL).Truncate(time.Microsecond)
	if err := s.CommitCtx(ctx, "a1", []byte("x"), long); err != nil {
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

func assertTokens(t *testing.T, s *Store, user string, want ...string) {
	t.Helper()
	got, err := s.UserSessions(context.Background(), user)
	if err != nil {
		t.Fatalf("UserSessions(%s): %v", user, err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("UserSessions(%s) = %q, want %q", user, got, want)
	}
}
