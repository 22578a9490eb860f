package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// ReferrerType says why a user left, as Kakao's unlink callback reports it
// (its referrer_type). It is "" for an unlink the app itself requested.
type ReferrerType string

// Referrer types of Kakao's unlink callback.
const (
	ReferrerAccountDelete       ReferrerType = "ACCOUNT_DELETE"        // the user deleted their Kakao account
	ReferrerForcedAccountDelete ReferrerType = "FORCED_ACCOUNT_DELETE" // Kakao deleted the account
	ReferrerUnlinkFromApps      ReferrerType = "UNLINK_FROM_APPS"      // the user disconnected the app at Kakao
	ReferrerUnlinkFromAdmin     ReferrerType = "UNLINK_FROM_ADMIN"     // Kakao's staff unlinked the user
	ReferrerIncompleteSignUp    ReferrerType = "INCOMPLETE_SIGN_UP"    // pre-registered for 24 h without signup
	ReferrerService             ReferrerType = ""                      // the app unlinked the user (POST unlink)
)

// Known reports whether r is one of the documented referrer types.
func (r ReferrerType) Known() bool {
	switch r {
	case ReferrerAccountDelete, ReferrerForcedAccountDelete, ReferrerUnlinkFromApps,
		ReferrerUnlinkFromAdmin, ReferrerIncompleteSignUp, ReferrerService:
		return true
	}
	return false
}

// UnlinkEvent tells Config.Unlink.OnUnlink that a Kakao user left the app.
type UnlinkEvent struct {
	// KakaoID is the user who left.
	KakaoID int64
	// UserID is the host user linked to KakaoID when the event happened,
	// "" if none.
	UserID string
	// Referrer says why; ReferrerService for POST unlink. Unknown values
	// from Kakao are passed on as received.
	Referrer ReferrerType
	// At is when the library learned of it.
	At time.Time
	// Attempt is 1 for the first call and counts retries.
	Attempt int
}

// Unlink-hook retries: a few quick attempts within the request, then a
// durable queue in the session store that RetryPendingUnlinks (and Run)
// works through.
const (
	hookAttempts    = 3
	hookAttemptWait = 200 * time.Millisecond
	pendingUnlinks  = "kakaologin:pending-unlinks" // user-index name of the queue
	pendingKeep     = 30 * 24 * time.Hour          // give up after a month, as Kakao does
	retryLock       = "kakaologin:pending-unlinks-retry"
)

// userLeft does the local part of a user leaving: every session of the
// Kakao user (and of the linked host user) is ended, then the host is told
// through OnUnlink, with the link dropped. Sessions end first and always:
// a hook failure is queued for retry and never leaves a session alive.
func (k *Kakao) userLeft(ctx context.Context, kakaoID int64, referrer ReferrerType, budget time.Duration) error {
	ev := UnlinkEvent{KakaoID: kakaoID, Referrer: referrer, At: k.cfg.Now().UTC()}
	if k.cfg.Users != nil {
		link, err := k.cfg.Users.ByKakaoID(ctx, kakaoID)
		switch {
		case err == nil:
			ev.UserID = link.UserID
		case errors.Is(err, store.ErrNotFound):
		default:
			return fmt.Errorf("kakaogin: find linked user: %w", err)
		}
	}
	if _, err := k.sessions.RevokeKakaoUser(ctx, kakaoID); err != nil {
		return fmt.Errorf("kakaogin: end sessions: %w", err)
	}
	if ev.UserID != "" {
		if _, err := k.sessions.RevokeHostUser(ctx, ev.UserID); err != nil {
			return fmt.Errorf("kakaogin: end sessions: %w", err)
		}
	}
	k.event(ctx, "user left", "kakao_id", kakaoID, "user_id", ev.UserID, "referrer", string(referrer))

	hctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	var err error
	for ev.Attempt = 1; ev.Attempt <= hookAttempts; ev.Attempt++ {
		if err = k.runUnlinkHook(hctx, ev); err == nil {
			return nil
		}
		if hctx.Err() != nil {
			break
		}
		select {
		case <-hctx.Done():
		case <-time.After(hookAttemptWait * time.Duration(ev.Attempt)):
		}
	}
	k.cfg.Logger.WarnContext(ctx, "kakaogin: unlink hook failed; queued for retry", "kakao_id", kakaoID, "err", err)
	return k.queueUnlink(context.WithoutCancel(ctx), ev)
}

// runUnlinkHook drops the link and calls OnUnlink, returning when they
// finish, ctx ends or the hook deadline passes, whichever is first: a hook
// that ignores its context must not hold up the unlink callback's answer,
// which Kakao wants within 3 s, nor the retry queue. A hook still running
// after that goes on in the background; the queued retry calls it again,
// which is why it must be idempotent.
func (k *Kakao) runUnlinkHook(ctx context.Context, ev UnlinkEvent) error {
	ctx, cancel := context.WithTimeout(ctx, hookTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- k.callUnlinkHook(ctx, ev) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("kakaogin: OnUnlink did not return in time: %w", context.Cause(ctx))
	}
}

// callUnlinkHook drops the link and calls OnUnlink. Both are idempotent.
func (k *Kakao) callUnlinkHook(ctx context.Context, ev UnlinkEvent) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("kakaogin: OnUnlink panicked: %v", r)
		}
	}()
	if k.cfg.Users != nil {
		if _, err := k.cfg.Users.Unlink(ctx, ev.KakaoID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("kakaogin: drop link: %w", err)
		}
	}
	if k.cfg.Unlink.OnUnlink != nil {
		return k.cfg.Unlink.OnUnlink(ctx, ev)
	}
	return nil
}

// The pending-unlink queue lives in the session store's per-user index
// under one reserved name, so it is shared by every instance, survives
// restarts and needs nothing beyond the store contract. An entry is
// "kakaoID|referrer|unix-nanos|userID".
func (k *Kakao) queueUnlink(ctx context.Context, ev UnlinkEvent) error {
	entry := strconv.FormatInt(ev.KakaoID, 10) + "|" + string(ev.Referrer) + "|" +
		strconv.FormatInt(ev.At.UnixNano(), 10) + "|" + ev.UserID
	if err := k.sessions.Store().AddUserSession(ctx, pendingUnlinks, entry, ev.At.Add(pendingKeep)); err != nil {
		return fmt.Errorf("kakaogin: queue unlink hook: %w", err)
	}
	return nil
}

func parsePending(entry string) (UnlinkEvent, bool) {
	parts := strings.SplitN(entry, "|", 4)
	if len(parts) != 4 {
		return UnlinkEvent{}, false
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	at, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return UnlinkEvent{}, false
	}
	return UnlinkEvent{KakaoID: id, Referrer: ReferrerType(parts[1]), At: time.Unix(0, at).UTC(), UserID: parts[3]}, true
}

// RetryPendingUnlinks runs OnUnlink again for every user-left event whose
// hook failed, and returns how many succeeded now. One instance at a time
// works the queue (the store's lock); others return 0 at once. Run calls
// it periodically.
func (k *Kakao) RetryPendingUnlinks(ctx context.Context) (int, error) {
	st := k.sessions.Store()
	fence, ok, err := st.TryLock(ctx, retryLock, time.Minute)
	if err != nil || !ok {
		return 0, err
	}
	defer st.Unlock(context.WithoutCancel(ctx), retryLock, fence)
	entries, err := st.UserSessions(ctx, pendingUnlinks)
	if err != nil {
		return 0, fmt.Errorf("kakaogin: read unlink queue: %w", err)
	}
	done := 0
	for _, entry := range entries {
		ev, ok := parsePending(entry)
		if ok {
			ev.Attempt = hookAttempts + 1
			if err := k.runUnlinkHook(ctx, ev); err != nil {
				k.cfg.Logger.WarnContext(ctx, "kakaogin: unlink hook retry failed", "kakao_id", ev.KakaoID, "err", err)
				continue
			}
			done++
		}
		if err := st.RemoveUserSession(ctx, pendingUnlinks, entry); err != nil {
			return done, fmt.Errorf("kakaogin: update unlink queue: %w", err)
		}
	}
	return done, nil
}

// Run works the pending-unlink queue every interval until ctx ends. Start
// it once per app instance: go kg.Run(ctx, time.Minute).
func (k *Kakao) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := k.RetryPendingUnlinks(ctx); err != nil && ctx.Err() == nil {
			k.cfg.Logger.WarnContext(ctx, "kakaogin: unlink queue", "err", err)
		}
	}
}
