package sqlite

import (
	"errors"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestLinks(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := openTest(t, WithClock(clock.Now))
	ctx := t.Context()
	links := s.Links()
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("KST", 9*3600))

	got, err := links.Link(ctx, store.Link{KakaoID: 1, UserID: "u1", LinkedAt: at})
	if err != nil || got.KakaoID != 1 || got.UserID != "u1" || !got.LinkedAt.Equal(at) || got.LinkedAt.Location() != time.UTC {
		t.Fatalf("Link = %+v, %v; want the link with LinkedAt %v in UTC", got, err, at)
	}
	// A zero LinkedAt is the store clock's now.
	got, err = links.Link(ctx, store.Link{KakaoID: 2, UserID: "u2"})
	if err != nil || !got.LinkedAt.Equal(clock.Now()) {
		t.Fatalf("Link without LinkedAt = %+v, %v; want LinkedAt %v", got, err, clock.Now())
	}

	tests := []struct {
		name    string
		link    store.Link
		wantErr error
		wantAt  time.Time
	}{
		{"same pair again keeps the original time", store.Link{KakaoID: 1, UserID: "u1", LinkedAt: at.Add(time.Hour)}, nil, at},
		{"kakao user linked to someone else", store.Link{KakaoID: 1, UserID: "u9"}, store.ErrLinkConflict, time.Time{}},
		{"host user linked to another kakao user", store.Link{KakaoID: 9, UserID: "u1"}, store.ErrLinkConflict, time.Time{}},
		{"both sides linked elsewhere", store.Link{KakaoID: 1, UserID: "u2"}, store.ErrLinkConflict, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := links.Link(ctx, tt.link)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Link(%+v) err = %v, want %v", tt.link, err, tt.wantErr)
			}
			if tt.wantErr == nil && !got.LinkedAt.Equal(tt.wantAt) {
				t.Errorf("LinkedAt = %v, want %v", got.LinkedAt, tt.wantAt)
			}
		})
	}
	// Conflicts changed nothing.
	if l, err := links.ByKakaoID(ctx, 1); err != nil || l.UserID != "u1" {
		t.Errorf("ByKakaoID(1) = %+v, %v", l, err)
	}
	if _, err := links.ByKakaoID(ctx, 9); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ByKakaoID(9) err = %v, want ErrNotFound", err)
	}
	if l, err := links.ByUserID(ctx, "u2"); err != nil || l.KakaoID != 2 {
		t.Errorf("ByUserID(u2) = %+v, %v", l, err)
	}
	if _, err := links.ByUserID(ctx, "u9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ByUserID(u9) err = %v, want ErrNotFound", err)
	}
	// Unlink returns the link, then both sides are free.
	l, err := links.Unlink(ctx, 1)
	if err != nil || l.UserID != "u1" || !l.LinkedAt.Equal(at) {
		t.Fatalf("Unlink(1) = %+v, %v", l, err)
	}
	if _, err := links.Unlink(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Unlink(1) err = %v, want ErrNotFound", err)
	}
	if _, err := links.Link(ctx, store.Link{KakaoID: 9, UserID: "u1"}); err != nil {
		t.Errorf("Link after Unlink: %v", err)
	}
	if _, err := links.Link(ctx, store.Link{KakaoID: 10}); err == nil {
		t.Error("Link with an empty user ID succeeded")
	}
	// Kakao IDs use the whole int64 range.
	for _, id := range []int64{-1 << 63, 1<<63 - 1, 1<<53 + 1} {
		if _, err := links.Link(ctx, store.Link{KakaoID: id, UserID: "big" + time.Duration(id).String()}); err != nil {
			t.Fatal(err)
		}
		if l, err := links.ByKakaoID(ctx, id); err != nil || l.KakaoID != id {
			t.Errorf("ByKakaoID(%d) = %+v, %v", id, l, err)
		}
	}
}
