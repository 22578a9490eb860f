package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/store"
)

// Issue 13 (no hot slot): 100 links on a real Redis Cluster put keys on
// every master, not all on the one node that owns a shared hash tag.
func TestLinksSpreadOverClusterNodes(t *testing.T) {
	rawURL := topologyURL(t, envClusterURL)
	prefix := topologyPrefix(t, rawURL)
	s := openTopology(t, rawURL, prefix)
	ctx := t.Context()
	for i := range 100 {
		if _, err := s.Links().Link(ctx, store.Link{KakaoID: int64(5000 + i), UserID: fmt.Sprint("user-", i)}); err != nil {
			t.Fatalf("Link %d: %v", i, err)
		}
	}
	c, ok := s.client.(*goredis.ClusterClient)
	if !ok {
		t.Fatalf("client is %T, want a cluster client", s.client)
	}
	var mu sync.Mutex
	perMaster := map[string]int{}
	err := c.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
		n := 0
		iter := node.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			n++
		}
		mu.Lock()
		perMaster[node.Options().Addr] = n
		mu.Unlock()
		return iter.Err()
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	total := 0
	for addr, n := range perMaster {
		total += n
		if n == 0 {
			t.Errorf("master %s holds no link keys (keys per master: %v)", addr, perMaster)
		}
	}
	if len(perMaster) < 2 || total != 200 {
		t.Errorf("keys per master = %v, want the 200 keys of 100 links spread over at least 2 masters", perMaster)
	}
}

// Issue 13: a Link that crashes between its writes (simulated by writing
// one side, or both with the Kakao side still pending, straight into
// Redis) leaves no link that reads report, never a wrong link, and never
// blocks a user for longer than the pending claim lives: a half user side
// or committed Kakao side is taken over at once, a pending Kakao side once
// it expires (here after 300 ms, as written).
func TestLinkHalfMadeLinks(t *testing.T) {
	t.Parallel()
	const (
		kakao, otherKakao = int64(1), int64(2)
		user, otherUser   = "u", "u2"
		at                = int64(1_600_000_000_000_000_000) // 2020-09-13
	)
	pendingK := fmt.Sprintf("p:%d:N1:%s", at, user)
	committedK := fmt.Sprintf("c:%d:N1:%s", at, user)
	userSide := fmt.Sprintf("c:%d:N1:%d", at, kakao)
	tests := []struct {
		name             string
		kakaoSide        string // Kakao ID 1's stored value, "" for none
		pending          bool   // the Kakao side is written with a 300 ms ttl, as a claim is
		userSide         string // user u's stored value, "" for none
		link             store.Link
		conflictUntilTTL bool // Link conflicts while the pending side lives
		keepsAt          bool // the new link keeps the half link's LinkedAt
	}{
		{"claimed Kakao side, another user", pendingK, true, "", store.Link{KakaoID: kakao, UserID: otherUser}, true, false},
		{"claimed Kakao side, the same user waits", pendingK, true, "", store.Link{KakaoID: kakao, UserID: user}, false, false},
		{"both sides, Kakao side uncommitted, another Kakao user", pendingK, true, userSide, store.Link{KakaoID: otherKakao, UserID: user}, true, false},
		{"user side only, another Kakao user", "", false, userSide, store.Link{KakaoID: otherKakao, UserID: user}, false, false},
		{"user side only, the same Kakao user", "", false, userSide, store.Link{KakaoID: kakao, UserID: user}, false, false},
		{"committed Kakao side only, another user", committedK, false, "", store.Link{KakaoID: kakao, UserID: otherUser}, false, false},
		{"committed Kakao side only, the same user", committedK, false, "", store.Link{KakaoID: kakao, UserID: user}, false, true},
		{"sides of different Link calls", committedK, false, fmt.Sprintf("c:%d:N2:%d", at, kakao), store.Link{KakaoID: kakao, UserID: user}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := openTest(t)
			raw, ls, ctx := s.raw(t), s.Links(), t.Context()
			ttl := time.Duration(0)
			if tt.pending {
				ttl = 300 * time.Millisecond
			}
			if tt.kakaoSide != "" {
				if err := raw.Set(ctx, s.k.linkByKakao(kakao), tt.kakaoSide, ttl).Err(); err != nil {
					t.Fatal(err)
				}
			}
			if tt.userSide != "" {
				if err := raw.Set(ctx, s.k.linkByUser(user), tt.userSide, 0).Err(); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := ls.ByKakaoID(ctx, kakao); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ByKakaoID of a half link = %+v, %v; want ErrNotFound", got, err)
			}
			if got, err := ls.ByUserID(ctx, user); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ByUserID of a half link = %+v, %v; want ErrNotFound", got, err)
			}

			got, err := ls.Link(ctx, tt.link)
			if tt.conflictUntilTTL {
				if !errors.Is(err, store.ErrLinkConflict) {
					t.Fatalf("Link while the claim lives = %+v, %v; want ErrLinkConflict", got, err)
				}
				deadline := time.Now().Add(10 * time.Second)
				for errors.Is(err, store.ErrLinkConflict) && time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
					got, err = ls.Link(ctx, tt.link)
				}
			}
			if err != nil {
				t.Fatalf("Link = %+v, %v; want the link made", got, err)
			}
			if tt.keepsAt && !got.LinkedAt.Equal(time.Unix(0, at)) {
				t.Errorf("LinkedAt = %v, want the half link's %v", got.LinkedAt, time.Unix(0, at).UTC())
			}
			for _, l := range []func() (store.Link, error){
				func() (store.Link, error) { return ls.ByKakaoID(ctx, tt.link.KakaoID) },
				func() (store.Link, error) { return ls.ByUserID(ctx, tt.link.UserID) },
			} {
				if back, err := l(); err != nil || back != got {
					t.Errorf("look-up = %+v, %v; want %+v", back, err, got)
				}
			}
			// The other party of the half link is not linked to anyone.
			if tt.link.UserID != user {
				if l, err := ls.ByUserID(ctx, user); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("ByUserID(%q) = %+v, %v; want ErrNotFound", user, l, err)
				}
			}
			if tt.link.KakaoID != kakao {
				if l, err := ls.ByKakaoID(ctx, kakao); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("ByKakaoID(%d) = %+v, %v; want ErrNotFound", kakao, l, err)
				}
			}
		})
	}
}

// A half link is not a link: Unlink reports ErrNotFound for each kind and
// leaves a link that the half's other party has since made alone.
func TestUnlinkHalfMadeLinks(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	raw, ls, ctx := s.raw(t), s.Links(), t.Context()
	for i, v := range []string{"p:1:N:u", "c:1:N:u"} {
		id := int64(10 + i)
		if err := raw.Set(ctx, s.k.linkByKakao(id), v, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if got, err := ls.Unlink(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Unlink of %q = %+v, %v; want ErrNotFound", v, got, err)
		}
	}
	// User u is now linked for real to another Kakao user; a stale
	// Kakao side naming u does not unlink them.
	l, err := ls.Link(ctx, store.Link{KakaoID: 20, UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Set(ctx, s.k.linkByKakao(21), "c:1:N:u", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := ls.Unlink(ctx, 21); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Unlink of a stale side = %+v, %v; want ErrNotFound", got, err)
	}
	if got, err := ls.ByUserID(ctx, "u"); err != nil || got != l {
		t.Errorf("ByUserID after = %+v, %v; want %+v", got, err, l)
	}
}

// Concurrent first logins of one Kakao user for one host user (two tabs)
// all succeed with one link: a Link that finds the same pair being linked
// waits for it instead of reporting a conflict. Issue 13: on a Redis
// Cluster too, with the link's two sides on different masters.
func TestConcurrentLinksOfOnePair(t *testing.T) {
	t.Parallel()
	t.Run("single", func(t *testing.T) {
		t.Parallel()
		s := openTest(t)
		for n := range 5 {
			concurrentLinksOfOnePair(t, s, store.Link{KakaoID: int64(7 + n), UserID: fmt.Sprint("pair-", n)})
		}
	})
	t.Run("Cluster", func(t *testing.T) {
		t.Parallel()
		rawURL := topologyURL(t, envClusterURL)
		s := openTopology(t, rawURL, topologyPrefix(t, rawURL))
		pairs := 0
		for n := 0; n < 1000 && pairs < 5; n++ {
			l := store.Link{KakaoID: int64(7 + n), UserID: fmt.Sprint("pair-", n)}
			if masterOf(t.Context(), t, s, s.k.linkByKakao(l.KakaoID), 0) != masterOf(t.Context(), t, s, s.k.linkByUser(l.UserID), 0) {
				concurrentLinksOfOnePair(t, s, l)
				pairs++
			}
		}
		if pairs < 5 {
			t.Fatal("too few Kakao IDs and user IDs whose link sides are on different masters")
		}
	})
}

// concurrentLinksOfOnePair links pair from 20 goroutines at once and
// checks that each got the same link.
func concurrentLinksOfOnePair(t *testing.T, s *Store, pair store.Link) {
	t.Helper()
	ls := s.Links()
	ctx := t.Context()
	links := make([]store.Link, 20)
	errs := make([]error, 20)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range links {
		wg.Go(func() {
			<-start
			links[i], errs[i] = ls.Link(ctx, pair)
		})
	}
	close(start)
	wg.Wait()
	want, err := ls.ByKakaoID(ctx, pair.KakaoID)
	if err != nil || want.UserID != pair.UserID {
		t.Fatalf("ByKakaoID after the links of %+v = %+v, %v", pair, want, err)
	}
	for i := range links {
		if errs[i] != nil || links[i] != want {
			t.Errorf("Link %d of %+v = %+v, %v; want %+v, as stored", i, pair, links[i], errs[i], want)
		}
	}
}
