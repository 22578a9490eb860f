package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// linkCases cover the Links role: one Kakao ID to at most one host user and
// back, enforced under concurrency.
var linkCases = []testCase[store.Links]{
	{"link then look up both ways", func(t *testing.T, links store.Links) {
		ctx, n, id := testCtx(t), newNames(t), kakaoID()
		l, err := links.Link(ctx, store.Link{KakaoID: id, UserID: n.user("u")})
		if err != nil {
			t.Fatalf("Link: %v", err)
		}
		if l.KakaoID != id || l.UserID != n.user("u") {
			t.Errorf("Link returned %+v, want KakaoID %d, UserID %q", l, id, n.user("u"))
		}
		wantLink(t, ctx, links, id, n.user("u"), l.LinkedAt)
	}},
	{"a zero LinkedAt is set to now in UTC and a given one is kept", func(t *testing.T, links store.Links) {
		ctx, n := testCtx(t), newNames(t)
		before := time.Now()
		l, err := links.Link(ctx, store.Link{KakaoID: kakaoID(), UserID: n.user("now")})
		if err != nil {
			t.Fatalf("Link: %v", err)
		}
		// A server clock may differ a little from ours.
		if l.LinkedAt.Before(before.Add(-time.Minute)) || l.LinkedAt.After(time.Now().Add(time.Minute)) {
			t.Errorf("LinkedAt = %v, want about %v", l.LinkedAt, before)
		}
		if l.LinkedAt.Location() != time.UTC {
			t.Errorf("LinkedAt location = %v, want UTC", l.LinkedAt.Location())
		}
		// Microseconds, the finest PostgreSQL keeps, must survive.
		at := time.Date(2021, 3, 4, 5, 6, 7, 123456000, time.FixedZone("KST", 9*3600))
		id := kakaoID()
		l, err = links.Link(ctx, store.Link{KakaoID: id, UserID: n.user("given"), LinkedAt: at})
		if err != nil {
			t.Fatalf("Link: %v", err)
		}
		if !l.LinkedAt.Equal(at) {
			t.Errorf("Link returned LinkedAt %v, want %v", l.LinkedAt, at)
		}
		wantLink(t, ctx, links, id, n.user("given"), at)
	}},
	{"unknown IDs are not found", func(t *testing.T, links store.Links) {
		ctx, n, id := testCtx(t), newNames(t), kakaoID()
		if _, err := links.ByKakaoID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByKakaoID: err = %v, want ErrNotFound", err)
		}
		if _, err := links.ByUserID(ctx, n.user("u")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByUserID: err = %v, want ErrNotFound", err)
		}
		if _, err := links.Unlink(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Unlink: err = %v, want ErrNotFound", err)
		}
	}},
	{"linking the same pair again keeps the original LinkedAt", func(t *testing.T, links store.Links) {
		ctx, n, id := testCtx(t), newNames(t), kakaoID()
		first := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		if _, err := links.Link(ctx, store.Link{KakaoID: id, UserID: n.user("u"), LinkedAt: first}); err != nil {
			t.Fatalf("Link: %v", err)
		}
		for _, at := range []time.Time{{}, first.Add(time.Hour)} {
			l, err := links.Link(ctx, store.Link{KakaoID: id, UserID: n.user("u"), LinkedAt: at})
			if err != nil {
				t.Fatalf("Link again (LinkedAt %v): %v", at, err)
			}
			if !l.LinkedAt.Equal(first) {
				t.Errorf("Link again returned LinkedAt %v, want the original %v", l.LinkedAt, first)
			}
		}
		wantLink(t, ctx, links, id, n.user("u"), first)
	}},
	{"a conflict on either side is ErrLinkConflict and changes nothing", func(t *testing.T, links store.Links) {
		ctx, n := testCtx(t), newNames(t)
		id, otherID := kakaoID(), kakaoID()
		l, err := links.Link(ctx, store.Link{KakaoID: id, UserID: n.user("u")})
		if err != nil {
			t.Fatalf("Link: %v", err)
		}
		tests := []struct {
			name string
			link store.Link
		}{
			{"Kakao ID linked to another user", store.Link{KakaoID: id, UserID: n.user("other")}},
			{"user linked to another Kakao ID", store.Link{KakaoID: otherID, UserID: n.user("u")}},
		}
		for _, tt := range tests {
			if got, err := links.Link(ctx, tt.link); !errors.Is(err, store.ErrLinkConflict) {
				t.Errorf("%s: Link = %+v, %v; want ErrLinkConflict", tt.name, got, err)
			}
		}
		wantLink(t, ctx, links, id, n.user("u"), l.LinkedAt)
		if _, err := links.ByKakaoID(ctx, otherID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByKakaoID(other): err = %v, want ErrNotFound", err)
		}
		if _, err := links.ByUserID(ctx, n.user("other")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByUserID(other): err = %v, want ErrNotFound", err)
		}
	}},
	{"unlink removes both directions and frees both sides", func(t *testing.T, links store.Links) {
		ctx, n, id := testCtx(t), newNames(t), kakaoID()
		l, err := links.Link(ctx, store.Link{KakaoID: id, UserID: n.user("u")})
		if err != nil {
			t.Fatalf("Link: %v", err)
		}
		got, err := links.Unlink(ctx, id)
		if err != nil || got.KakaoID != id || got.UserID != n.user("u") || !got.LinkedAt.Equal(l.LinkedAt) {
			t.Fatalf("Unlink = %+v, %v; want %+v", got, err, l)
		}
		if _, err := links.ByKakaoID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByKakaoID after Unlink: err = %v, want ErrNotFound", err)
		}
		if _, err := links.ByUserID(ctx, n.user("u")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByUserID after Unlink: err = %v, want ErrNotFound", err)
		}
		if _, err := links.Unlink(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second Unlink: err = %v, want ErrNotFound", err)
		}
		// Both sides are free again: each can be linked to someone new.
		if _, err := links.Link(ctx, store.Link{KakaoID: id, UserID: n.user("new")}); err != nil {
			t.Errorf("Link of the freed Kakao ID: %v", err)
		}
		if _, err := links.Link(ctx, store.Link{KakaoID: kakaoID(), UserID: n.user("u")}); err != nil {
			t.Errorf("Link of the freed user: %v", err)
		}
	}},
	{"IDs above 2^53 round-trip exactly", func(t *testing.T, links store.Links) {
		// Kakao IDs are int64; a backend that passes them through float64
		// (JSON numbers, some drivers) would merge n and n+1 here.
		ctx, n := testCtx(t), newNames(t)
		even := bigKakaoID()
		ids := []int64{even, even + 1, math.MaxInt64}
		cleanLink(t, links, math.MaxInt64)
		for i, id := range ids {
			if _, err := links.Link(ctx, store.Link{KakaoID: id, UserID: n.user(fmt.Sprint(i))}); err != nil {
				t.Fatalf("Link(%d): %v", id, err)
			}
		}
		for i, id := range ids {
			wantLink(t, ctx, links, id, n.user(fmt.Sprint(i)), time.Time{})
		}
	}},
	{"zero and negative IDs are refused or kept exactly", func(t *testing.T, links store.Links) {
		// Kakao never issues IDs <= 0, and store.Links does not say
		// whether a backend accepts them. Either way it must not panic,
		// and an accepted ID must stay distinct from its absolute value.
		ctx, n := testCtx(t), newNames(t)
		pos := kakaoID()
		for i, id := range []int64{0, -pos, math.MinInt64} {
			cleanLink(t, links, id)
			u := n.user(fmt.Sprint("neg-", i))
			if _, err := links.Link(ctx, store.Link{KakaoID: id, UserID: u}); err != nil {
				if errors.Is(err, store.ErrLinkConflict) {
					t.Errorf("Link(%d): %v; a refusal must not claim a conflict", id, err)
				}
				continue
			}
			wantLink(t, ctx, links, id, u, time.Time{})
		}
		if _, err := links.ByKakaoID(ctx, pos); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByKakaoID(%d) after linking %d: err = %v, want ErrNotFound", pos, -pos, err)
		}
	}},
	{"an empty user ID is refused", func(t *testing.T, links store.Links) {
		ctx, id := testCtx(t), kakaoID()
		if got, err := links.Link(ctx, store.Link{KakaoID: id}); err == nil || errors.Is(err, store.ErrLinkConflict) {
			t.Errorf("Link with an empty UserID = %+v, %v; want an error that is not ErrLinkConflict", got, err)
		}
		if _, err := links.ByKakaoID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByKakaoID after a refused Link: err = %v, want ErrNotFound", err)
		}
	}},
	{"exactly one of 100 concurrent links of one Kakao ID wins", func(t *testing.T, links store.Links) {
		ctx, n, id := testCtx(t), newNames(t), kakaoID()
		errs := make([]error, 100)
		parallel(100, func(i int) {
			_, errs[i] = links.Link(ctx, store.Link{KakaoID: id, UserID: n.user(fmt.Sprint(i))})
		})
		winner := oneWinner(t, errs)
		wantLink(t, ctx, links, id, n.user(fmt.Sprint(winner)), time.Time{})
		for i := range 100 {
			if _, err := links.ByUserID(ctx, n.user(fmt.Sprint(i))); i != winner && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("ByUserID(loser %d): err = %v, want ErrNotFound", i, err)
			}
		}
	}},
	{"exactly one of 100 concurrent links of one user wins", func(t *testing.T, links store.Links) {
		ctx, n := testCtx(t), newNames(t)
		ids := make([]int64, 100)
		for i := range ids {
			ids[i] = kakaoID()
		}
		errs := make([]error, 100)
		parallel(100, func(i int) {
			_, errs[i] = links.Link(ctx, store.Link{KakaoID: ids[i], UserID: n.user("u")})
		})
		winner := oneWinner(t, errs)
		wantLink(t, ctx, links, ids[winner], n.user("u"), time.Time{})
	}},
}

// oneWinner checks that exactly one of errs is nil and every other matches
// ErrLinkConflict, and returns the winner's index.
func oneWinner(t *testing.T, errs []error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("goroutines %d and %d both linked", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrLinkConflict):
			t.Fatalf("goroutine %d: err = %v, want nil or ErrLinkConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no goroutine linked")
	}
	return winner
}

// wantLink checks that id and user are linked to each other, both ways,
// and (unless at is zero) that the link was made at at.
func wantLink(t *testing.T, ctx context.Context, links store.Links, id int64, user string, at time.Time) {
	t.Helper()
	byID, err := links.ByKakaoID(ctx, id)
	if err != nil {
		t.Fatalf("ByKakaoID(%d): %v", id, err)
	}
	byUser, err := links.ByUserID(ctx, user)
	if err != nil {
		t.Fatalf("ByUserID(%q): %v", user, err)
	}
	for _, l := range []store.Link{byID, byUser} {
		if l.KakaoID != id || l.UserID != user {
			t.Errorf("link = %d ↔ %q, want %d ↔ %q", l.KakaoID, l.UserID, id, user)
		}
		if !at.IsZero() && !l.LinkedAt.Equal(at) {
			t.Errorf("LinkedAt = %v, want %v", l.LinkedAt, at)
		}
		if l.LinkedAt.IsZero() || l.LinkedAt.Location() != time.UTC {
			t.Errorf("LinkedAt = %v, want a time in UTC", l.LinkedAt)
		}
	}
}

// cleanLink unlinks a fixed Kakao ID that an earlier run sharing the server
// may have left linked, before the test and after it.
func cleanLink(t *testing.T, links store.Links, id int64) {
	t.Helper()
	unlink := func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		_, _ = links.Unlink(ctx, id)
	}
	unlink()
	t.Cleanup(unlink)
}
