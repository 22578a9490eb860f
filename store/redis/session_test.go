package redis

import (
	"bytes"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

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
		{"plain data", "tok-plain", []byte("hello"), []byte("hello")},
		{"binary data", "tok-binary", []byte{0, 0xff, '\n', '{', '}'}, []byte{0, 0xff, '\n', '{', '}'}},
		{"empty data", "tok-empty", []byte{}, []byte{}},
		{"nil data is stored as empty", "tok-nil", nil, []byte{}},
		{"token with braces", "a}b{c", []byte("braces"), []byte("braces")},
		{"empty token", "", []byte("empty token"), []byte("empty token")},
		{"binary token", "\x00\xff\x01", []byte("bin"), []byte("bin")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.CommitCtx(ctx, tt.token, tt.data, inHour()); err != nil {
				t.Fatal(err)
			}
			got, found, err := s.FindCtx(ctx, tt.token)
			if err != nil || !found || got == nil || !bytes.Equal(got, tt.want) {
				t.Errorf("FindCtx = %q (nil %v), %v, %v; want %q", got, got == nil, found, err, tt.want)
			}
		})
	}
}

func TestFindUnknownTokenIsNotFound(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	b, found, err := s.FindCtx(t.Context(), "never-stored")
	if err != nil || found || b != nil {
		t.Errorf("FindCtx = %q, %v, %v; want nil, false, nil", b, found, err)
	}
}

func TestCommitReplacesData(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	for _, v := range []string{"one", "two"} {
		if err := s.CommitCtx(ctx, "tok", []byte(v), inHour()); err != nil {
			t.Fatal(err)
		}
	}
	if b, _, _ := s.FindCtx(ctx, "tok"); string(b) != "two" {
		t.Errorf("FindCtx = %q, want two", b)
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
			if err := s.CommitCtx(ctx, tok, []byte("x"), inHour()); err != nil {
				t.Fatal(err)
			}
			if err := s.CommitCtx(ctx, tok, []byte("y"), tt.expiry); err != nil {
				t.Fatal(err)
			}
			time.Sleep(tt.wait)
			if b, found, err := s.FindCtx(ctx, tok); err != nil || found {
				t.Errorf("FindCtx after expiry = %q, %v, %v; want not found", b, found, err)
			}
		})
	}
	// The key carries the session's expiry as its TTL.
	expiry := time.Now().Add(90 * time.Minute)
	if err := s.CommitCtx(ctx, "tok-ttl", []byte("x"), expiry); err != nil {
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
		{"CommitCtx", func(tok string, loaded []byte) error {
			return s.CommitCtx(ctx, tok, loaded, inHour())
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
		for _, tok := range []string{"live-" + w.name, "{}" + w.name} {
			t.Run(w.name+" on "+tok, func(t *testing.T) {
				if err := s.CommitCtx(ctx, tok, []byte("session"), inHour()); err != nil {
					t.Fatal(err)
				}
				loaded, _, _ := s.FindCtx(ctx, tok) // slow request R1 loads
				if err := s.DeleteCtx(ctx, tok); err != nil {
					t.Fatal(err)
				}
				if err := w.write(tok, loaded); !errors.Is(err, store.ErrRevoked) {
					t.Errorf("write after delete: err = %v, want ErrRevoked", err)
				}
				if b, found, err := s.FindCtx(ctx, tok); err != nil || found {
					t.Errorf("FindCtx after delete = %q, %v, %v; want not found", b, found, err)
				}
			})
		}
	}
}

func TestDeletingAnUnknownTokenRevokesIt(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	if err := s.DeleteCtx(ctx, "never-stored"); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitCtx(ctx, "never-stored", []byte("x"), inHour()); !errors.Is(err, store.ErrRevoked) {
		t.Errorf("CommitCtx: err = %v, want ErrRevoked", err)
	}
	if err := s.DeleteCtx(ctx, "never-stored"); err != nil {
		t.Errorf("second DeleteCtx: %v", err)
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
				if err := s.CommitCtx(ctx, tok, []byte("x"), tt.expiry); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 {
				if err := s.DeleteCtx(ctx, tok); err != nil {
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
	if err := s.DeleteCtx(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	_, tomb := s.k.session("tok")
	if err := s.raw(t).PExpire(ctx, tomb, time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if err := s.CommitCtx(ctx, "tok", []byte("again"), inHour()); err != nil {
		t.Errorf("CommitCtx after the revocation expired: %v", err)
	}
}

func TestCompareAndSwap(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	tests := []struct {
		name      string
		have      []byte // nil: no session
		old, b    []byte
		swapped   bool
		wantAfter []byte // nil: not found
	}{
		{"nil old over no session", nil, nil, []byte("new"), true, []byte("new")},
		{"nil old over live data", []byte("cur"), nil, []byte("new"), false, []byte("cur")},
		{"equal old", []byte("cur"), []byte("cur"), []byte("new"), true, []byte("new")},
		{"different old", []byte("cur"), []byte("other"), []byte("new"), false, []byte("cur")},
		{"old is a prefix", []byte("cur"), []byte("cu"), []byte("new"), false, []byte("cur")},
		{"empty old over empty data", []byte{}, []byte{}, []byte("new"), true, []byte("new")},
		{"empty old over no session", nil, []byte{}, []byte("new"), false, nil},
		{"non-nil old over no session", nil, []byte("cur"), []byte("new"), false, nil},
		{"nil new data", []byte("cur"), []byte("cur"), nil, true, []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := "tok-" + tt.name
			if tt.have != nil {
				if err := s.CommitCtx(ctx, tok, tt.have, inHour()); err != nil {
					t.Fatal(err)
				}
			}
			swapped, err := s.CompareAndSwap(ctx, tok, tt.old, tt.b, inHour())
			if err != nil || swapped != tt.swapped {
				t.Errorf("CompareAndSwap = %v, %v; want %v, nil", swapped, err, tt.swapped)
			}
			b, found, err := s.FindCtx(ctx, tok)
			if err != nil || found != (tt.wantAfter != nil) || !bytes.Equal(b, tt.wantAfter) {
				t.Errorf("FindCtx after = %q, %v, %v; want %q", b, found, err, tt.wantAfter)
			}
		})
	}
}

// An expired session counts as absent for a nil old.
func TestCompareAndSwapOverExpiredSession(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	if err := s.CommitCtx(ctx, "tok", []byte("old"), time.Now().Add(30*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(80 * time.Millisecond)
	if ok, err := s.CompareAndSwap(ctx, "tok", nil, []byte("new"), inHour()); err != nil || !ok {
		t.Errorf("CompareAndSwap over an expired session = %v, %v; want true, nil", ok, err)
	}
}

// C95, R16: of 40 concurrent swaps from the same old value exactly one
// wins.
func TestCompareAndSwapHasOneWinner(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	for _, old := range [][]byte{nil, []byte("v0")} {
		tok := "tok-" + string(old)
		if old != nil {
			if err := s.CommitCtx(ctx, tok, old, inHour()); err != nil {
				t.Fatal(err)
			}
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				ok, err := s.CompareAndSwap(ctx, tok, old, []byte{byte(i)}, inHour())
				if err != nil {
					t.Errorf("CompareAndSwap: %v", err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("old %q: %d writers swapped, want exactly 1", old, wins.Load())
		}
	}
}

// Two Stores on one prefix are two app instances: a revocation through one
// stops writes through the other, and 100 goroutines mixing every write
// never bring a revoked token back.
func TestConcurrentMixedWritesKeepRevocations(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	a, b := openWithPrefix(t, prefix), openWithPrefix(t, prefix)
	ctx := t.Context()
	tokens := []string{"t0", "t1", "t2", "{t3}"}
	var wg sync.WaitGroup
	for i := range 100 {
		s := a
		if i%2 == 1 {
			s = b
		}
		tok := tokens[i%len(tokens)]
		wg.Go(func() {
			var err error
			switch i % 5 {
			case 0:
				err = s.DeleteCtx(ctx, tok)
			case 1:
				_, err = s.CompareAndSwap(ctx, tok, nil, []byte("x"), inHour())
			case 2:
				_, _, err = s.FindCtx(ctx, tok)
			default:
				err = s.CommitCtx(ctx, tok, []byte("y"), inHour())
			}
			if err != nil && !errors.Is(err, store.ErrRevoked) {
				t.Errorf("op %d on %s: %v", i%5, tok, err)
			}
		})
	}
	wg.Wait()
	for _, tok := range tokens {
		if err := a.CommitCtx(ctx, tok, []byte("z"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("CommitCtx(%s) after the storm: err = %v, want ErrRevoked", tok, err)
		}
		if _, found, err := b.FindCtx(ctx, tok); err != nil || found {
			t.Errorf("FindCtx(%s) after the storm = %v, %v; want not found", tok, found, err)
		}
	}
}

// Prefixes keep stores apart: the same token under two prefixes is two
// sessions.
func TestPrefixesSeparateStores(t *testing.T) {
	t.Parallel()
	a, b := openTest(t), openTest(t)
	ctx := t.Context()
	if err := a.CommitCtx(ctx, "tok", []byte("a"), inHour()); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteCtx(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if got, found, err := a.FindCtx(ctx, "tok"); err != nil || !found || string(got) != "a" {
		t.Errorf("FindCtx through a = %q, %v, %v; want a", got, found, err)
	}
}
