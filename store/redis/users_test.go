package redis

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestUserSessionIndex(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	add := func(user, tok string, expiry time.Time) {
		t.Helper()
		if err := s.AddUserSession(ctx, user, tok, expiry); err != nil {
			t.Fatal(err)
		}
	}
	list := func(user string) []string {
		t.Helper()
		toks, err := s.UserSessions(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(toks)
		return toks
	}
	add("alice", "a1", inHour())
	add("alice", "a2", inHour())
	add("alice", "{a3}", inHour())
	add("alice", "a-old", time.Now().Add(-time.Minute))
	add("bob", "b1", inHour())
	if got, want := list("alice"), []string{"a1", "a2", "{a3}"}; !slices.Equal(got, want) {
		t.Errorf("UserSessions(alice) = %q, want %q", got, want)
	}
	if err := s.RemoveUserSession(ctx, "alice", "a2"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveUserSession(ctx, "alice", "unknown"); err != nil {
		t.Errorf("removing an unknown pair: %v", err)
	}
	if err := s.RemoveUserSession(ctx, "nobody", "a1"); err != nil {
		t.Errorf("removing from an unknown user: %v", err)
	}
	if got, want := list("alice"), []string{"a1", "{a3}"}; !slices.Equal(got, want) {
		t.Errorf("UserSessions(alice) after remove = %q, want %q", got, want)
	}
	if got := list("nobody"); len(got) != 0 {
		t.Errorf("UserSessions(nobody) = %q, want none", got)
	}
	// The expired entry was dropped, not just hidden.
	if n, err := s.raw(t).ZCard(ctx, s.k.user("alice")).Result(); err != nil || n != 2 {
		t.Errorf("index holds %d entries, %v; want 2", n, err)
	}
}

// Adding a pair again only ever extends it; the index key lives as long
// as its latest entry.
func TestAddUserSessionKeepsTheLaterExpiry(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	r := s.raw(t)
	later := time.Now().Add(3 * time.Hour)
	for _, e := range []time.Time{inHour(), later, inHour()} {
		if err := s.AddUserSession(ctx, "alice", "tok", e); err != nil {
			t.Fatal(err)
		}
	}
	key := s.k.user("alice")
	if score, err := r.ZScore(ctx, key, "tok").Result(); err != nil || int64(score) != later.UnixMilli() {
		t.Errorf("score = %v, %v; want %d", int64(score), err, later.UnixMilli())
	}
	if ttl, err := r.PTTL(ctx, key).Result(); err != nil || !about(ttl, time.Until(later)) {
		t.Errorf("index PTTL = %v, %v; want about %v", ttl, err, time.Until(later))
	}
	// An entry that expires makes its user's index go away with it.
	if err := s.AddUserSession(ctx, "carol", "tok", time.Now().Add(50*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond)
	if n, err := r.Exists(ctx, s.k.user("carol")).Result(); err != nil || n != 0 {
		t.Errorf("expired index still exists: %d, %v", n, err)
	}
}

// C61, C77: RevokeUser ends every session of the user, and only those,
// clears the index and counts the live entries.
func TestRevokeUser(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	sessions := map[string][]string{"alice": {"a1", "a2", "{a3}"}, "bob": {"b1"}}
	for user, toks := range sessions {
		for _, tok := range toks {
			if err := s.Commit(ctx, tok, []byte("data"), inHour()); err != nil {
				t.Fatal(err)
			}
			if err := s.AddUserSession(ctx, user, tok, inHour()); err != nil {
				t.Fatal(err)
			}
		}
	}
	// An index entry whose session ended long ago counts for nothing.
	if err := s.raw(t).ZAdd(ctx, s.k.user("alice"), zmember(time.Now().Add(-time.Hour), "a-old")).Err(); err != nil {
		t.Fatal(err)
	}
	n, err := s.RevokeUser(ctx, "alice")
	if err != nil || n != 3 {
		t.Fatalf("RevokeUser = %d, %v; want 3, nil", n, err)
	}
	for _, tok := range append(sessions["alice"], "a-old") {
		if _, found, err := s.Find(ctx, tok); err != nil || found {
			t.Errorf("Find(%s) = %v, %v; want not found", tok, found, err)
		}
		if err := s.Commit(ctx, tok, []byte("back"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("Commit(%s): err = %v, want ErrRevoked", tok, err)
		}
	}
	if toks, err := s.UserSessions(ctx, "alice"); err != nil || len(toks) != 0 {
		t.Errorf("UserSessions(alice) = %q, %v; want none", toks, err)
	}
	if _, found, err := s.Find(ctx, "b1"); err != nil || !found {
		t.Errorf("bob's session was ended too: %v, %v", found, err)
	}
	if n, err := s.RevokeUser(ctx, "alice"); err != nil || n != 0 {
		t.Errorf("second RevokeUser = %d, %v; want 0, nil", n, err)
	}
	if n, err := s.RevokeUser(ctx, "nobody"); err != nil || n != 0 {
		t.Errorf("RevokeUser(nobody) = %d, %v; want 0, nil", n, err)
	}
}

// A session the index says lives longer than RevocationTTL stays revoked
// that long, even when its data key was already gone.
func TestRevokeUserTombstoneCoversTheIndexExpiry(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	expiry := time.Now().Add(6 * time.Hour)
	if err := s.AddUserSession(ctx, "alice", "tok", expiry); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	_, tomb := s.k.session("tok")
	ttl, err := s.raw(t).PTTL(ctx, tomb).Result()
	if err != nil || ttl < 6*time.Hour-time.Minute {
		t.Errorf("tombstone PTTL = %v, %v; want about 6h", ttl, err)
	}
}

// Sessions added while RevokeUser runs are not dropped from the index
// unrevoked: either they are ended, or they stay listed.
func TestRevokeUserRacingAddUserSession(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	for i := range 20 {
		tok := "old-" + string(rune('a'+i))
		if err := s.AddUserSession(ctx, "alice", tok, inHour()); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	added := make([]string, 20)
	for i := range added {
		added[i] = "new-" + string(rune('a'+i))
		wg.Go(func() {
			if err := s.Commit(ctx, added[i], []byte("x"), inHour()); err != nil && !errors.Is(err, store.ErrRevoked) {
				t.Error(err)
			}
			if err := s.AddUserSession(ctx, "alice", added[i], inHour()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Go(func() {
		if _, err := s.RevokeUser(ctx, "alice"); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	listed, err := s.UserSessions(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range added {
		_, tomb := s.k.session(tok)
		revoked, err := s.raw(t).Exists(ctx, tomb).Result()
		if err != nil {
			t.Fatal(err)
		}
		if revoked == 0 && !slices.Contains(listed, tok) {
			t.Errorf("%s is neither revoked nor in the index", tok)
		}
	}
}
