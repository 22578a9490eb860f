package session

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/kakaologin/kakaologin/store"
)

// Login is the typed login state of a session. Times have one-second
// precision.
type Login struct {
	// UserID is the host application's user, "" when the Kakao user is not
	// (yet) linked to one.
	UserID string
	// KakaoID is Kakao's service user ID (the ID token's sub).
	KakaoID int64
	// Nickname and ImageURL are a snapshot of the Kakao profile at login.
	Nickname string
	ImageURL string
	// Scopes are the consent items the user granted.
	Scopes []string
	// LoggedInAt is when this session logged in.
	LoggedInAt time.Time
	// AuthTime is when the user last authenticated at Kakao (ID token
	// auth_time).
	AuthTime time.Time
}

// HasSession reports whether the request's browser has a stored session,
// logged in or not. A browser without one is an anonymous visitor whose
// requests have cost the store nothing so far; kakaogin bounds how many
// sessions one client address can create by starting logins.
func (m *Manager) HasSession(c *gin.Context) bool {
	st := m.req(c)
	return st != nil && st.token != ""
}

// Current returns the login state of the request's session, or false when
// the session is not logged in; a session holding a pending signup or
// proof (see HoldPending) is not logged in. It is decoded on first use
// and cached for the request; the caller must not modify it.
func (m *Manager) Current(c *gin.Context) (*Login, bool) {
	st := m.req(c)
	if st == nil {
		return nil, false
	}
	if !st.loginDone {
		st.login, st.loginDone = st.currentLogin(), true
	}
	return st.login, st.login != nil
}

func (st *reqState) currentLogin() *Login {
	rec, d := st.state()
	switch {
	case d != nil:
		return d.login
	case rec != nil && rec.login != nil:
		return decodeLoginInto(&st.loginBox, rec.login)
	}
	return nil
}

// identity is the Kakao user a draft belongs to: its login, or the login
// its pending state will become; nil for an anonymous session.
func (d *draft) identity() *Login {
	switch {
	case d.login != nil:
		return d.login
	case d.pending != nil:
		return &d.pending.Login
	}
	return nil
}

// LogIn makes the request's session logged in as l, with the Kakao tokens
// ts (nil for none). It renews the session token (the old one is deleted
// and can never be saved again, so a token planted in the browser before
// login is worthless), starts a new absolute lifetime, replaces the CSRF
// secret, clears a pending state, keeps unfinished flows and host values,
// indexes the session under the Kakao user and the host user for
// RevokeKakaoUser/RevokeHostUser, and saves it before returning. On error
// the session is either unchanged or ended, never half-written. It must be
// called before the response starts.
func (m *Manager) LogIn(c *gin.Context, l *Login, ts *TokenSet) error {
	st := m.req(c)
	if st == nil {
		return ErrNoMiddleware
	}
	if l == nil || l.KakaoID <= 0 {
		return fmt.Errorf("%w: login needs a positive Kakao ID", ErrInvalid)
	}
	now := m.now()
	nl := *l
	nl.Scopes = slices.Clone(l.Scopes)
	if nl.LoggedInAt.IsZero() {
		nl.LoggedInAt = now
	}
	return m.changeIdentity(c, st, ts, &nl, func(d *draft) {
		d.login, d.pending = &nl, nil
		d.deadline = now.Add(m.cfg.Lifetime).Unix()
	})
}

// changeIdentity is the common part of LogIn and HoldPending: ts is sealed
// for who, the session gets a new CSRF secret, and set applies the new
// state, all saved under a renewed token.
func (m *Manager) changeIdentity(c *gin.Context, st *reqState, ts *TokenSet, who *Login, set func(*draft)) error {
	sealed, err := m.sealOrEmpty(ts, who)
	if err != nil {
		return err
	}
	csrf := make([]byte, csrfSize)
	if _, err := rand.Read(csrf); err != nil {
		return fmt.Errorf("session: CSRF secret: %w", err)
	}
	return st.renew(c.Request.Context(), sealed, func(d *draft) {
		set(d)
		d.csrf = csrf
	})
}

// sealOrEmpty seals ts for the identity l; nil ts gives the empty side
// record of an identity without tokens.
func (m *Manager) sealOrEmpty(ts *TokenSet, l *Login) ([]byte, error) {
	if ts == nil {
		return []byte{}, nil
	}
	return m.seal(ts, l.KakaoID, l.Scopes)
}

// RenewToken gives the request's session a new token, keeping its data.
// Call it on every privilege change, such as additional consent, so a
// token known before the change is worthless after it. The old token is
// deleted and stays dead. A request without a session is left as is; a
// session ended meanwhile by another request, including by a RevokeUser
// running at the same moment, stays ended (ErrNotLoggedIn). It must be
// called before the response starts. (It hides scs's RenewToken, which
// knows nothing of the login's index and side records.)
func (m *Manager) RenewToken(c *gin.Context) error {
	st := m.req(c)
	if st == nil {
		return ErrNoMiddleware
	}
	if st.token == "" {
		return nil
	}
	ctx := c.Request.Context()
	// The session must still be live: renewing a session that another
	// request has just ended would bring it back under a new token.
	if _, found, err := m.st.Find(ctx, hashToken(st.token)); err != nil {
		return fmt.Errorf("session: renew token: %w", err)
	} else if !found {
		st.ended()
		return ErrNotLoggedIn
	}
	return st.renew(ctx, nil, func(*draft) {})
}

// renew moves the session to a new token with change applied and saves it
// before returning; sealed (nil: keep) replaces the identity's tokens.
//
// Order matters, because RevokeUser may run at any moment: the identity's
// tokens side record is indexed and written first; scs then deletes (and
// so revokes) the old token and makes a new one, which is indexed before
// scs commits the record under it. Last, the tokens side record must still
// be live: a RevokeUser that listed the index before the new token was in
// it has revoked the side record, and the renewal is undone.
func (st *reqState) renew(ctx context.Context, sealed []byte, change func(d *draft)) error {
	m := st.m
	if st.started {
		return ErrHeadersWritten
	}
	old := st.draft()
	oldID := old.identity()
	d := old.clone()
	change(d)
	newID := d.identity()
	var key string
	if newID != nil {
		key = sideKey("tokens", d.sid, newID.KakaoID)
		if err := m.index(ctx, newID, key, true, d.deadline); err != nil {
			return err
		}
		if sealed != nil {
			if err := m.st.Commit(ctx, key, sealed, time.Unix(d.deadline, 0)); err != nil {
				if errors.Is(err, store.ErrRevoked) {
					m.endSession(st, newID, key)
					return ErrNotLoggedIn
				}
				return fmt.Errorf("session: save tokens: %w", err)
			}
		}
	}
	oldHash := ""
	if st.token != "" {
		oldHash = hashToken(st.token)
	}
	// From here on, failing ends the session.
	st.scsUsed.Store(true)
	if err := m.SessionManager.RenewToken(st.ctx); err != nil {
		m.endSession(st, newID, key)
		return fmt.Errorf("session: renew token: %w", err)
	}
	st.change(d)
	newHash := hashToken(m.Token(st.ctx))
	if newID != nil {
		if err := m.index(ctx, newID, newHash, false, d.deadline); err != nil {
			m.endSession(st, newID, key)
			return err
		}
	}
	if err := st.commitNow(); err != nil {
		m.endSession(st, newID, key)
		return err
	}
	if newID != nil {
		if _, found, err := m.st.Find(ctx, key); err != nil || !found {
			m.endSession(st, newID, key)
			if err != nil {
				return fmt.Errorf("session: renew token: %w", err)
			}
			return ErrNotLoggedIn
		}
	}
	if oldID != nil {
		m.unindex(ctx, oldID, oldHash, false)
		if oldKey := sideKey("tokens", old.sid, oldID.KakaoID); oldKey != key {
			if err := m.st.Delete(ctx, oldKey); err != nil {
				m.log.Warn("session: could not delete the tokens of the previous login", "err", err)
			}
			m.unindex(ctx, oldID, oldKey, true)
		} else if oldID.UserID != "" && oldID.UserID != newID.UserID {
			if err := m.st.RemoveUserSession(ctx, sideIndex(hostIndex(oldID.UserID)), key); err != nil {
				m.log.Warn("session: could not remove an ended session from the user index", "err", err)
			}
		}
	}
	st.tokRaw, st.tokKey = sealed, key
	return nil
}

// endSession ends the request's session after a failed renewal: its token
// (old or new), its tokens side record and their index entries. Errors are
// logged; the keys expire anyway.
func (m *Manager) endSession(st *reqState, id *Login, key string) {
	ctx := st.base
	var hashes []string
	if st.token != "" {
		hashes = append(hashes, hashToken(st.token))
	}
	if t := m.Token(st.ctx); t != "" && t != st.token {
		hashes = append(hashes, hashToken(t))
	}
	if key != "" {
		hashes = append(hashes, key)
	}
	for _, h := range hashes {
		if err := m.st.Delete(ctx, h); err != nil {
			m.log.Warn("session: could not delete a token after a failed renewal", "err", err)
		}
		if id != nil {
			m.unindex(ctx, id, h, h == key)
		}
	}
	st.ended()
	st.endedHere = true
}

// LogOut ends the request's session: scs destroys it (it is deleted in the
// store and revoked, so no request that loaded it earlier can save it
// again, even one that is still running), its tokens and flows side records
// are deleted, it is removed from the user index, and its cookie is
// cleared. Logging out without a session is not an error.
func (m *Manager) LogOut(c *gin.Context) error {
	st := m.req(c)
	if st == nil {
		return ErrNoMiddleware
	}
	st.endedHere = true // the browser asked to log out: its cookie goes, live or not
	if st.token == "" {
		st.discard = true // changes to a session that was never saved
		return nil
	}
	ctx := c.Request.Context()
	hash, d := hashToken(st.token), st.draft()
	id := d.identity()
	st.scsUsed.Store(true)
	if err := m.Destroy(st.ctx); err != nil {
		return fmt.Errorf("session: log out: %w", err)
	}
	st.token, st.cur, st.login, st.loginDone, st.tokens, st.tokRaw, st.tokKey = "", nil, nil, false, nil, nil, ""
	keys := []string{sideKey("flows", d.sid, 0)}
	if id != nil {
		keys = append(keys, sideKey("tokens", d.sid, id.KakaoID))
	}
	for _, k := range keys {
		if err := m.st.Delete(ctx, k); err != nil {
			m.log.Warn("session: could not delete a side record of an ended session", "err", err)
		}
	}
	if id != nil {
		m.unindex(ctx, id, hash, false)
		for _, k := range keys {
			m.unindex(ctx, id, k, true)
		}
	}
	return nil
}
