package redis

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Link values hold the other side after a ':' and user IDs are key
// suffixes: separators, braces and non-ASCII text must survive both, and
// LinkedAt keeps its nanoseconds.
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
