package redis

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Tokens that cannot be a hash tag as they are (empty, or with a brace)
// are stored under hex-encoded keys, and still round-trip.
func TestFindReturnsWhatCommitStored(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	tests := []struct {
		name  string
		token string
		data  []byte
		want  []byte
	}{
		{"token with braces", "a}b{c", []byte("braces"), []byte("braces")},
		{"token that is only braces", "{}", []byte{0, 0xff, '{', '}'}, []byte{0, 0xff, '{', '}'}},
		{"empty token", "", []byte("empty token"), []byte("empty token")},
		{"binary token", "\x00\xff\x01", []byte("bin"), []byte("bin")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Commit(ctx, tt.token, tt.data, inHour()); err != nil {
				t.Fatal(err)
			}
			got, found, err := s.Find(ctx, tt.token)
			if err != nil || !found || got == nil || !bytes.Equal(got, tt.want) {
				t.Errorf("Find = %q (nil %v), %v, %v; want %q", got, got == nil, found, err, tt.want)
			}
		})
	}
}

// Redis expires the key itself at the session's expiry (PEXPIREAT).
func TestSessionsExpire(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	tests := []struct {
		name   string
		expiry time.Time
		wait   time.Duration
	}{
		{"expiry in the past", time.Now().Add(-time.Minute), 0},
		{"zero expiry", time.Time{}, 0},
		{"expiry reached", time.Now().Add(100 * time.Millisecond), 250 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := "tok-" + tt.name
			if err := s.Commit(ctx, tok, []byte("x"), inHour()); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx, tok, []byte("y"), tt.expiry); err != nil {
				t.Fatal(err)
			}
			time.Sleep(tt.wait)
			if b, found, err := s.Find(ctx, tok); err != nil || found {
				t.Errorf("Find after expiry = %q, %v, %v; want not found", b, found, err)
			}
		})
	}
	// The key carries the session's expiry as its TTL.
	expiry := time.Now().Add(90 * time.Minute)
	if err := s.Commit(ctx, "tok-ttl", []byte("x"), expiry); err != nil {
		t.Fatal(err)
	}
	data, _ := s.k.session("tok-ttl")
	if ttl, err := s.raw(t).PTTL(ctx, data).Result(); err != nil || !about(ttl, time.Until(expiry)) {
		t.Errorf("PTTL = %v, %v; want about %v", ttl, err, time.Until(expiry))
	}
}

// C58, C60, R18: once deleted, a token cannot be written again, by Commit
// or by CompareAndSwap, whatever old is: a request that loaded the
// session before the logout cannot bring it back.
func TestDeletedTokenStaysRevoked(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	writes := []struct {
		name  string
		write func(tok string, loaded []byte) error
	}{
		{"Commit", func(tok string, loaded []byte) error {
			return s.Commit(ctx, tok, loaded, inHour())
		}},
		{"CompareAndSwap with the loaded data", func(tok string, loaded []byte) error {
			_, err := s.CompareAndSwap(ctx, tok, loaded, []byte("new"), inHour())
			return err
		}},
		{"CompareAndSwap with nil old", func(tok string, _ []byte) error {
			_, err := s.CompareAndSwap(ctx, tok, nil, []byte("new"), inHour())
			return err
		}},
	}
	for _, w := range writes {
		for _, tok := range []string{"{}" + w.name, "}" + w.name} { // hex-encoded keys
			t.Run(w.name+" on "+tok, func(t *testing.T) {
				if err := s.Commit(ctx, tok, []byte("session"), inHour()); err != nil {
					t.Fatal(err)
				}
				loaded, _, _ := s.Find(ctx, tok) // slow request R1 loads
				if err := s.Delete(ctx, tok); err != nil {
					t.Fatal(err)
				}
				if err := w.write(tok, loaded); !errors.Is(err, store.ErrRevoked) {
					t.Errorf("write after delete: err = %v, want ErrRevoked", err)
				}
				if b, found, err := s.Find(ctx, tok); err != nil || found {
					t.Errorf("Find after delete = %q, %v, %v; want not found", b, found, err)
				}
			})
		}
	}
}

// The tombstone lasts the later of the session's own expiry and
// RevocationTTL, and a second delete never shortens it.
func TestTombstoneLifetime(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	r := s.raw(t)
	tests := []struct {
		name    string
		expiry  time.Time // zero: no session stored
		wantMin time.Duration
	}{
		{"unknown token", time.Time{}, store.RevocationTTL - time.Minute},
		{"session ending sooner", time.Now().Add(10 * time.Minute), store.RevocationTTL - time.Minute},
		{"session ending later", time.Now().Add(5 * time.Hour), 5*time.Hour - time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := "tok-" + tt.name
			if !tt.expiry.IsZero() {
				if err := s.Commit(ctx, tok, []byte("x"), tt.expiry); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 {
				if err := s.Delete(ctx, tok); err != nil {
					t.Fatal(err)
				}
				_, tomb := s.k.session(tok)
				ttl, err := r.PTTL(ctx, tomb).Result()
				if err != nil || ttl < tt.wantMin || ttl > tt.wantMin+2*time.Minute {
					t.Errorf("tombstone PTTL = %v, %v; want about %v", ttl, err, tt.wantMin+time.Minute)
				}
			}
		})
	}
}

// Once the revocation has expired the token may be used again.
func TestExpiredRevocationAllowsWritesAgain(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	if err := s.Delete(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	_, tomb := s.k.session("tok")
	if err := s.raw(t).PExpire(ctx, tomb, time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if err := s.Commit(ctx, "tok", []byte("again"), inHour()); err != nil {
		t.Errorf("Commit after the revocation expired: %v", err)
	}
}

// Prefixes keep stores apart: the same token under two prefixes is two
// sessions.
func TestPrefixesSeparateStores(t *testing.T) {
	t.Parallel()
	a, b := openTest(t), openTest(t)
	ctx := t.Context()
	if err := a.Commit(ctx, "tok", []byte("a"), inHour()); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if got, found, err := a.Find(ctx, "tok"); err != nil || !found || string(got) != "a" {
		t.Errorf("Find through a = %q, %v, %v; want a", got, found, err)
	}
}
