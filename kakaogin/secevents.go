package kakaogin

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/internal/secevent"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// SecurityEventsConfig turns on the receiver of Kakao's account status
// change webhook (formerly "security event subscription"): Kakao pushes a
// signed Security Event Token (RFC 8417, delivered as RFC 8935 says) when a
// user unlinks the app, revokes its tokens, changes their password or
// profile, or has their account disabled. Mount serves it as POST
// <mount>/events; register that absolute URL (for example
// https://example.com/auth/kakao/events) as the webhook URL of the account
// status change webhook in the Kakao Developers console, and subscribe the
// event types there.
//
// Every SET is verified before anything is believed: an RS256 signature by
// Kakao's key set (the one that signs ID tokens, cached and refetched
// within the same limits), issuer exactly Endpoint.Issuer, audience
// ClientID or one of SDKKeys, iat at most MaxAge old and not in the future,
// a jti never seen before by any instance (it is kept in the session
// store), at most 16 KiB. A verified event then acts the same on every
// instance: see SecurityEventType.
type SecurityEventsConfig struct {
	// OnEvent is told of every verified event, known or not, after the
	// library's own action (SecurityEvent.Action says which). Use it to
	// refuse logins of a disabled account until it is enabled again, or to
	// store a changed email. It runs within Kakao's 3 s, with a deadline
	// of 1.5 s; keep it short. A notification: its error is logged, the
	// event stays accepted and is not retried. Default nil.
	OnEvent func(ctx context.Context, ev SecurityEvent) error
	// MaxAge bounds how long ago a SET may have been issued (its iat),
	// with a minute's leeway for clock skew either way. A SET's jti is
	// remembered for this long, so a replay within it is refused and one
	// after it is too old. Default 15 minutes.
	MaxAge time.Duration
}

// SecurityEventType is the type URI of a security event. The library acts
// on the types below by their last path segment (the category's host and
// path as Kakao sends them are not fully documented), and passes every
// other type to OnEvent with a warning in the log.
type SecurityEventType string

// Event types of Kakao's account status change webhook, by category.
// OAUTH needs no extra consent; CAEP and RISC need Kakao's permission and
// the user's optional consent to "security event information" (보안 이벤트
// 정보 제공); KAKAO reports changes of consented profile items.
const (
	// EventUserLinked: the user connected the app (OAUTH). No action.
	EventUserLinked SecurityEventType = "https://schemas.openid.net/secevent/oauth/event-type/user-linked"
	// EventUserUnlinked: the user left the app (OAUTH). The same as the
	// unlink callback: every session ends and OnUnlink runs, once.
	EventUserUnlinked SecurityEventType = "https://schemas.openid.net/secevent/oauth/event-type/user-unlinked"
	// EventTokensRevoked: the user's tokens for the app were revoked
	// (OAUTH). Every session of the user ends.
	EventTokensRevoked SecurityEventType = "https://schemas.openid.net/secevent/oauth/event-type/token-revoked"
	// EventSessionRevoked: the user's Kakao session was revoked (CAEP).
	// Every session of the user ends.
	EventSessionRevoked SecurityEventType = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
	// EventCredentialChange: the user's Kakao password or other credential
	// changed (CAEP). Every session of the user ends.
	EventCredentialChange SecurityEventType = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
	// EventAccountDisabled: the Kakao account was disabled (RISC). Every
	// session of the user ends.
	EventAccountDisabled SecurityEventType = "https://schemas.openid.net/secevent/risc/event-type/account-disabled"
	// EventAccountEnabled: the Kakao account was enabled again (RISC). No
	// action.
	EventAccountEnabled SecurityEventType = "https://schemas.openid.net/secevent/risc/event-type/account-enabled"
	// EventAccountPurged: the Kakao account was deleted (RISC). The same
	// as the unlink callback.
	EventAccountPurged SecurityEventType = "https://schemas.openid.net/secevent/risc/event-type/account-purged"
	// EventCredentialChangeRequired: Kakao requires the user to change
	// their credential (RISC). Every session of the user ends.
	EventCredentialChangeRequired SecurityEventType = "https://schemas.openid.net/secevent/risc/event-type/account-credential-change-required"
	// EventSessionsRevoked: every session was revoked (RISC's older name
	// of CAEP's session-revoked). Every session of the user ends.
	EventSessionsRevoked SecurityEventType = "https://schemas.openid.net/secevent/risc/event-type/sessions-revoked"
	// EventProfileChanged: a consented profile item changed (KAKAO). The
	// logins of the user's live sessions take the new nickname and
	// profile image when the event carries them; OnEvent gets every
	// changed item. The URI is Kakao's custom category's; the library
	// recognises any type whose last segment is profile-changed.
	EventProfileChanged SecurityEventType = "https://schemas.kakao.com/secevent/kakao/event-type/profile-changed"
)

// SecurityEventAction says what the library did about an event.
type SecurityEventAction string

// Actions on security events.
const (
	// ActionUserLeft: the user left the app, as with the unlink callback.
	ActionUserLeft SecurityEventAction = "user_left"
	// ActionAlreadyLeft: the user's leaving was handled by an earlier
	// event or unlink callback moments ago; nothing more was done.
	ActionAlreadyLeft SecurityEventAction = "already_left"
	// ActionSessionsEnded: every session of the user ended.
	ActionSessionsEnded SecurityEventAction = "sessions_ended"
	// ActionProfileUpdated: the live sessions' logins took the new values.
	ActionProfileUpdated SecurityEventAction = "profile_updated"
	// ActionNone: the library did nothing; OnEvent decides.
	ActionNone SecurityEventAction = "none"
)

// SecurityEvent is one verified event, as OnEvent receives it.
type SecurityEvent struct {
	// Type is the event type URI as Kakao sent it.
	Type SecurityEventType
	// Known reports whether Type is one the library recognises.
	Known bool
	// KakaoID is the user the event is about.
	KakaoID int64
	// UserID is the host user linked to KakaoID when the event arrived,
	// "" if none (or when Config.Users is nil).
	UserID string
	// Reason is the event's reason code when it has one (for
	// user-unlinked, the unlink callback's referrer types), else "".
	Reason string
	// Profile holds, for a profile change, each changed item by name with
	// its new value when the event carries it ("" when it names the item
	// only). Nil for other events.
	Profile map[string]string
	// Fields are the event's members as Kakao sent them (without the
	// subject): whatever the types above do not cover.
	Fields map[string]json.RawMessage
	// JTI identifies the SET; IssuedAt is its iat; ReceivedAt when it
	// arrived here.
	JTI        string
	IssuedAt   time.Time
	ReceivedAt time.Time
	// Action is what the library did; SessionsChanged how many sessions
	// it ended or updated.
	Action          SecurityEventAction
	SessionsChanged int
}

// Security event receiver limits.
const (
	defaultSETMaxAge = 15 * time.Minute
	setLeeway        = time.Minute
	// setHookBudget is OnEvent's deadline.
	setHookBudget = 1500 * time.Millisecond
	// setUnlinkBudget is OnUnlink's budget within the request before
	// the event is queued for retry, leaving time for OnEvent.
	setUnlinkBudget = time.Second
	// leftMarkerTTL is how long a user's leaving is remembered, so that
	// the unlink callback and user-unlinked or account-purged events for
	// it, which Kakao sends together, run OnUnlink once.
	leftMarkerTTL = 10 * time.Minute
)

// eventKind is what the library does for an event type.
type eventKind int

const (
	kindUnknown eventKind = iota
	kindNotify
	kindLeft
	kindRevoke
	kindProfile
)

// kindOf classifies an event type URI by its last path segment.
func kindOf(typ string) eventKind {
	switch eventSegment(typ) {
	case "user-linked", "account-enabled":
		return kindNotify
	case "user-unlinked", "account-purged":
		return kindLeft
	case "token-revoked", "tokens-revoked", "session-revoked", "sessions-revoked", "credential-change",
		"account-disabled", "account-credential-change-required", "credential-change-required":
		return kindRevoke
	case "profile-changed", "profile-change":
		return kindProfile
	}
	return kindUnknown
}

// eventSegment is the last path segment of an event type URI.
func eventSegment(typ string) string {
	return typ[strings.LastIndexAny(typ, "/:")+1:]
}

// eventMetricName is an event type as a metric attribute: the last
// segment of a type the library knows, else "unknown" (a sender chooses
// the URI, so it is never copied into a metric unchecked).
func eventMetricName(typ string) string {
	if kindOf(typ) == kindUnknown {
		return "unknown"
	}
	return eventSegment(typ)
}

// setVerifier returns the SET verification settings of now.
func (k *Kakao) setChecks() secevent.Checks {
	return secevent.Checks{
		Issuer:    k.cfg.Endpoint.Issuer,
		Audiences: append([]string{k.cfg.ClientID}, k.cfg.SDKKeys...),
		Now:       k.cfg.Now(),
		MaxAge:    k.cfg.SecurityEvents.MaxAge,
		Leeway:    setLeeway,
	}
}

// jtiKey is the store lock that marks a SET as seen: a hash, so the key is
// short whatever the jti.
func jtiKey(iss, jti string) string {
	sum := sha256.Sum256([]byte(iss + "\x00" + jti))
	return "kakaologin:set-jti:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// leftKey is the store lock that marks a user's leaving as handled.
func leftKey(kakaoID int64) string {
	return "kakaologin:user-left:" + strconv.FormatInt(kakaoID, 10)
}

// leftBySETKey is the store lock that marks a user's leaving as handled
// by a security event (not by the unlink callback).
func leftBySETKey(kakaoID int64) string {
	return "kakaologin:user-left-set:" + strconv.FormatInt(kakaoID, 10)
}

// markUserLeft remembers, for leftMarkerTTL, that kakaoID's leaving was
// handled, by the unlink callback or (bySET) by a security event. Failure
// only means that a later delivery runs OnUnlink again, which it
// tolerates.
func (k *Kakao) markUserLeft(ctx context.Context, kakaoID int64, bySET bool) {
	keys := []string{leftKey(kakaoID)}
	if bySET {
		keys = append(keys, leftBySETKey(kakaoID))
	}
	for _, key := range keys {
		if _, _, err := k.locks.TryLock(ctx, key, leftMarkerTTL); err != nil {
			k.cfg.Logger.WarnContext(ctx, "kakaogin: could not record that a user left", "kakao_id", kakaoID, "err", err)
		}
	}
}

// unlinkCallbackLeft is the unlink callback's action: userLeft, unless a
// security event reported the same user leaving moments ago, in which case
// only the sessions are ended again (nothing, normally) and OnUnlink does
// not run a second time. Repeated unlink callbacks keep running the
// idempotent OnUnlink each, as without security events.
func (k *Kakao) unlinkCallbackLeft(ctx context.Context, kakaoID int64, referrer ReferrerType) error {
	if k.eventsPath != "" {
		handled, err := k.lockHeld(ctx, leftBySETKey(kakaoID))
		if err != nil {
			return fmt.Errorf("kakaogin: user left: %w", err)
		}
		if handled {
			n, err := k.sessions.RevokeKakaoUser(ctx, kakaoID)
			k.sessionsEnded(ctx, causeUnlinkCallback, n)
			if err != nil {
				return fmt.Errorf("kakaogin: end sessions: %w", err)
			}
			k.event(ctx, "user left; already handled by a security event", "kakao_id", kakaoID)
			return nil
		}
	}
	if err := k.userLeft(ctx, kakaoID, referrer, causeUnlinkCallback, webhookHookBudget); err != nil {
		return err
	}
	k.markUserLeft(ctx, kakaoID, false)
	return nil
}

// lockHeld reports whether the named lock is held, taking and releasing
// it at once when it is free.
func (k *Kakao) lockHeld(ctx context.Context, name string) (bool, error) {
	fence, ok, err := k.locks.TryLock(ctx, name, time.Second)
	if err != nil || !ok {
		return !ok, err
	}
	return false, k.locks.Unlock(ctx, name, fence)
}

// actOnSET does the library's part of every event of t and tells the
// host. An error means a session could not be ended or updated, or an
// unlink not queued: the SET is not taken, and Kakao may send it again.
func (k *Kakao) actOnSET(ctx context.Context, t *secevent.Token) error {
	for _, e := range t.Events {
		ev := SecurityEvent{
			Type: SecurityEventType(e.Type), KakaoID: t.KakaoID, Reason: e.Reason, Fields: e.Fields,
			JTI: t.JTI, IssuedAt: t.IssuedAt.UTC(), ReceivedAt: k.cfg.Now().UTC(), Action: ActionNone,
		}
		if err := k.actOnEvent(ctx, &ev); err != nil {
			return err
		}
		k.event(ctx, "security event", "type", e.Type, "kakao_id", ev.KakaoID, "user_id", ev.UserID,
			"reason", ev.Reason, "action", string(ev.Action), "sessions", ev.SessionsChanged, "jti", t.JTI)
		k.runEventHook(ctx, ev)
	}
	return nil
}

// actOnEvent does the library's part of one event, filling ev.
func (k *Kakao) actOnEvent(ctx context.Context, ev *SecurityEvent) error {
	kind := kindOf(string(ev.Type))
	ev.Known = kind != kindUnknown
	if link, ok, err := k.linkedUser(ctx, ev.KakaoID); err != nil {
		return err
	} else if ok {
		ev.UserID = link
	}
	switch kind {
	case kindUnknown:
		k.cfg.Logger.WarnContext(ctx, "kakaogin: security event of an unknown type; accepted, no action",
			"type", string(ev.Type), "kakao_id", ev.KakaoID)
	case kindLeft:
		return k.userLeftOnce(ctx, ev)
	case kindRevoke:
		n, err := k.sessions.RevokeKakaoUser(ctx, ev.KakaoID)
		k.sessionsEnded(ctx, causeSecurityEvent, n)
		if err != nil {
			return fmt.Errorf("kakaogin: end sessions: %w", err)
		}
		ev.Action, ev.SessionsChanged = ActionSessionsEnded, n
	case kindProfile:
		ev.Profile = profileFields(ev.Fields)
		n, err := k.sessions.UpdateProfile(ctx, ev.KakaoID, loginProfile(ev.Profile))
		if err != nil {
			return fmt.Errorf("kakaogin: update sessions: %w", err)
		}
		ev.Action, ev.SessionsChanged = ActionProfileUpdated, n
	}
	return nil
}

// linkedUser returns the host user linked to kakaoID, if any.
func (k *Kakao) linkedUser(ctx context.Context, kakaoID int64) (string, bool, error) {
	if k.cfg.Users == nil {
		return "", false, nil
	}
	l, err := k.cfg.Users.ByKakaoID(ctx, kakaoID)
	switch {
	case err == nil:
		return l.UserID, true, nil
	case errors.Is(err, store.ErrNotFound):
		return "", false, nil
	}
	return "", false, fmt.Errorf("kakaogin: find linked user: %w", err)
}

// userLeftOnce does what the unlink callback does, unless this user's
// leaving was handled moments ago (by the unlink callback or another
// event): then the sessions are ended again, which costs nothing when
// there are none, and OnUnlink does not run again.
func (k *Kakao) userLeftOnce(ctx context.Context, ev *SecurityEvent) error {
	fence, first, err := k.locks.TryLock(ctx, leftKey(ev.KakaoID), leftMarkerTTL)
	if err != nil {
		return fmt.Errorf("kakaogin: user left: %w", err)
	}
	if !first {
		n, err := k.sessions.RevokeKakaoUser(ctx, ev.KakaoID)
		k.sessionsEnded(ctx, causeSecurityEvent, n)
		if err != nil {
			return fmt.Errorf("kakaogin: end sessions: %w", err)
		}
		ev.Action, ev.SessionsChanged = ActionAlreadyLeft, n
		return nil
	}
	referrer := ReferrerType(ev.Reason)
	if ev.Reason == "" {
		referrer = ReferrerUnknown
	}
	if err := k.userLeft(ctx, ev.KakaoID, referrer, causeSecurityEvent, setUnlinkBudget); err != nil {
		_ = k.locks.Unlock(context.WithoutCancel(ctx), leftKey(ev.KakaoID), fence)
		return err
	}
	k.markUserLeft(ctx, ev.KakaoID, true)
	ev.Action = ActionUserLeft
	return nil
}

// runEventHook calls OnEvent with its deadline; a hook that ignores its
// context is left running, and its failure is only logged.
func (k *Kakao) runEventHook(ctx context.Context, ev SecurityEvent) {
	hook := k.cfg.SecurityEvents.OnEvent
	if hook == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, setHookBudget)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("kakaogin: OnEvent panicked: %v", r)
			}
		}()
		done <- hook(ctx, ev)
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = fmt.Errorf("kakaogin: OnEvent did not return in time: %w", context.Cause(ctx))
	}
	if err != nil {
		k.cfg.Logger.WarnContext(ctx, "kakaogin: OnEvent failed; the event stays accepted",
			"type", string(ev.Type), "kakao_id", ev.KakaoID, "err", err)
	}
}

// profileContainer reports whether a member of a profile-changed event may
// hold the changed items (Kakao's format is not documented): an object of
// name → new value, or an array of names.
func profileContainer(name string) bool {
	switch name {
	case "changed", "changed_claims", "changed_fields", "claims", "profile", "fields", "properties":
		return true
	}
	return false
}

// profileMeta reports whether a member of an event is not a profile item.
func profileMeta(name string) bool {
	switch name {
	case "reason", "event_timestamp", "initiating_entity", "reason_admin", "reason_user", "subject":
		return true
	}
	return false
}

// maxProfileValue and maxProfileName bound one profile item passed on.
const (
	maxProfileValue = 2048
	maxProfileName  = 64
)

// profileFields reads the changed items of a profile-changed event from
// the plausible shapes: string members of the event itself, of one of the
// profileContainer objects, or names listed in one of their arrays.
func profileFields(fields map[string]json.RawMessage) map[string]string {
	out := map[string]string{}
	add := func(obj map[string]json.RawMessage) {
		for name, raw := range obj {
			var s string
			if json.Unmarshal(raw, &s) == nil && len(name) <= maxProfileName && len(s) <= maxProfileValue {
				out[name] = s
			}
		}
	}
	for name, raw := range fields {
		switch {
		case profileMeta(name):
		case profileContainer(name):
			var obj map[string]json.RawMessage
			var names []string
			if json.Unmarshal(raw, &obj) == nil {
				add(obj)
			} else if json.Unmarshal(raw, &names) == nil {
				for _, n := range names {
					if _, ok := out[n]; !ok && len(n) <= maxProfileName {
						out[n] = ""
					}
				}
			}
		default:
			add(map[string]json.RawMessage{name: raw})
		}
	}
	return out
}

// loginProfile picks the values a login keeps a snapshot of from the
// changed items, cleaned as at login; an item named without a value
// changes nothing.
func loginProfile(p map[string]string) session.ProfileChange {
	var c session.ProfileChange
	for _, name := range []string{"nickname", "profile_nickname"} {
		if v := p[name]; v != "" {
			v = cleanText(v, maxNicknameRunes)
			c.Nickname = &v
			break
		}
	}
	for _, name := range []string{"thumbnail_image_url", "picture", "profile_image"} {
		if v := p[name]; v != "" {
			v = cleanImageURL(v)
			c.ImageURL = &v
			break
		}
	}
	return c
}
