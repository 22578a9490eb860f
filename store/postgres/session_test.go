package postgres

import (
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// The tombstone lasts until the later of the session's expiry and
// now+RevocationTTL, and no longer.
func TestRevocationLastsUntilLaterOfExpiryAndTTL(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	long := time.Now().Add(3 * store.RevocationTTL).Truncate(time.Microsecond)
	if err := s.Commit(ctx, "long", []byte("x"), long); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, "short", []byte("x"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"long", "short", "unknown"} {
		if err := s.Delete(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if !s.queryBool(t, `SELECT expiry = $2 FROM {sessions} WHERE token = $1`, []byte("long"), long) {
		t.Error("tombstone of a long session does not last until the session's expiry")
	}
	for _, tok := range []string{"short", "unknown"} {
		// The statement's now() is not earlier than the Delete one's.
		if !s.queryBool(t, `SELECT expiry BETWEEN now() + $2::interval - interval '1 minute' AND now() + $2::interval
			FROM {sessions} WHERE token = $1`, []byte(tok), store.RevocationTTL) {
			t.Errorf("tombstone of %q does not last RevocationTTL", tok)
		}
	}

	// Once the tombstone has expired (moved into the past here rather
	// than waited for), the token may be used again.
	s.exec(t, `UPDATE {sessions} SET expiry = now() - interval '1 second' WHERE token = $1`, []byte("short"))
	if err := s.Commit(ctx, "short", []byte("new"), inHour()); err != nil {
		t.Fatalf("Commit after the revocation expired: %v", err)
	}
	if got, found, _ := s.Find(ctx, "short"); !found || string(got) != "new" {
		t.Errorf("Find = %q, %v; want new, true", got, found)
	}
}
