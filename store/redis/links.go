package redis

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/store"
)

// linkStore is the store.Links of a Store.
//
// Each link is two keys in different hash slots, so that a Cluster
// spreads links over its nodes: the Kakao side (lk:{KAKAOID}) and the
// user side (lu:{USERID}). No script can touch both, so the two are kept
// in step by these rules:
//
//   - Both sides hold the same link value "STATE:LINKEDAT:NONCE:OTHER", the
//     nonce being random per Link call. A link exists only when the Kakao
//     side is committed (STATE "c"), the user side names the Kakao ID back
//     and both carry the same LinkedAt and nonce. Anything else is a half
//     link, which reads report as not found; since each key holds one value,
//     no side can be part of two links.
//   - Link claims the Kakao side first, pending (STATE "p") with a ttl of
//     pendingLinkTTL, then sets the user side, then commits the Kakao side
//     (which drops the ttl). Every write is a compare-and-set on one key,
//     against the value just read. A crash leaves either a pending Kakao
//     side, which expires by itself within pendingLinkTTL, or a user side
//     (or committed Kakao side) whose other side does not name it back,
//     which the next Link of that Kakao ID or user takes over at once.
//   - The user side is only ever overwritten by a Link that holds the Kakao
//     side it points to as pending (checked just before the write), or when
//     the Kakao side it names does not name it back; so a user side that
//     belongs to a committed link is never overwritten, and one that belongs
//     to a link still being made is left to it (the second Link reports a
//     conflict).
//   - Unlink deletes the Kakao side first: that one write ends the link for
//     every reader, and a crash before the user side is deleted leaves only
//     a half link. Deleting the user side first instead would leave a
//     committed Kakao side alone, which Link must then take over while
//     another Link of the same pair may be repairing it.
type linkStore struct{ s *Store }

// pendingLinkTTL is how long a Kakao side claimed by Link may stay
// uncommitted: long enough for the two writes that follow even through
// client retries, short enough that a Link that crashed in between blocks
// that Kakao user for seconds only.
const pendingLinkTTL = 10 * time.Second

// linkWait bounds how long Link keeps retrying while another Link of the
// same pair is in progress or the keys keep changing under it.
const linkWait = pendingLinkTTL + 5*time.Second

// maxUnlinkAttempts bounds how often Unlink re-reads a link that changed
// between its read and its write.
const maxUnlinkAttempts = 16

// LinkedAt is stored in Unix nanoseconds, which cover these years.
var (
	minLinkedAt = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	maxLinkedAt = time.Date(2261, 12, 31, 0, 0, 0, 0, time.UTC)
)

// errLinkChanged tells Link's loop to read both sides again.
var errLinkChanged = errors.New("link changed while being written")

// linkValue is one side of a link as stored.
type linkValue struct {
	pending bool   // a Kakao side claimed by a Link that has not finished
	at      int64  // LinkedAt in Unix nanoseconds
	nonce   string // random per Link call; the same on both sides
	other   string // the other side's ID: the user ID, or the Kakao ID in decimal
}

// String is the stored form, "STATE:LINKEDAT:NONCE:OTHER".
func (v linkValue) String() string {
	state := "c"
	if v.pending {
		state = "p"
	}
	return state + ":" + strconv.FormatInt(v.at, 10) + ":" + v.nonce + ":" + v.other
}

// sameLink reports whether a Kakao side and a user side are the two halves
// of one link made by one Link call.
func sameLink(byKakao, byUser linkValue) bool {
	return byKakao.at == byUser.at && byKakao.nonce == byUser.nonce
}

// decodeLinkValue parses a stored link value. The other side's ID comes
// last, so it may itself contain ':'.
func decodeLinkValue(s string) (linkValue, error) {
	parts := strings.SplitN(s, ":", 4)
	if len(parts) != 4 || (parts[0] != "p" && parts[0] != "c") || parts[2] == "" {
		return linkValue{}, fmt.Errorf("malformed stored link %q", truncate(s))
	}
	at, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return linkValue{}, fmt.Errorf("malformed stored link time %q", truncate(parts[1]))
	}
	return linkValue{pending: parts[0] == "p", at: at, nonce: parts[2], other: parts[3]}, nil
}

// linkOf builds the store.Link a Kakao-side value describes.
func linkOf(kakaoID int64, v linkValue) store.Link {
	return store.Link{KakaoID: kakaoID, UserID: v.other, LinkedAt: time.Unix(0, v.at).UTC()}
}

// ByKakaoID returns the link of a Kakao user, or store.ErrNotFound. It
// reads the Kakao side, then checks that the user side names it back.
func (l linkStore) ByKakaoID(ctx context.Context, kakaoID int64) (store.Link, error) {
	const op = "link by kakao id"
	kv, _, err := l.get(ctx, op, l.s.k.linkByKakao(kakaoID))
	if err != nil {
		return store.Link{}, err
	}
	if kv.pending {
		return store.Link{}, fmt.Errorf("redis: %s: %w", op, store.ErrNotFound)
	}
	uv, _, err := l.get(ctx, op, l.s.k.linkByUser(kv.other))
	if err != nil {
		return store.Link{}, err
	}
	if uv.other != strconv.FormatInt(kakaoID, 10) || !sameLink(kv, uv) {
		return store.Link{}, fmt.Errorf("redis: %s: %w", op, store.ErrNotFound)
	}
	return linkOf(kakaoID, kv), nil
}

// ByUserID returns the link of a host user, or store.ErrNotFound. It reads
// the user side, then checks that the Kakao side is committed and names
// the user back.
func (l linkStore) ByUserID(ctx context.Context, userID string) (store.Link, error) {
	const op = "link by user id"
	uv, _, err := l.get(ctx, op, l.s.k.linkByUser(userID))
	if err != nil {
		return store.Link{}, err
	}
	kakaoID, err := parseKakaoID(uv.other)
	if err != nil {
		return store.Link{}, fmt.Errorf("redis: %s: %w", op, err)
	}
	kv, _, err := l.get(ctx, op, l.s.k.linkByKakao(kakaoID))
	if err != nil {
		return store.Link{}, err
	}
	if kv.pending || kv.other != userID || !sameLink(kv, uv) {
		return store.Link{}, fmt.Errorf("redis: %s: %w", op, store.ErrNotFound)
	}
	return linkOf(kakaoID, kv), nil
}

// Link makes the link unless either side is linked to someone else or
// being linked right now (store.ErrLinkConflict); see linkStore for the
// steps. Re-linking the same pair returns the stored link with its
// original LinkedAt; while another Link of the same pair is in progress,
// Link waits for it.
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
	deadline := time.Now().Add(linkWait)
	for attempt := 0; ; attempt++ {
		got, err := l.tryLink(ctx, link.KakaoID, link.UserID, at.UnixNano())
		if !errors.Is(err, errLinkChanged) {
			return got, err
		}
		if time.Now().After(deadline) {
			return store.Link{}, fmt.Errorf("redis: link: gave up after %v: %w", linkWait, err)
		}
		if err := sleepCtx(ctx, backoff(attempt)); err != nil {
			return store.Link{}, l.s.wrap("link", err)
		}
	}
}

// tryLink makes one attempt at Link. It returns errLinkChanged when it
// should be tried again: another Link of the same pair is in progress, or
// a key changed between its read and its write.
func (l linkStore) tryLink(ctx context.Context, kakaoID int64, userID string, at int64) (store.Link, error) {
	const op = "link"
	kkey, ukey := l.s.k.linkByKakao(kakaoID), l.s.k.linkByUser(userID)
	mine := linkValue{pending: true, at: at, nonce: rand.Text(), other: userID}

	// The Kakao side: claim it when free or when it is a half link.
	kv, kraw, err := l.get(ctx, op, kkey)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return store.Link{}, err
	case kv.pending && kv.other == userID:
		return store.Link{}, errLinkChanged // the same pair, being linked: wait for it
	case kv.pending:
		return store.Link{}, fmt.Errorf("redis: link: kakao user being linked to another user: %w", store.ErrLinkConflict)
	default:
		uv, _, err := l.get(ctx, op, l.s.k.linkByUser(kv.other))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Link{}, err
		}
		if err == nil && uv.other == strconv.FormatInt(kakaoID, 10) && sameLink(kv, uv) {
			if kv.other == userID {
				return linkOf(kakaoID, kv), nil
			}
			return store.Link{}, fmt.Errorf("redis: link: kakao user already linked to another user: %w", store.ErrLinkConflict)
		}
		if kv.other == userID {
			mine.at = kv.at // a half link of this same pair keeps its time
		}
	}
	if err := l.swap(ctx, kkey, kraw, mine.String(), pendingLinkTTL); err != nil {
		return store.Link{}, err
	}

	// The user side.
	theirs := linkValue{at: mine.at, nonce: mine.nonce, other: strconv.FormatInt(kakaoID, 10)}
	if err := l.claimUserSide(ctx, kakaoID, ukey, mine, theirs); err != nil {
		// Undo the claim: on a conflict nothing may change. Should the
		// undo itself fail, the pending side expires by itself.
		_ = compareAndDeleteScript.Run(ctx, l.s.client, []string{kkey}, mine.String()).Err()
		return store.Link{}, err
	}

	// Commit the Kakao side. If its claim ran out meanwhile, the link
	// was never made: take back the user side and start again.
	committed := mine
	committed.pending = false
	if err := l.swap(ctx, kkey, mine.String(), committed.String(), 0); err != nil {
		// Only when the commit surely failed: after a lost reply it may
		// have happened.
		if errors.Is(err, errLinkChanged) {
			_ = compareAndDeleteScript.Run(ctx, l.s.client, []string{ukey}, theirs.String()).Err()
		}
		return store.Link{}, err
	}
	return linkOf(kakaoID, committed), nil
}

// claimUserSide sets the user side ukey to theirs while the Kakao side
// holds mine (pending). It returns store.ErrLinkConflict when the user is
// linked, or being linked, to another Kakao user, and errLinkChanged when
// the keys changed under it.
func (l linkStore) claimUserSide(ctx context.Context, kakaoID int64, ukey string, mine, theirs linkValue) error {
	const op = "link"
	uv, uraw, err := l.get(ctx, op, ukey)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return l.swap(ctx, ukey, "", theirs.String(), 0)
	case err != nil:
		return err
	case uraw == theirs.String():
		return nil // set by an earlier try the client retried
	}
	other, err := parseKakaoID(uv.other)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	kkey := l.s.k.linkByKakao(kakaoID)
	if other != kakaoID {
		ov, _, err := l.get(ctx, op, l.s.k.linkByKakao(other))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && ov.other == mine.other && (ov.pending || sameLink(ov, uv)) {
			return fmt.Errorf("redis: link: user already linked to another kakao user: %w", store.ErrLinkConflict)
		}
	}
	// The user side is a half link. Overwrite it only while the Kakao
	// side is still ours: a Link whose claim ran out must not overwrite
	// the user side of the Link that claimed the Kakao side after it.
	_, kraw, err := l.get(ctx, op, kkey)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if kraw != mine.String() {
		return errLinkChanged
	}
	return l.swap(ctx, ukey, uraw, theirs.String(), 0)
}

// Unlink deletes both sides of the link of a Kakao user and returns it,
// or store.ErrNotFound: the Kakao side first (which ends the link), then
// the user side, each only if it still holds the value read.
func (l linkStore) Unlink(ctx context.Context, kakaoID int64) (store.Link, error) {
	const op = "unlink"
	kkey := l.s.k.linkByKakao(kakaoID)
	for range maxUnlinkAttempts {
		kv, kraw, err := l.get(ctx, op, kkey)
		if err != nil {
			return store.Link{}, err
		}
		if kv.pending {
			return store.Link{}, fmt.Errorf("redis: %s: %w", op, store.ErrNotFound)
		}
		ukey := l.s.k.linkByUser(kv.other)
		uv, uraw, err := l.get(ctx, op, ukey)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Link{}, err
		}
		whole := err == nil && uv.other == strconv.FormatInt(kakaoID, 10) && sameLink(kv, uv)
		n, err := l.deleteKakaoSide(ctx, kkey, kraw)
		if err != nil {
			return store.Link{}, l.s.wrap(op, err)
		}
		switch {
		case n == 0:
			continue // changed since read
		case !whole:
			// A committed Kakao side whose user side does not name it back
			// can never become a link again: it is gone now, and there
			// was no link.
			return store.Link{}, fmt.Errorf("redis: %s: %w", op, store.ErrNotFound)
		}
		// The link has ended. If deleting the user side fails, what is
		// left is a half link that reads ignore and Link takes over, so
		// the unlink has still happened.
		_ = compareAndDeleteScript.Run(ctx, l.s.client, []string{ukey}, uraw).Err()
		return linkOf(kakaoID, kv), nil
	}
	return store.Link{}, fmt.Errorf("redis: unlink: link kept changing during %d attempts", maxUnlinkAttempts)
}

// deleteKakaoSide deletes the Kakao side kkey if it still holds kraw,
// reporting 1 when it did. When the key's server has replicas the delete is
// followed by WAIT on the same connection, so that an unlink it confirmed
// survives a failover (or it fails with ErrNotReplicated): deleting the
// Kakao side is what ends the link.
func (l linkStore) deleteKakaoSide(ctx context.Context, kkey, kraw string) (int, error) {
	node, err := l.s.replicatedNode(ctx, kkey)
	if err != nil {
		return 0, err
	}
	if node == nil {
		return compareAndDeleteScript.Run(ctx, l.s.client, []string{kkey}, kraw).Int()
	}
	pipe := node.Pipeline()
	cmd := compareAndDeleteScript.Eval(ctx, pipe, []string{kkey}, kraw)
	if err := l.s.execWaited(ctx, node, pipe, cmd); err != nil {
		return 0, err
	}
	return cmd.Int()
}

// get reads and decodes one side of a link, returning its stored form
// too, and turns a missing key into store.ErrNotFound.
func (l linkStore) get(ctx context.Context, op, key string) (linkValue, string, error) {
	raw, err := l.s.client.Get(ctx, key).Result()
	if errors.Is(err, goredis.Nil) {
		return linkValue{}, "", fmt.Errorf("redis: %s: %w", op, store.ErrNotFound)
	}
	if err != nil {
		return linkValue{}, "", l.s.wrap(op, err)
	}
	v, err := decodeLinkValue(raw)
	if err != nil {
		return linkValue{}, "", fmt.Errorf("redis: %s: %w", op, err)
	}
	return v, raw, nil
}

// swap sets key from old ("" for none) to v with ttl (0 for none), or
// returns errLinkChanged when key no longer holds old.
func (l linkStore) swap(ctx context.Context, key, old, v string, ttl time.Duration) error {
	got, err := linkSwapScript.Run(ctx, l.s.client, []string{key}, old, v, strconv.FormatInt(ttl.Milliseconds(), 10)).Text()
	if err != nil {
		return l.s.wrap("link", err)
	}
	if got != v {
		return errLinkChanged
	}
	return nil
}

// parseKakaoID parses the Kakao ID a user side names.
func parseKakaoID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad stored kakao id %q", truncate(s))
	}
	return id, nil
}

// backoff is the pause before Link's attempt after attempt: short at
// first, for a Link of the same pair that finishes in a round trip or
// two, then longer, for one that crashed and whose claim must expire.
func backoff(attempt int) time.Duration {
	return 5 * time.Millisecond << min(attempt, 7)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// truncate shortens s for an error message.
func truncate(s string) string {
	const limit = 64
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}
