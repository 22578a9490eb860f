package mysql

import (
	"errors"
	"strings"
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
	long := time.Now().Add(3 * store.RevocationTTL).UTC().Truncate(time.Microsecond)
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
	if !s.queryBool(t, `SELECT expiry = ? FROM {sessions} WHERE token = ?`, long, []byte("long")) {
		t.Error("tombstone of a long session does not last until the session's expiry")
	}
	ttl := int64(store.RevocationTTL / time.Second)
	for _, tok := range []string{"short", "unknown"} {
		if !s.queryBool(t, `SELECT TIMESTAMPDIFF(SECOND, {now}, expiry) BETWEEN ? - 60 AND ? FROM {sessions} WHERE token = ?`,
			ttl, ttl, []byte(tok)) {
			t.Errorf("tombstone of %q does not last RevocationTTL", tok)
		}
	}

	// Once the tombstone has expired (moved into the past here rather
	// than waited for), the token may be used again.
	s.exec(t, `UPDATE {sessions} SET expiry = {now} - INTERVAL 1 SECOND WHERE token = ?`, []byte("short"))
	if err := s.Commit(ctx, "short", []byte("new"), inHour()); err != nil {
		t.Fatalf("Commit after the revocation expired: %v", err)
	}
	if got, found, _ := s.Find(ctx, "short"); !found || string(got) != "new" {
		t.Errorf("Find = %q, %v; want new, true", got, found)
	}
}

// Writing a session again with the very same data and expiry changes no
// column but the version: it is a write, not a refusal taken for a
// revocation.
func TestCommitOfUnchangedSessionIsNoRevocation(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	exp := inHour()
	for i := range 3 {
		if err := s.Commit(ctx, "same", []byte("x"), exp); err != nil {
			t.Fatalf("Commit %d of the same data and expiry: %v", i+1, err)
		}
	}
	for i := range 3 {
		ok, err := s.CompareAndSwap(ctx, "same", []byte("x"), []byte("x"), exp)
		if err != nil || !ok {
			t.Fatalf("CompareAndSwap %d of the same data and expiry = %v, %v; want true, nil", i+1, ok, err)
		}
	}
	if err := s.AddUserSession(ctx, "u", "same", exp); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserSession(ctx, "u", "same", exp); err != nil {
		t.Fatalf("AddUserSession of the same pair and expiry: %v", err)
	}
}

// Keys longer than their column are refused with a clear error, never cut
// short into another key.
func TestKeysLongerThanTheColumnAreRefused(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	long := strings.Repeat("k", maxKeyLen+1)
	fits := strings.Repeat("k", maxKeyLen)
	if err := s.Commit(ctx, fits, []byte("x"), inHour()); err != nil {
		t.Fatalf("Commit of a %d-byte token: %v", maxKeyLen, err)
	}
	calls := map[string]error{
		"Commit":         s.Commit(ctx, long, []byte("x"), inHour()),
		"Delete":         s.Delete(ctx, long),
		"AddUserSession": s.AddUserSession(ctx, long, "tok", inHour()),
	}
	_, _, calls["Find"] = s.Find(ctx, long)
	_, calls["CompareAndSwap"] = s.CompareAndSwap(ctx, long, nil, []byte("x"), inHour())
	_, _, calls["TryLock"] = s.TryLock(ctx, long, time.Minute)
	_, calls["Link"] = s.Links().Link(ctx, store.Link{KakaoID: 1, UserID: long})
	_, calls["Enqueue"] = s.Enqueue(ctx, long, nil)
	for name, err := range calls {
		if err == nil || !strings.Contains(err.Error(), "longer than") || errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with a %d-byte key: err = %v, want a plain error saying it is too long", name, len(long), err)
		}
	}
	if _, found, err := s.Find(ctx, fits); err != nil || !found {
		t.Errorf("Find of the %d-byte token = %v, %v; want found", maxKeyLen, found, err)
	}
}
