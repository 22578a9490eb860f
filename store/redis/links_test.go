package redis

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestLinkAndLookUp(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ls := s.Links()
	ctx := t.Context()
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("KST", 9*3600))
	tests := []struct {
		name string
		link store.Link
	}{
		{"given LinkedAt", store.Link{KakaoID: 1001, UserID: "alice", LinkedAt: at}},
		{"user ID with separators and braces", store.Link{KakaoID: 1002, UserID: "b:o{b}:", LinkedAt: at}},
		{"negative and large IDs", store.Link{KakaoID: -1 << 63, UserID: "min", LinkedAt: at}},
		{"unicode user ID", store.Link{KakaoID: 1<<63 - 1, UserID: "사용자", LinkedAt: at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ls.Link(ctx, tt.link)
			want := tt.link
			want.LinkedAt = at.UTC()
			if err != nil || got != want {
				t.Fatalf("Link = %+v, %v; want %+v", got, err, want)
			}
			if got, err := ls.ByKakaoID(ctx, tt.link.KakaoID); err != nil || got != want {
				t.Errorf("ByKakaoID = %+v, %v; want %+v", got, err, want)
			}
			if got, err := ls.ByUserID(ctx, tt.link.UserID); err != nil || got != want {
				t.Errorf("ByUserID = %+v, %v; want %+v", got, err, want)
			}
		})
	}
}

func TestLinkWithoutTimeUsesNow(t *testing.T) {
	t.Parallel()
	ls := openTest(t).Links()
	before := time.Now()
	got, err := ls.Link(t.Context(), store.Link{KakaoID: 7, UserID: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got.LinkedAt.Location() != time.UTC || got.LinkedAt.Before(before.Add(-time.Second)) || got.LinkedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("LinkedAt = %v, want about now in UTC", got.LinkedAt)
	}
	// Linking the same pair again keeps the first LinkedAt.
	again, err := ls.Link(t.Context(), store.Link{KakaoID: 7, UserID: "alice", LinkedAt: time.Now().Add(time.Hour)})
	if err != nil || !again.LinkedAt.Equal(got.LinkedAt) {
		t.Errorf("relink = %+v, %v; want LinkedAt %v", again, err, got.LinkedAt)
	}
}

// C52, one Kakao ID per host user and one host user per Kakao ID.
func TestLinkConflicts(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ls := s.Links()
	ctx := t.Context()
	if _, err := ls.Link(ctx, store.Link{KakaoID: 1, UserID: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ls.Link(ctx, store.Link{KakaoID: 2, UserID: "bob"}); err != nil {
		t.Fatal(err)
	}
	for _, l := range []store.Link{{KakaoID: 1, UserID: "carol"}, {KakaoID: 3, UserID: "alice"}, {KakaoID: 1, UserID: "bob"}} {
		if _, err := ls.Link(ctx, l); !errors.Is(err, store.ErrLinkConflict) {
			t.Errorf("Link(%+v): err = %v, want ErrLinkConflict", l, err)
		}
	}
	// Nothing changed.
	if _, err := ls.ByUserID(ctx, "carol"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ByUserID(carol): err = %v, want ErrNotFound", err)
	}
	if _, err := ls.ByKakaoID(ctx, 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ByKakaoID(3): err = %v, want ErrNotFound", err)
	}
	if l, err := ls.ByKakaoID(ctx, 1); err != nil || l.UserID != "alice" {
		t.Errorf("ByKakaoID(1) = %+v, %v; want alice", l, err)
	}
}

func TestLinkRejectsBadInput(t *testing.T) {
	t.Parallel()
	ls := openTest(t).Links()
	for _, l := range []store.Link{
		{KakaoID: 1, UserID: ""},
		{KakaoID: 1, UserID: "x", LinkedAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
		{KakaoID: 1, UserID: "x", LinkedAt: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := ls.Link(t.Context(), l); err == nil || errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Link(%+v): err = %v, want a plain error", l, err)
		}
	}
}

func TestUnlink(t *testing.T) {
	t.Parallel()
	ls := openTest(t).Links()
	ctx := t.Context()
	linked, err := ls.Link(ctx, store.Link{KakaoID: 1, UserID: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ls.Unlink(ctx, 1)
	if err != nil || got != linked {
		t.Fatalf("Unlink = %+v, %v; want %+v", got, err, linked)
	}
	if _, err := ls.ByKakaoID(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ByKakaoID after Unlink: err = %v, want ErrNotFound", err)
	}
	if _, err := ls.ByUserID(ctx, "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ByUserID after Unlink: err = %v, want ErrNotFound", err)
	}
	if _, err := ls.Unlink(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Unlink: err = %v, want ErrNotFound", err)
	}
	// Both sides are free again.
	if _, err := ls.Link(ctx, store.Link{KakaoID: 2, UserID: "alice"}); err != nil {
		t.Errorf("relinking alice: %v", err)
	}
	if _, err := ls.Link(ctx, store.Link{KakaoID: 1, UserID: "bob"}); err != nil {
		t.Errorf("relinking kakao 1: %v", err)
	}
}

// Concurrent links racing for one side: exactly one wins, across two
// instances.
func TestConcurrentLinksHaveOneWinner(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	a, b := openWithPrefix(t, prefix).Links(), openWithPrefix(t, prefix).Links()
	ctx := t.Context()
	race := func(name string, link func(i int) store.Link) {
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 30 {
			ls := a
			if i%2 == 1 {
				ls = b
			}
			wg.Go(func() {
				_, err := ls.Link(ctx, link(i))
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, store.ErrLinkConflict):
					t.Errorf("%s: %v", name, err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%s: %d links made, want 1", name, wins.Load())
		}
	}
	race("one kakao ID, many users", func(i int) store.Link {
		return store.Link{KakaoID: 500, UserID: "user-" + string(rune('a'+i))}
	})
	race("one user, many kakao IDs", func(i int) store.Link {
		return store.Link{KakaoID: int64(600 + i), UserID: "shared-user"}
	})
}

// Unlink racing Link of the freed sides never leaves a half link.
func TestUnlinkRacingRelink(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ls := s.Links()
	ctx := t.Context()
	for round := range 20 {
		id := int64(round)
		if _, err := ls.Link(ctx, store.Link{KakaoID: id, UserID: "u"}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := ls.Unlink(ctx, id); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, err := ls.Link(ctx, store.Link{KakaoID: id + 1000, UserID: "u"}); err != nil && !errors.Is(err, store.ErrLinkConflict) {
				t.Error(err)
			}
		})
		wg.Wait()
		byUser, err := ls.ByUserID(ctx, "u")
		if err == nil {
			if back, err := ls.ByKakaoID(ctx, byUser.KakaoID); err != nil || back.UserID != "u" {
				t.Fatalf("round %d: half link: user u → %d, but that → %+v, %v", round, byUser.KakaoID, back, err)
			}
			if _, err := ls.Unlink(ctx, byUser.KakaoID); err != nil {
				t.Fatal(err)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
	}
}
