package kakaogin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"

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

	// ReferrerUnknown is the reason of an authenticated unlink callback
	// that carried no usable referrer_type (none, several, or not of
	// Kakao's shape). The user's sessions have ended all the same: a
	// callback that proved it comes from Kakao is never refused over the
	// reason, which is only informative.
	ReferrerUnknown ReferrerType = "UNKNOWN"
)

// Known reports whether r is one of the documented referrer types
// (ReferrerUnknown is not: Kakao did not say).
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
	// Referrer says why; ReferrerService for POST unlink. Undocumented
	// values from Kakao are passed on as received; ReferrerUnknown when
	// Kakao's callback gave no usable reason.
	Referrer ReferrerType
	// At is when the library learned of it.
	At time.Time
	// Attempt is 1 for the first call and counts retries.
	Attempt int
}

// Unlink-hook retries: a few quick attempts within the request, then a
// message in the session store's outbox that RetryPendingUnlinks (and Run)
// works off, on any instance.
const (
	hookAttempts    = 3
	hookAttemptWait = 200 * time.Millisecond
	// unlinkTopic is the outbox topic of the queued unlink hooks.
	unlinkTopic = "kakaologin.unlink"
	// unlinkLease is how long one retry holds its message: another
	// instance takes it over only after this, and a retry that failed is
	// tried again once it has passed.
	unlinkLease = time.Minute
	// unlinkRetryTimeout bounds one retried hook, well within unlinkLease,
	// so the message is acknowledged before another instance may take it.
	unlinkRetryTimeout = unlinkLease / 2
	retryLock          = "kakaologin:pending-unlinks-retry"
)

// userLeft does the local part of a user leaving: every session of the
// Kakao user (and of the linked host user) is ended, then the host is told
// through OnUnlink, with the link dropped. Sessions end first and always:
// a hook failure is queued for retry and never leaves a session alive.
func (k *Kakao) userLeft(ctx context.Context, kakaoID int64, referrer ReferrerType, cause string, budget time.Duration) error {
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
	n, m, err := k.revokeSessions(ctx, kakaoID, ev.UserID)
	k.sessionsEnded(ctx, cause, max(n, m))
	if err != nil {
		return fmt.Errorf("kakaogin: end sessions: %w", err)
	}
	k.event(ctx, "user left", "kakao_id", kakaoID, "user_id", ev.UserID, "referrer", string(referrer))

	hctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
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

// queuedUnlink is the outbox payload of a user-left event whose hook
// failed: the event without its attempt count, which the outbox keeps.
type queuedUnlink struct {
	KakaoID  int64     `json:"kakao_id"`
	UserID   string    `json:"user_id,omitempty"`
	Referrer string    `json:"referrer,omitempty"`
	At       time.Time `json:"at"`
}

// queueUnlink puts ev in the session store's outbox, which every instance
// shares and which survives restarts, for RetryPendingUnlinks.
func (k *Kakao) queueUnlink(ctx context.Context, ev UnlinkEvent) error {
	if k.outbox == nil { // New refuses this when a hook can fail
		return errors.New("kakaogin: queue unlink hook: the session store has no outbox")
	}
	payload, err := json.Marshal(queuedUnlink{KakaoID: ev.KakaoID, UserID: ev.UserID, Referrer: string(ev.Referrer), At: ev.At})
	if err != nil {
		return fmt.Errorf("kakaogin: queue unlink hook: %w", err)
	}
	if _, err := k.outbox.Enqueue(ctx, unlinkTopic, payload); err != nil {
		return fmt.Errorf("kakaogin: queue unlink hook: %w", err)
	}
	add(ctx, k.tel.unlinkQueued, 1)
	return nil
}

// parseQueued reads a queued event back; ok is false for a payload that is
// not one.
func parseQueued(payload []byte) (ev UnlinkEvent, ok bool) {
	var q queuedUnlink
	if err := json.Unmarshal(payload, &q); err != nil || q.KakaoID <= 0 {
		return UnlinkEvent{}, false
	}
	return UnlinkEvent{KakaoID: q.KakaoID, UserID: q.UserID, Referrer: ReferrerType(q.Referrer), At: q.At.UTC()}, true
}

// RetryPendingUnlinks runs OnUnlink again for the user-left events whose
// hook failed, and returns how many succeeded now. Each event is claimed
// from the outbox for a minute, so no other instance runs it meanwhile; one
// that fails again is retried once that minute has passed. One instance at
// a time works the queue (the store's lock); others return 0 at once. Run
// calls it periodically.
func (k *Kakao) RetryPendingUnlinks(ctx context.Context) (int, error) {
	if k.outbox == nil {
		return 0, nil
	}
	fence, ok, err := k.locks.TryLock(ctx, retryLock, unlinkLease)
	if err != nil || !ok {
		return 0, err
	}
	defer k.locks.Unlock(context.WithoutCancel(ctx), retryLock, fence)
	done, failed := 0, 0
	tried := map[string]bool{}
	for {
		ms, err := k.outbox.Claim(ctx, unlinkTopic, 1, unlinkLease)
		if err != nil {
			return done, fmt.Errorf("kakaogin: read unlink queue: %w", err)
		}
		// A message seen before in this run came back because this run
		// outlasted its lease: the queue has been worked through once, and
		// the message waits for the next run under the lease just taken.
		if len(ms) == 0 || tried[ms[0].ID] {
			// Those whose retry failed are what is left (entries
			// another instance holds are not seen).
			k.tel.pending.Store(int64(failed))
			return done, nil
		}
		m := ms[0]
		tried[m.ID] = true
		ok, err := k.retryUnlink(ctx, m)
		if err != nil {
			return done, err
		}
		if _, readable := parseQueued(m.Payload); ok {
			done++
		} else if readable {
			failed++
		}
	}
}

// retryUnlink runs the hook of one queued event and acknowledges the
// message unless the hook failed. It reports whether the hook succeeded.
func (k *Kakao) retryUnlink(ctx context.Context, m store.Message) (_ bool, err error) {
	ctx, span := k.tel.tracer.Start(ctx, "kakaologin.unlink_retry")
	result := "ok"
	defer func() {
		if err != nil {
			result = "store_error"
		}
		span.SetAttributes(attribute.String(attrResult, result))
		span.End()
		add(ctx, k.tel.unlinkRetries, 1, attribute.String(attrResult, result))
	}()
	ev, ok := parseQueued(m.Payload)
	if ok {
		ev.Attempt = hookAttempts + m.Attempts
		hctx, cancel := context.WithTimeout(ctx, unlinkRetryTimeout)
		err := k.runUnlinkHook(hctx, ev)
		cancel()
		if err != nil {
			k.cfg.Logger.WarnContext(ctx, "kakaogin: unlink hook retry failed", "kakao_id", ev.KakaoID, "attempt", ev.Attempt, "err", err)
			result = "failed"
			return false, nil // the message comes back when its lease ends
		}
	} else {
		k.cfg.Logger.WarnContext(ctx, "kakaogin: dropping an unreadable unlink queue entry", "id", m.ID)
		result = "dropped"
	}
	// ErrLeaseLost: the hook outlasted the lease and another instance has
	// the message now; it runs the (idempotent) hook once more.
	if err := k.outbox.Ack(ctx, m); err != nil && !errors.Is(err, store.ErrLeaseLost) {
		return ok, fmt.Errorf("kakaogin: update unlink queue: %w", err)
	}
	return ok, nil
}

// Run works the pending-unlink queue every interval until ctx ends. Start
// it once per app instance: go kg.Run(ctx, time.Minute). A non-positive
// interval means one minute.
func (k *Kakao) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Minute
	}
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
