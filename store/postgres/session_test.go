package postgres

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestCommitThenFindReturnsTheDataByteForByte(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	tests := []struct {
		name  string
		token string
		data  []byte
		want  []byte
	}{
		{"plain text", "tok-plain", []byte("hello"), []byte("hello")},
		{"binary with NUL and invalid UTF-8", "tok-bin", []byte{0, 0xff, 0xfe, 1}, []byte{0, 0xff, 0xfe, 1}},
		{"nil data reads back empty", "tok-nil", nil, []byte{}},
		{"token that is not UTF-8", "\x00\xff\xfetok", []byte("x"), []byte("x")},
		{"large record", "tok-large", bytes.Repeat([]byte("ab"), 64<<10), bytes.Repeat([]byte("ab"), 64<<10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.CommitCtx(ctx, tt.token, tt.data, inHour()); err != nil {
				t.Fatalf("CommitCtx: %v", err)
			}
			got, found, err := s.FindCtx(ctx, tt.token)
			if err != nil || !found {
				t.Fatalf("FindCtx = found %v, err %v; want found", found, err)
			}
			if got == nil || !bytes.Equal(got, tt.want) {
				t.Errorf("FindCtx data = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFindMissesUnknownExpiredAndDeletedTokens(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	if err := s.CommitCtx(ctx, "expired", []byte("x"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitCtx(ctx, "deleted", []byte("x"), inHour()); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCtx(ctx, "deleted"); err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{"unknown", "expired", "deleted"} {
		t.Run(token, func(t *testing.T) {
			b, found, err := s.FindCtx(ctx, token)
			if err != nil || found || b != nil {
				t.Errorf("FindCtx(%s) = %q, %v, %v; want nil, false, nil", token, b, found, err)
			}
		})
	}
}

func TestCommitReplacesLiveData(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	for _, v := range []string{"one", "two"} {
		if err := s.CommitCtx(ctx, "tok", []byte(v), inHour()); err != nil {
			t.Fatalf("CommitCtx(%s): %v", v, err)
		}
	}
	got, _, _ := s.FindCtx(ctx, "tok")
	if string(got) != "two" {
		t.Errorf("FindCtx = %q, want two", got)
	}
}

// C60, R18: a request that loaded a session before logout must not save it
// back afterwards, whichever write it uses.
func TestWritesAfterDeleteReturnErrRevoked(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	writes := []struct {
		name  string
		write func(token string) error
	}{
		{"CommitCtx", func(tok string) error { return s.CommitCtx(ctx, tok, []byte("back"), inHour()) }},
		{"CompareAndSwap from nil", func(tok string) error {
			_, err := s.CompareAndSwap(ctx, tok, nil, []byte("back"), inHour())
			return err
		}},
		{"CompareAndSwap from old data", func(tok string) error {
			_, err := s.CompareAndSwap(ctx, tok, []byte("old"), []byte("back"), inHour())
			return err
		}},
	}
	for _, w := range writes {
		for _, existed := range []bool{true, false} {
			name := w.name + " after deleting an unknown token"
			if existed {
				name = w.name + " after deleting a live session"
			}
			t.Run(name, func(t *testing.T) {
				token := "tok-" + name
				if existed {
					if err := s.CommitCtx(ctx, token, []byte("old"), inHour()); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.DeleteCtx(ctx, token); err != nil {
					t.Fatal(err)
				}
				if err := w.write(token); !errors.Is(err, store.ErrRevoked) {
					t.Fatalf("write after delete: err = %v, want ErrRevoked", err)
				}
				if _, found, _ := s.FindCtx(ctx, token); found {
					t.Error("revoked session came back")
				}
			})
		}
	}
}

func TestDeleteTwiceIsNotAnError(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	for range 2 {
		if err := s.DeleteCtx(t.Context(), "tok"); err != nil {
			t.Fatalf("DeleteCtx: %v", err)
		}
	}
}

// The tombstone lasts until the later of the session's expiry and
// now+RevocationTTL, and no longer.
func TestRevocationLastsUntilLaterOfExpiryAndTTL(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	long := time.Now().Add(3 * store.RevocationTTL).Truncate(time.Microsecond)
	if err := s.CommitCtx(ctx, "long", []byte("x"), long); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitCtx(ctx, "short", []byte("x"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"long", "short", "unknown"} {
		if err := s.DeleteCtx(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if !s.queryBool(t, `SELECT expiry = $2 FROM {sessions} WHERE token = $1`, []byte("long"), long) {
		t.Error("tombstone of a long session does not last until the session's expiry")
	}
	for _, tok := range []string{"short", "unknown"} {
		// The statement's now() is not earlier than the DeleteCtx one's.
		if !s.queryBool(t, `SELECT expiry BETWEEN now() + $2::interval - interval '1 minute' AND now() + $2::interval
			FROM {sessions} WHERE token = $1`, []byte(tok), store.RevocationTTL) {
			t.Errorf("tombstone of %q does not last RevocationTTL", tok)
		}
	}

	// Once the tombstone has expired (moved into the past here rather
	// than waited for), the token may be used again.
	s.exec(t, `UPDATE {sessions} SET expiry = now() - interval '1 second' WHERE token = $1`, []byte("short"))
	if err := s.CommitCtx(ctx, "short", []byte("new"), inHour()); err != nil {
		t.Fatalf("CommitCtx after the revocation expired: %v", err)
	}
	if got, found, _ := s.FindCtx(ctx, "short"); !found || string(got) != "new" {
		t.Errorf("FindCtx = %q, %v; want new, true", got, found)
	}
}

func TestCompareAndSwap(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	tests := []struct {
		name      string
		setup     func(token string)
		old       []byte
		wantSwap  bool
		wantAfter string // data found afterwards; "" means not found
	}{
		{"nil old over nothing stores", func(string) {}, nil, true, "new"},
		{"nil old over live data does not", commitWith(t, s, "cur", time.Hour), nil, false, "cur"},
		{"nil old over expired data stores", commitWith(t, s, "cur", -time.Second), nil, true, "new"},
		{"equal old over live data stores", commitWith(t, s, "cur", time.Hour), []byte("cur"), true, "new"},
		{"different old does not", commitWith(t, s, "cur", time.Hour), []byte("other"), false, "cur"},
		{"prefix of the data is not equal", commitWith(t, s, "cur", time.Hour), []byte("cu"), false, "cur"},
		{"old over nothing does not", func(string) {}, []byte("cur"), false, ""},
		{"old over expired data does not", commitWith(t, s, "cur", -time.Second), []byte("cur"), false, ""},
		{"empty old over empty data stores", commitWith(t, s, "", time.Hour), []byte{}, true, "new"},
		{"empty old over nothing does not", func(string) {}, []byte{}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := "tok-" + tt.name
			tt.setup(token)
			swapped, err := s.CompareAndSwap(ctx, token, tt.old, []byte("new"), inHour())
			if err != nil || swapped != tt.wantSwap {
				t.Fatalf("CompareAndSwap = %v, %v; want %v, nil", swapped, err, tt.wantSwap)
			}
			got, found, err := s.FindCtx(ctx, token)
			if err != nil || found != (tt.wantAfter != "") || string(got) != tt.wantAfter {
				t.Errorf("FindCtx after = %q, %v, %v; want %q", got, found, err, tt.wantAfter)
			}
		})
	}
}

// commitWith returns a setup func committing data that expires after d.
func commitWith(t *testing.T, s *Store, data string, d time.Duration) func(string) {
	return func(token string) {
		t.Helper()
		if err := s.CommitCtx(t.Context(), token, []byte(data), time.Now().Add(d)); err != nil {
			t.Fatal(err)
		}
	}
}

// C95: of many writers racing from the same old value, exactly one wins.
func TestCompareAndSwapHasOneWinner(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	for _, old := range [][]byte{nil, []byte("v0")} {
		token := "race-" + string(old)
		if old != nil {
			if err := s.CommitCtx(ctx, token, old, inHour()); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 50 {
			wg.Go(func() {
				ok, err := s.CompareAndSwap(ctx, token, old, []byte{byte(i)}, inHour())
				if err != nil {
					t.Errorf("CompareAndSwap: %v", err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("old %q: %d writers swapped, want exactly 1", old, wins)
		}
	}
}

func TestCanceledContextFailsWithItsCause(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := s.FindCtx(ctx, "tok")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("FindCtx with canceled context: err = %v, want context.Canceled in the chain", err)
	}
}
