package sqlite

import (
	"bytes"
	"errors"
	"sync"
	"sync/atomic"
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
		{"empty data reads back empty", "tok-empty", []byte{}, []byte{}},
		{"token that is not UTF-8", "\x00\xff\xfetok", []byte("x"), []byte("x")},
		{"empty token", "", []byte("e"), []byte("e")},
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
	for _, token := range []string{"unknown", "expired", "deleted", "deleted\x00"} {
		t.Run(token, func(t *testing.T) {
			b, found, err := s.FindCtx(ctx, token)
			if err != nil || found || b != nil {
				t.Errorf("FindCtx(%q) = %q, %v, %v; want nil, false, nil", token, b, found, err)
			}
		})
	}
}

func TestCommitReplacesLiveAndExpiredData(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := openTest(t, WithClock(clock.Now))
	ctx := t.Context()
	if err := s.CommitCtx(ctx, "tok", []byte("one"), clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitCtx(ctx, "tok", []byte("two"), clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.FindCtx(ctx, "tok"); string(got) != "two" {
		t.Errorf("FindCtx after replace = %q, want two", got)
	}
	clock.Add(2 * time.Minute)
	if _, found, _ := s.FindCtx(ctx, "tok"); found {
		t.Fatal("session found after its expiry on the store clock")
	}
	if err := s.CommitCtx(ctx, "tok", []byte("three"), clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.FindCtx(ctx, "tok"); string(got) != "three" {
		t.Errorf("FindCtx after commit over expired = %q, want three", got)
	}
}

// C60, R18: once deleted, a token cannot be written again, by Commit or by
// CompareAndSwap, whatever old value the writer read before.
func TestDeleteRevokesTheToken(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	if err := s.CommitCtx(ctx, "live", []byte("v"), inHour()); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"live", "never-seen"} {
		if err := s.DeleteCtx(ctx, tok); err != nil {
			t.Fatalf("DeleteCtx(%s): %v", tok, err)
		}
		if err := s.DeleteCtx(ctx, tok); err != nil {
			t.Fatalf("second DeleteCtx(%s): %v", tok, err)
		}
		t.Run(tok, func(t *testing.T) {
			if err := s.CommitCtx(ctx, tok, []byte("back"), inHour()); !errors.Is(err, store.ErrRevoked) {
				t.Errorf("CommitCtx: err = %v, want ErrRevoked", err)
			}
			for _, old := range [][]byte{nil, []byte("v")} {
				ok, err := s.CompareAndSwap(ctx, tok, old, []byte("back"), inHour())
				if ok || !errors.Is(err, store.ErrRevoked) {
					t.Errorf("CompareAndSwap(old %q) = %v, %v; want false, ErrRevoked", old, ok, err)
				}
			}
			if _, found, err := s.FindCtx(ctx, tok); found || err != nil {
				t.Errorf("FindCtx = %v, %v; want not found", found, err)
			}
		})
	}
}

// The revocation lasts until the later of the session's own expiry and
// now+RevocationTTL, and ends after that.
func TestRevocationLastsUntilLaterOfExpiryAndTTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		sessionLife time.Duration // 0: no session before the delete
		revokedFor  time.Duration
	}{
		{"unknown token", 0, store.RevocationTTL},
		{"session ending before the TTL", time.Minute, store.RevocationTTL},
		{"session ending after the TTL", 3 * store.RevocationTTL, 3 * store.RevocationTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newTestClock()
			s := openTest(t, WithClock(clock.Now))
			ctx := t.Context()
			if tt.sessionLife > 0 {
				if err := s.CommitCtx(ctx, "tok", []byte("v"), clock.Now().Add(tt.sessionLife)); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.DeleteCtx(ctx, "tok"); err != nil {
				t.Fatal(err)
			}
			clock.Add(tt.revokedFor - time.Second)
			if err := s.CommitCtx(ctx, "tok", []byte("back"), clock.Now().Add(time.Hour)); !errors.Is(err, store.ErrRevoked) {
				t.Fatalf("CommitCtx 1s before the revocation ends: err = %v, want ErrRevoked", err)
			}
			clock.Add(time.Second)
			if err := s.CommitCtx(ctx, "tok", []byte("new"), clock.Now().Add(time.Hour)); err != nil {
				t.Fatalf("CommitCtx once the revocation ended: %v", err)
			}
		})
	}
}

func TestCompareAndSwap(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := openTest(t, WithClock(clock.Now))
	ctx := t.Context()
	live := clock.Now().Add(time.Hour)
	setup := map[string]struct {
		data   string
		expiry time.Time
	}{
		"holds-v1": {"v1", live},
		"expired":  {"v1", clock.Now().Add(-time.Second)},
		"empty":    {"", live},
	}
	for tok, v := range setup {
		if err := s.CommitCtx(ctx, tok, []byte(v.data), v.expiry); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		token  string
		old    []byte
		want   bool
		stored string // what FindCtx then returns; "-" for not found
	}{
		{"nil old over nothing stores", "absent", nil, true, "new"},
		{"nil old over live data fails", "holds-v1", nil, false, "v1"},
		{"nil old over expired data stores", "expired", nil, true, "new"},
		{"equal old stores", "holds-v1", []byte("v1"), true, "new"},
		{"different old fails", "holds-v1", []byte("v2"), false, "new"},
		{"prefix of the data fails", "holds-v1", []byte("ne"), false, "new"},
		{"old over nothing fails", "absent2", []byte("v1"), false, "-"},
		{"old over expired data fails", "expired2", []byte("v1"), false, "-"},
		{"empty old matches empty data", "empty", []byte{}, true, "new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.token == "expired2" {
				if err := s.CommitCtx(ctx, "expired2", []byte("v1"), clock.Now().Add(-time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			ok, err := s.CompareAndSwap(ctx, tt.token, tt.old, []byte("new"), live)
			if err != nil || ok != tt.want {
				t.Fatalf("CompareAndSwap = %v, %v; want %v, nil", ok, err, tt.want)
			}
			got, found, err := s.FindCtx(ctx, tt.token)
			if err != nil {
				t.Fatal(err)
			}
			if tt.stored == "-" {
				if found {
					t.Errorf("FindCtx found %q, want nothing", got)
				}
			} else if string(got) != tt.stored {
				t.Errorf("FindCtx = %q, want %q", got, tt.stored)
			}
		})
	}
}

// C95: of many writers racing from the same old value, exactly one wins.
func TestCompareAndSwapHasOneWinner(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	if err := s.CommitCtx(ctx, "tok", []byte("v0"), inHour()); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			ok, err := s.CompareAndSwap(ctx, "tok", []byte("v0"), []byte{byte(i)}, inHour())
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
		t.Errorf("%d writers swapped, want exactly 1", wins.Load())
	}
}

func TestExpiriesOutsideTheNanosecondRangeSaturate(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	long := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.CommitCtx(ctx, "far", []byte("x"), far); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.FindCtx(ctx, "far"); !found {
		t.Error("a session expiring in year 9999 is not found")
	}
	if err := s.CommitCtx(ctx, "long-ago", []byte("x"), long); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.FindCtx(ctx, "long-ago"); found {
		t.Error("a session that expired in year 1 is found")
	}
}
