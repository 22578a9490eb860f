package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// userCases cover the per-user session index behind logout-everywhere,
// unlink and Kakao's unlink callback.
var userCases = []testCase[store.SessionStore]{
	{"an unknown user has no sessions", func(t *testing.T, s store.SessionStore) {
		ctx, n := testCtx(t), newNames(t)
		got, err := s.UserSessions(ctx, n.user("nobody"))
		if err != nil || len(got) != 0 {
			t.Errorf("UserSessions = %q, %v; want none", got, err)
		}
		if c, err := s.RevokeUser(ctx, n.user("nobody")); err != nil || c != 0 {
			t.Errorf("RevokeUser = %d, %v; want 0, nil", c, err)
		}
	}},
	{"lists the added sessions once each", func(t *testing.T, s store.SessionStore) {
		ctx, n := testCtx(t), newNames(t)
		u := n.user("u")
		want := []string{n.token("1"), n.token("2"), n.token("3")}
		for _, tok := range want {
			mustAdd(t, ctx, s, u, tok, inHour())
		}
		mustAdd(t, ctx, s, u, want[0], inHour().Add(time.Minute)) // again: no duplicate
		wantSessions(t, ctx, s, u, want...)
		wantSessions(t, ctx, s, n.user("other"))
	}},
	{"adding a pair again never shortens its expiry", func(t *testing.T, s store.SessionStore) {
		ctx, n := testCtx(t), newNames(t)
		u := n.user("u")
		mustAdd(t, ctx, s, u, n.token("1"), inHour())
		mustAdd(t, ctx, s, u, n.token("1"), past())
		wantSessions(t, ctx, s, u, n.token("1"))
	}},
	{"remove forgets one token", func(t *testing.T, s store.SessionStore) {
		ctx, n := testCtx(t), newNames(t)
		u := n.user("u")
		for _, tok := range []string{n.token("1"), n.token("2")} {
			mustAdd(t, ctx, s, u, tok, inHour())
		}
		if err := s.RemoveUserSession(ctx, u, n.token("1")); err != nil {
			t.Fatalf("RemoveUserSession: %v", err)
		}
		wantSessions(t, ctx, s, u, n.token("2"))
		for _, pair := range [][2]string{{u, n.token("1")}, {u, n.token("unknown")}, {n.user("unknown"), n.token("2")}} {
			if err := s.RemoveUserSession(ctx, pair[0], pair[1]); err != nil {
				t.Errorf("RemoveUserSession(%q, %q) of an unknown pair: %v", pair[0], pair[1], err)
			}
		}
		wantSessions(t, ctx, s, u, n.token("2"))
	}},
	{"revoke user ends every session and blocks re-commit", func(t *testing.T, s store.SessionStore) {
		ctx, n := testCtx(t), newNames(t)
		u, other := n.user("u"), n.user("other")
		toks := []string{n.token("1"), n.token("2"), n.token("3")}
		for _, tok := range toks {
			mustCommit(t, ctx, s, tok, []byte("logged in"), inHour())
			mustAdd(t, ctx, s, u, tok, inHour())
		}
		mustCommit(t, ctx, s, n.token("other"), []byte("x"), inHour())
		mustAdd(t, ctx, s, other, n.token("other"), inHour())

		c, err := s.RevokeUser(ctx, u)
		if err != nil || c != 3 {
			t.Fatalf("RevokeUser = %d, %v; want 3, nil", c, err)
		}
		for _, tok := range toks {
			mustMiss(t, ctx, s, tok)
			// An in-flight request that loaded the session must not save
			// it back.
			if err := s.Commit(ctx, tok, []byte("resurrected"), inHour()); !errors.Is(err, store.ErrRevoked) {
				t.Errorf("Commit after RevokeUser: err = %v, want ErrRevoked", err)
			}
			if ok, err := s.CompareAndSwap(ctx, tok, []byte("logged in"), []byte("x"), inHour()); ok || !errors.Is(err, store.ErrRevoked) {
				t.Errorf("CompareAndSwap after RevokeUser = %v, %v; want false, ErrRevoked", ok, err)
			}
		}
		wantSessions(t, ctx, s, u)
		if c, err := s.RevokeUser(ctx, u); err != nil || c != 0 {
			t.Errorf("second RevokeUser = %d, %v; want 0, nil", c, err)
		}
		mustFind(t, ctx, s, n.token("other"))
		wantSessions(t, ctx, s, other, n.token("other"))
	}},
	{"revoke user revokes indexed tokens that hold no session yet", func(t *testing.T, s store.SessionStore) {
		// The index entry is written at login, possibly before the
		// session's first commit finishes.
		ctx, n := testCtx(t), newNames(t)
		u := n.user("u")
		mustAdd(t, ctx, s, u, n.token("pending"), inHour())
		if _, err := s.RevokeUser(ctx, u); err != nil {
			t.Fatalf("RevokeUser: %v", err)
		}
		if err := s.Commit(ctx, n.token("pending"), []byte("x"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("Commit of a revoked pending token: err = %v, want ErrRevoked", err)
		}
	}},
	{"revoke user touches only that user's sessions among 1000 others", func(t *testing.T, s store.SessionStore) {
		// RevokeUser must cost O(that user's sessions): it may not
		// scan, and certainly not end, anyone else's sessions. Checked by
		// result, not timing, so it holds on slow servers too.
		ctx, n := testCtx(t), newNames(t)
		const others, perUser = 1000, 10
		var wg sync.WaitGroup
		errs := make(chan error, others)
		sem := make(chan struct{}, 16)
		for i := range others {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				tok := n.token(fmt.Sprint("other-", i))
				if err := s.Commit(ctx, tok, []byte("x"), inHour()); err != nil {
					errs <- err
					return
				}
				if err := s.AddUserSession(ctx, n.user(fmt.Sprint("other-", i%(others/perUser))), tok, inHour()); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("setting up the other sessions: %v", err)
		}
		u := n.user("target")
		for i := range 3 {
			tok := n.token(fmt.Sprint("target-", i))
			mustCommit(t, ctx, s, tok, []byte("x"), inHour())
			mustAdd(t, ctx, s, u, tok, inHour())
		}
		if c, err := s.RevokeUser(ctx, u); err != nil || c != 3 {
			t.Fatalf("RevokeUser = %d, %v; want 3, nil", c, err)
		}
		for i := range others / perUser {
			got, err := s.UserSessions(ctx, n.user(fmt.Sprint("other-", i)))
			if err != nil || len(got) != perUser {
				t.Fatalf("other user %d: UserSessions has %d entries, err %v; want %d", i, len(got), err, perUser)
			}
		}
		for i := range others {
			if _, found, err := s.Find(ctx, n.token(fmt.Sprint("other-", i))); err != nil || !found {
				t.Fatalf("other session %d: found %v, err %v; want found", i, found, err)
			}
		}
	}},
	{"user names and tokens with separators do not collide", func(t *testing.T, s store.SessionStore) {
		// Backends that build keys by concatenation must escape or
		// length-prefix, or "a:b"+"c" would meet "a"+"b:c". User IDs come
		// from the host app and may be any UTF-8 text without NUL (the
		// postgres backend keeps them as text); tokens may be any bytes.
		ctx, n := testCtx(t), newNames(t)
		pairs := [][2]string{
			{n.user("a:b"), "c"},
			{n.user("a"), "b:c"},
			{n.user("a:b:c"), ""},
			{n.user("{a}"), "x"},
			{n.user("a"), "\x00b:c"},
		}
		for _, p := range pairs {
			mustAdd(t, ctx, s, p[0], n.token(p[1]), inHour())
		}
		want := map[string][]string{}
		for _, p := range pairs {
			want[p[0]] = append(want[p[0]], n.token(p[1]))
		}
		for u, toks := range want {
			wantSessions(t, ctx, s, u, toks...)
		}
	}},
}

// mustAdd records token under user or fails the test.
func mustAdd(t *testing.T, ctx context.Context, s store.UserIndex, user, token string, expiry time.Time) {
	t.Helper()
	if err := s.AddUserSession(ctx, user, token, expiry); err != nil {
		t.Fatalf("AddUserSession(%q, %q): %v", user, token, err)
	}
}

// wantSessions fails the test unless UserSessions(user) lists exactly want,
// in any order.
func wantSessions(t *testing.T, ctx context.Context, s store.UserIndex, user string, want ...string) {
	t.Helper()
	got, err := s.UserSessions(ctx, user)
	if err != nil {
		t.Fatalf("UserSessions(%q): %v", user, err)
	}
	got = slices.Clone(got)
	want = slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("UserSessions(%q) = %q, want %q", user, got, want)
	}
}
