package postgres

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestLinkFindAndUnlink(t *testing.T) {
	t.Parallel()
	links := openTest(t).Links()
	ctx := t.Context()
	at := time.Date(2025, 3, 1, 9, 30, 0, 123456000, time.FixedZone("KST", 9*3600))
	got, err := links.Link(ctx, store.Link{KakaoID: 101, UserID: "u1", LinkedAt: at})
	if err != nil {
		t.Fatalf("Link: %v", err)
	}
	want := store.Link{KakaoID: 101, UserID: "u1", LinkedAt: at.UTC()}
	if got != want {
		t.Errorf("Link = %+v, want %+v", got, want)
	}
	for name, find := range map[string]func() (store.Link, error){
		"ByKakaoID": func() (store.Link, error) { return links.ByKakaoID(ctx, 101) },
		"ByUserID":  func() (store.Link, error) { return links.ByUserID(ctx, "u1") },
	} {
		if got, err := find(); err != nil || got != want {
			t.Errorf("%s = %+v, %v; want %+v", name, got, err, want)
		}
	}
	if got, err := links.Unlink(ctx, 101); err != nil || got != want {
		t.Errorf("Unlink = %+v, %v; want %+v", got, err, want)
	}
	for name, call := range map[string]func() (store.Link, error){
		"ByKakaoID after unlink": func() (store.Link, error) { return links.ByKakaoID(ctx, 101) },
		"ByUserID after unlink":  func() (store.Link, error) { return links.ByUserID(ctx, "u1") },
		"Unlink again":           func() (store.Link, error) { return links.Unlink(ctx, 101) },
	} {
		if _, err := call(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}
}

func TestLinkWithZeroTimeUsesNow(t *testing.T) {
	t.Parallel()
	links := openTest(t).Links()
	before := time.Now().Add(-time.Minute)
	got, err := links.Link(t.Context(), store.Link{KakaoID: 7, UserID: "u7"})
	if err != nil {
		t.Fatal(err)
	}
	if got.LinkedAt.Before(before) || got.LinkedAt.Location() != time.UTC {
		t.Errorf("LinkedAt = %v, want about now, in UTC", got.LinkedAt)
	}
}

func TestLinkSamePairAgainKeepsOriginalTime(t *testing.T) {
	t.Parallel()
	links := openTest(t).Links()
	ctx := t.Context()
	first, err := links.Link(ctx, store.Link{KakaoID: 1, UserID: "u1", LinkedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	again, err := links.Link(ctx, store.Link{KakaoID: 1, UserID: "u1", LinkedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || again != first {
		t.Errorf("Link again = %+v, %v; want %+v, nil", again, err, first)
	}
}

func TestLinkConflicts(t *testing.T) {
	t.Parallel()
	links := openTest(t).Links()
	ctx := t.Context()
	if _, err := links.Link(ctx, store.Link{KakaoID: 1, UserID: "u1"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		link store.Link
	}{
		{"kakao user already linked to another user", store.Link{KakaoID: 1, UserID: "u2"}},
		{"user already linked to another kakao user", store.Link{KakaoID: 2, UserID: "u1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := links.Link(ctx, tt.link); !errors.Is(err, store.ErrLinkConflict) {
				t.Errorf("Link(%+v): err = %v, want ErrLinkConflict", tt.link, err)
			}
		})
	}
	if got, _ := links.ByKakaoID(ctx, 1); got.UserID != "u1" {
		t.Errorf("a conflicting Link changed the link to %+v", got)
	}
	if _, err := links.ByKakaoID(ctx, 2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a conflicting Link created a link: err = %v", err)
	}
}

func TestLinkRejectsEmptyUserID(t *testing.T) {
	t.Parallel()
	links := openTest(t).Links()
	if _, err := links.Link(t.Context(), store.Link{KakaoID: 1}); err == nil || errors.Is(err, store.ErrLinkConflict) {
		t.Errorf("Link with empty user ID: err = %v, want a plain error", err)
	}
}

// C89: one Kakao ID maps to one host user even when many instances race.
func TestConcurrentLinksOfOneKakaoIDHaveOneWinner(t *testing.T) {
	t.Parallel()
	schema := freshSchema(t)
	a, b := openIn(t, schema).Links(), openIn(t, schema).Links()
	ctx := t.Context()
	var wins, conflicts atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		links := a
		if i%2 == 1 {
			links = b
		}
		wg.Go(func() {
			_, err := links.Link(ctx, store.Link{KakaoID: 555, UserID: fmt.Sprintf("u%d", i)})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, store.ErrLinkConflict):
				conflicts.Add(1)
			default:
				t.Errorf("Link: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != 39 {
		t.Errorf("%d links made and %d conflicts, want 1 and 39", wins.Load(), conflicts.Load())
	}
}
