package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/store"
)

// linkStore is the store.Links of a Store. Each link is two keys with
// the {links} hash tag, one per side, written and deleted together by
// scripts, so both sides stay unique.
type linkStore struct{ s *Store }

// maxUnlinkAttempts bounds how often Unlink re-reads a link that changed
// between its read and its script.
const maxUnlinkAttempts = 16

// LinkedAt is stored in Unix nanoseconds, which cover these years.
var (
	minLinkedAt = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	maxLinkedAt = time.Date(2261, 12, 31, 0, 0, 0, 0, time.UTC)
)

// ByKakaoID returns the link of a Kakao user, or store.ErrNotFound.
func (l linkStore) ByKakaoID(ctx context.Context, kakaoID int64) (store.Link, error) {
	v, err := l.get(ctx, "link by kakao id", l.s.k.linkByKakao(kakaoID))
	if err != nil {
		return store.Link{}, err
	}
	at, userID, err := decodeLinkValue(v)
	if err != nil {
		return store.Link{}, fmt.Errorf("redis: link by kakao id: %w", err)
	}
	return store.Link{KakaoID: kakaoID, UserID: userID, LinkedAt: at}, nil
}

// ByUserID returns the link of a host user, or store.ErrNotFound.
func (l linkStore) ByUserID(ctx context.Context, userID string) (store.Link, error) {
	v, err := l.get(ctx, "link by user id", l.s.k.linkByUser(userID))
	if err != nil {
		return store.Link{}, err
	}
	at, id, err := decodeLinkValue(v)
	if err != nil {
		return store.Link{}, fmt.Errorf("redis: link by user id: %w", err)
	}
	kakaoID, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return store.Link{}, fmt.Errorf("redis: link by user id: bad stored kakao id %q", id)
	}
	return store.Link{KakaoID: kakaoID, UserID: userID, LinkedAt: at}, nil
}

// Link writes both sides of the link unless either side is already
// linked, in one script. Re-linking the same pair returns the stored link
// with its original LinkedAt.
func (l linkStore) Link(ctx context.Context, link store.Link) (store.Link, error) {
	if link.UserID == "" {
		return store.Link{}, errors.New("redis: link: empty user ID")
	}
	at := link.LinkedAt
	if at.IsZero() {
		at = time.Now()
	}
	if at.Before(minLinkedAt) || at.After(maxLinkedAt) {
		return store.Link{}, fmt.Errorf("redis: link: LinkedAt %v is outside the years 1678 to 2261", at)
	}
	keys := []string{l.s.k.linkByKakao(link.KakaoID), l.s.k.linkByUser(link.UserID)}
	res, err := linkScript.Run(ctx, l.s.client, keys,
		strconv.FormatInt(link.KakaoID, 10), link.UserID, strconv.FormatInt(at.UnixNano(), 10)).Slice()
	if err != nil {
		return store.Link{}, l.s.wrap("link", err)
	}
	code, _ := res[0].(int64)
	switch code {
	case -1:
		return store.Link{}, fmt.Errorf("redis: link: kakao user already linked to another user: %w", store.ErrLinkConflict)
	case -2:
		return store.Link{}, fmt.Errorf("redis: link: user already linked to another kakao user: %w", store.ErrLinkConflict)
	}
	if len(res) < 2 {
		return store.Link{}, fmt.Errorf("redis: link: unexpected reply %v", res)
	}
	v, _ := res[1].(string)
	storedAt, _, err := decodeLinkValue(v)
	if err != nil {
		return store.Link{}, fmt.Errorf("redis: link: %w", err)
	}
	link.LinkedAt = storedAt
	return link, nil
}

// Unlink deletes both sides of the link of a Kakao user and returns it,
// or store.ErrNotFound. It reads the link to learn the user's key, then
// deletes both keys in a script that first checks the link is unchanged.
func (l linkStore) Unlink(ctx context.Context, kakaoID int64) (store.Link, error) {
	kkey := l.s.k.linkByKakao(kakaoID)
	id := strconv.FormatInt(kakaoID, 10)
	for range maxUnlinkAttempts {
		v, err := l.get(ctx, "unlink", kkey)
		if err != nil {
			return store.Link{}, err
		}
		at, userID, err := decodeLinkValue(v)
		if err != nil {
			return store.Link{}, fmt.Errorf("redis: unlink: %w", err)
		}
		done, err := l.unlinkOnce(ctx, []string{kkey, l.s.k.linkByUser(userID)}, v, id)
		if err != nil {
			return store.Link{}, l.s.wrap("unlink", err)
		}
		if done == 1 {
			return store.Link{KakaoID: kakaoID, UserID: userID, LinkedAt: at}, nil
		}
	}
	return store.Link{}, fmt.Errorf("redis: unlink: link kept changing during %d attempts", maxUnlinkAttempts)
}

// unlinkOnce runs the unlink script once. When the links' server has
// replicas the script is followed by WAIT on the same connection, so that
// an unlink it confirmed survives a failover (or it fails with
// ErrNotReplicated).
func (l linkStore) unlinkOnce(ctx context.Context, keys []string, v, id string) (int, error) {
	node, err := l.s.replicatedNode(ctx, keys[0])
	if err != nil {
		return 0, err
	}
	if node == nil {
		return unlinkScript.Run(ctx, l.s.client, keys, v, id).Int()
	}
	pipe := node.Pipeline()
	cmd := unlinkScript.Eval(ctx, pipe, keys, v, id)
	if err := l.s.execWaited(ctx, node, pipe, cmd); err != nil {
		return 0, err
	}
	return cmd.Int()
}

// get reads one link key, turning a missing key into store.ErrNotFound.
func (l linkStore) get(ctx context.Context, op, key string) (string, error) {
	v, err := l.s.client.Get(ctx, key).Result()
	if errors.Is(err, goredis.Nil) {
		return "", fmt.Errorf("redis: %s: %w", op, store.ErrNotFound)
	}
	if err != nil {
		return "", l.s.wrap(op, err)
	}
	return v, nil
}

// decodeLinkValue splits a stored link value into its time (UTC) and the
// other side's ID.
func decodeLinkValue(v string) (time.Time, string, error) {
	ns, other, ok := strings.Cut(v, ":")
	if !ok {
		return time.Time{}, "", fmt.Errorf("malformed stored link %q", truncate(v))
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("malformed stored link time %q", truncate(ns))
	}
	return time.Unix(0, n).UTC(), other, nil
}

// truncate shortens s for an error message.
func truncate(s string) string {
	const limit = 64
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}
