package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// sessionCases cover Find, Commit and Delete (a deleted token must not
// be found again).
var sessionCases = []testCase[store.Sessions]{
	{"find of an unknown token reports not found", func(t *testing.T, s store.Sessions) {
		mustMiss(t, testCtx(t), s, newNames(t).token("unknown"))
	}},
	{"commit then find returns the data", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		mustCommit(t, ctx, s, n.token("a"), []byte("hello"), inHour())
		if got := mustFind(t, ctx, s, n.token("a")); string(got) != "hello" {
			t.Errorf("Find = %q, want hello", got)
		}
	}},
	{"commit replaces the data", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		for _, v := range []string{"one", "two", "three"} {
			mustCommit(t, ctx, s, n.token("a"), []byte(v), inHour())
			if got := mustFind(t, ctx, s, n.token("a")); string(got) != v {
				t.Fatalf("after committing %q Find = %q", v, got)
			}
		}
	}},
	{"commit of nil data stores an empty session", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		mustCommit(t, ctx, s, n.token("nil"), nil, inHour())
		if got := mustFind(t, ctx, s, n.token("nil")); len(got) != 0 {
			t.Errorf("Find = %q, want empty", got)
		}
		mustCommit(t, ctx, s, n.token("empty"), []byte{}, inHour())
		if got := mustFind(t, ctx, s, n.token("empty")); len(got) != 0 {
			t.Errorf("Find = %q, want empty", got)
		}
	}},
	{"binary data with zero bytes round-trips", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		all := make([]byte, 512)
		for i := range all {
			all[i] = byte(i)
		}
		big := make([]byte, 256<<10)
		_, _ = rand.Read(big)
		tests := []struct {
			name string
			data []byte
		}{
			{"every byte value twice", all},
			{"only zero bytes", make([]byte, 100)},
			{"invalid UTF-8", []byte{0xff, 0xfe, 0xc3, 0x28, 0x00}},
			{"256 KiB of random bytes", big},
		}
		for _, tt := range tests {
			mustCommit(t, ctx, s, n.token(tt.name), tt.data, inHour())
			if got := mustFind(t, ctx, s, n.token(tt.name)); !bytes.Equal(got, tt.data) {
				t.Errorf("%s: Find returned %d bytes that differ from the %d committed", tt.name, len(got), len(tt.data))
			}
		}
	}},
	{"tokens are binary-safe and never collide", func(t *testing.T, s store.Sessions) {
		// Tokens are hashes made by the session layer, but a backend must
		// not depend on their alphabet: separators, NUL bytes and invalid
		// UTF-8 are all distinct tokens.
		ctx, n := testCtx(t), newNames(t)
		suffixes := []string{"", "a", "a\x00", "a\x00b", "a\x00c", "\xff\xfe", "a:b", "a:", "{a}", "a b", "세션", "A"}
		for i, sfx := range suffixes {
			mustCommit(t, ctx, s, n.token("bin")+sfx, []byte{byte(i)}, inHour())
		}
		for i, sfx := range suffixes {
			if got := mustFind(t, ctx, s, n.token("bin")+sfx); !bytes.Equal(got, []byte{byte(i)}) {
				t.Errorf("token suffix %q: Find = %v, want [%d]", sfx, got, i)
			}
		}
	}},
	{"stored data is not aliased by the caller's slices", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		b := []byte("original")
		mustCommit(t, ctx, s, n.token("a"), b, inHour())
		copy(b, "CHANGED!")
		got := mustFind(t, ctx, s, n.token("a"))
		if string(got) != "original" {
			t.Fatalf("after changing the committed slice Find = %q, want original", got)
		}
		copy(got, "CHANGED!")
		if again := mustFind(t, ctx, s, n.token("a")); string(again) != "original" {
			t.Errorf("after changing a found slice Find = %q, want original", again)
		}
	}},
	{"delete removes the data", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		mustCommit(t, ctx, s, n.token("a"), []byte("x"), inHour())
		mustCommit(t, ctx, s, n.token("b"), []byte("y"), inHour())
		if err := s.Delete(ctx, n.token("a")); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		mustMiss(t, ctx, s, n.token("a"))
		if got := mustFind(t, ctx, s, n.token("b")); string(got) != "y" {
			t.Errorf("other token: Find = %q, want y", got)
		}
	}},
	{"delete of an unknown or deleted token is not an error", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		for i := range 2 {
			if err := s.Delete(ctx, n.token("unknown")); err != nil {
				t.Fatalf("Delete #%d: %v", i+1, err)
			}
		}
		mustMiss(t, ctx, s, n.token("unknown"))
	}},
}

// revocationCases prove the revocation tombstones: a
// request that loaded a session before logout, unlink or revocation cannot
// bring it back by saving it afterwards.
var revocationCases = []testCase[store.Sessions]{
	{"commit after delete returns ErrRevoked and stores nothing", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		mustCommit(t, ctx, s, n.token("a"), []byte("x"), inHour())
		if err := s.Delete(ctx, n.token("a")); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		for i := range 2 {
			if err := s.Commit(ctx, n.token("a"), []byte("resurrected"), inHour()); !errors.Is(err, store.ErrRevoked) {
				t.Fatalf("Commit #%d after Delete: err = %v, want ErrRevoked", i+1, err)
			}
		}
		mustMiss(t, ctx, s, n.token("a"))
	}},
	{"compare-and-swap after delete returns ErrRevoked", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		mustCommit(t, ctx, s, n.token("a"), []byte("x"), inHour())
		if err := s.Delete(ctx, n.token("a")); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		for _, old := range [][]byte{nil, []byte("x"), []byte("other")} {
			ok, err := s.CompareAndSwap(ctx, n.token("a"), old, []byte("resurrected"), inHour())
			if ok || !errors.Is(err, store.ErrRevoked) {
				t.Errorf("CompareAndSwap(old=%q) after Delete = %v, %v; want false, ErrRevoked", old, ok, err)
			}
		}
		mustMiss(t, ctx, s, n.token("a"))
	}},
	{"delete of an unknown token revokes it", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		if err := s.Delete(ctx, n.token("a")); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if err := s.Commit(ctx, n.token("a"), []byte("x"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("Commit after Delete of an unknown token: err = %v, want ErrRevoked", err)
		}
		if ok, err := s.CompareAndSwap(ctx, n.token("a"), nil, []byte("x"), inHour()); ok || !errors.Is(err, store.ErrRevoked) {
			t.Errorf("CompareAndSwap = %v, %v; want false, ErrRevoked", ok, err)
		}
		mustMiss(t, ctx, s, n.token("a"))
	}},
	{"revoking one token leaves the others writable", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		if err := s.Delete(ctx, n.token("a")); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		for _, tok := range []string{n.token("b"), n.token("a") + "x", n.token("a")[:len(n.token("a"))-1]} {
			mustCommit(t, ctx, s, tok, []byte("x"), inHour())
			mustFind(t, ctx, s, tok)
		}
	}},
}

// casCases prove CompareAndSwap, which the token refresh relies on
// (one winner, the loser re-reads).
var casCases = []testCase[store.Sessions]{
	{"swaps only when the stored data matches", func(t *testing.T, s store.Sessions) {
		ctx := testCtx(t)
		tests := []struct {
			name     string
			setup    func(t *testing.T, n names) // stores the starting state of n.token("a")
			old, b   []byte
			want     bool
			wantData []byte // nil: not found afterwards
		}{
			{"nil old on an absent token stores", nil, nil, []byte("new"), true, []byte("new")},
			{"nil old on live data does not store", func(t *testing.T, n names) {
				mustCommit(t, ctx, s, n.token("a"), []byte("cur"), inHour())
			}, nil, []byte("new"), false, []byte("cur")},
			{"nil old on expired data stores", func(t *testing.T, n names) {
				mustCommit(t, ctx, s, n.token("a"), []byte("cur"), past())
			}, nil, []byte("new"), true, []byte("new")},
			{"equal old stores", func(t *testing.T, n names) {
				mustCommit(t, ctx, s, n.token("a"), []byte("cur"), inHour())
			}, []byte("cur"), []byte("new"), true, []byte("new")},
			{"different old does not store", func(t *testing.T, n names) {
				mustCommit(t, ctx, s, n.token("a"), []byte("cur"), inHour())
			}, []byte("other"), []byte("new"), false, []byte("cur")},
			{"a prefix of the data is not equal", func(t *testing.T, n names) {
				mustCommit(t, ctx, s, n.token("a"), []byte("cur"), inHour())
			}, []byte("cu"), []byte("new"), false, []byte("cur")},
			{"old differing only after a zero byte is not equal", func(t *testing.T, n names) {
				mustCommit(t, ctx, s, n.token("a"), []byte("c\x00a"), inHour())
			}, []byte("c\x00b"), []byte("new"), false, []byte("c\x00a")},
			{"non-nil old on an absent token does not store", nil, []byte("cur"), []byte("new"), false, nil},
			{"non-nil old on expired data does not store", func(t *testing.T, n names) {
				mustCommit(t, ctx, s, n.token("a"), []byte("cur"), past())
			}, []byte("cur"), []byte("new"), false, nil},
			{"empty old matches empty data", func(t *testing.T, n names) {
				mustCommit(t, ctx, s, n.token("a"), []byte{}, inHour())
			}, []byte{}, []byte("new"), true, []byte("new")},
			{"empty old does not match an absent token", nil, []byte{}, []byte("new"), false, nil},
			{"binary data compares byte for byte", func(t *testing.T, n names) {
				mustCommit(t, ctx, s, n.token("a"), []byte{0, 0xff, 0}, inHour())
			}, []byte{0, 0xff, 0}, []byte{1, 0, 1}, true, []byte{1, 0, 1}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n := newNames(t)
				if tt.setup != nil {
					tt.setup(t, n)
				}
				ok, err := s.CompareAndSwap(ctx, n.token("a"), tt.old, tt.b, inHour())
				if err != nil || ok != tt.want {
					t.Fatalf("CompareAndSwap = %v, %v; want %v, nil", ok, err, tt.want)
				}
				if tt.wantData == nil {
					mustMiss(t, ctx, s, n.token("a"))
					return
				}
				if got := mustFind(t, ctx, s, n.token("a")); !bytes.Equal(got, tt.wantData) {
					t.Errorf("Find = %q, want %q", got, tt.wantData)
				}
			})
		}
	}},
	{"exactly one of 100 concurrent creates wins", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		wins := make([]bool, 100)
		errs := make([]error, 100)
		parallel(100, func(i int) {
			wins[i], errs[i] = s.CompareAndSwap(ctx, n.token("a"), nil, []byte{byte(i)}, inHour())
		})
		winner := -1
		for i := range wins {
			if errs[i] != nil {
				t.Fatalf("goroutine %d: %v", i, errs[i])
			}
			if wins[i] {
				if winner >= 0 {
					t.Fatalf("goroutines %d and %d both created the session", winner, i)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Fatal("no goroutine created the session")
		}
		if got := mustFind(t, ctx, s, n.token("a")); !bytes.Equal(got, []byte{byte(winner)}) {
			t.Errorf("Find = %v, want the winner's [%d]", got, winner)
		}
	}},
	{"exactly one of 100 concurrent swaps wins each round", func(t *testing.T, s store.Sessions) {
		ctx, n := testCtx(t), newNames(t)
		tok := n.token("a")
		cur := []byte("round-0")
		mustCommit(t, ctx, s, tok, cur, inHour())
		for round := 1; round <= 5; round++ {
			wins := make([]bool, 100)
			errs := make([]error, 100)
			parallel(100, func(i int) {
				next := fmt.Appendf(nil, "round-%d-%d", round, i)
				wins[i], errs[i] = s.CompareAndSwap(ctx, tok, cur, next, inHour())
			})
			winner := -1
			for i := range wins {
				if errs[i] != nil {
					t.Fatalf("round %d, goroutine %d: %v", round, i, errs[i])
				}
				if wins[i] {
					if winner >= 0 {
						t.Fatalf("round %d: goroutines %d and %d both swapped", round, winner, i)
					}
					winner = i
				}
			}
			if winner < 0 {
				t.Fatalf("round %d: no goroutine swapped", round)
			}
			want := fmt.Appendf(nil, "round-%d-%d", round, winner)
			got := mustFind(t, ctx, s, tok)
			if !bytes.Equal(got, want) {
				t.Fatalf("round %d: Find = %q, want the winner's %q", round, got, want)
			}
			cur = got
		}
	}},
}

// mustCommit commits b for token or fails the test.
func mustCommit(t *testing.T, ctx context.Context, s store.Sessions, token string, b []byte, expiry time.Time) {
	t.Helper()
	if err := s.Commit(ctx, token, b, expiry); err != nil {
		t.Fatalf("Commit(%q): %v", token, err)
	}
}

// mustFind returns the live data of token, failing the test if it is not
// found.
func mustFind(t *testing.T, ctx context.Context, s store.Sessions, token string) []byte {
	t.Helper()
	b, found, err := s.Find(ctx, token)
	if err != nil {
		t.Fatalf("Find(%q): %v", token, err)
	}
	if !found {
		t.Fatalf("Find(%q): not found, want found", token)
	}
	// A found session's data is never nil, even when empty: callers pass
	// it back as CompareAndSwap's old, where nil means "only if absent",
	// so a nil here would make every refresh of an empty session lose.
	if b == nil {
		t.Fatalf("Find(%q): found with nil data, want a non-nil slice", token)
	}
	return b
}

// mustMiss fails the test unless token is unknown (nil, false, nil).
func mustMiss(t *testing.T, ctx context.Context, s store.Sessions, token string) {
	t.Helper()
	b, found, err := s.Find(ctx, token)
	if err != nil || found || b != nil {
		t.Fatalf("Find(%q) = %q, %v, %v; want nil, false, nil", token, b, found, err)
	}
}

// gone reports whether token is no longer found.
func gone(ctx context.Context, s store.Sessions, token string) func() (bool, error) {
	return func() (bool, error) {
		_, found, err := s.Find(ctx, token)
		return !found, err
	}
}
