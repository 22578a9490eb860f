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

// Login returns the login state of the request's session, or false when
// the session is not logged in. It is decoded on first use and cached for
// the request; the caller must not modify it.
func (m *Manager) Login(c *gin.Context) (*Login, bool) {
	st := m.state(c)
	if st == nil {
		return nil, false
	}
	if !st.loginDone {
		st.login, st.loginDone = st.currentLogin(), true
	}
	return st.login, st.login != nil
}

func (st *reqState) currentLogin() *Login {
	switch {
	case st.d != nil:
		return st.d.login
	case st.rec != nil && st.rec.login != nil:
		return decodeLogin(st.rec.login)
	}
	return nil
}

// LogIn makes the request's session logged in as l, with the Kakao tokens
// ts (nil for none). It renews the session token (the old one is deleted
// and can never be saved again, so a token planted in the browser before
// login is worthless), starts a new absolute lifetime, replaces the CSRF
// secret, keeps pending flows and extra data, indexes the session under
// the Kakao user and the host user for RevokeKakaoUser/RevokeHostUser, and
// saves it before returning. On error the session is either unchanged or
// ended, never half-written. It must be called before the response starts.
func (m *Manager) LogIn(c *gin.Context, l *Login, ts *TokenSet) error {
	st := m.state(c)
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
	var sealed []byte
	if ts != nil {
		var err error
		if sealed, err = m.seal(ts, nl.KakaoID, nl.Scopes); err != nil {
			return err
		}
	}
	csrf := make([]byte, csrfSize)
	if _, err := rand.Read(csrf); err != nil {
		return fmt.Errorf("session: CSRF secret: %w", err)
	}
	return st.renew(c.Request.Context(), func(d *draft, now time.Time) error {
		d.login, d.sealed, d.csrf = &nl, sealed, csrf
		d.deadline = now.Add(m.cfg.Lifetime).Unix()
		return nil
	})
}

// RenewToken gives the request's session a new token, keeping its data.
// Call it on every privilege change, such as additional consent, so a
// token known before the change is worthless after it. The old token is
// deleted and stays dead. A request without a session is left as is; a
// session ended meanwhile by another request, including by a RevokeUser
// running at the same moment, stays ended (ErrNotLoggedIn). It must be
// called before the response starts.
func (m *Manager) RenewToken(c *gin.Context) error {
	st := m.state(c)
	if st == nil {
		return ErrNoMiddleware
	}
	if st.token == "" {
		return nil
	}
	ctx := c.Request.Context()
	// The session must still be live: renewing a session that another
	// request has just ended would bring it back under a new token.
	for attempt := 0; ; attempt++ {
		ok, err := m.st.CompareAndSwap(ctx, st.hashed(), st.rec.raw, st.rec.raw, m.storeExpiry(st.rec.deadline, m.now()))
		switch {
		case errors.Is(err, store.ErrRevoked):
			st.ended()
			return ErrNotLoggedIn
		case err != nil:
			return fmt.Errorf("session: renew token: %w", err)
		case !ok && attempt+1 >= maxAttempts:
			return ErrConflict
		case !ok:
			if err := st.reload(ctx); err != nil {
				return err
			}
			if st.token == "" {
				return ErrNotLoggedIn
			}
			continue
		}
		return st.renew(ctx, nil)
	}
}

// renew moves the session to a new token, applying o, and saves it.
func (st *reqState) renew(ctx context.Context, o op) error {
	m := st.m
	if st.started {
		return ErrHeadersWritten
	}
	now := m.now()
	d := m.materialize(st.rec, now)
	for _, f := range st.ops {
		if err := f(d, now); err != nil {
			return err
		}
	}
	if o != nil {
		if err := o(d, now); err != nil {
			return err
		}
	}
	d.seen = now.Unix()
	b, err := d.encode()
	if err != nil {
		return err
	}
	oldHash, oldLogin, oldRaw := st.hashed(), st.currentLogin(), st.rawLoaded()
	// scs makes the new token; the old one is deleted below, only after
	// the new one is indexed and saved, so that a RevokeUser running
	// meanwhile either finds the new token in the index or has revoked the
	// old one, which the check below notices. From here on, failing
	// ends the session.
	sctx := st.scsCtx()
	if err := m.scs.RenewToken(context.WithValue(sctx, keepOldToken{}, true)); err != nil {
		st.ended()
		return fmt.Errorf("session: renew token: %w", err)
	}
	st.token, st.hash = m.scs.Token(sctx), ""
	newHash := st.hashed()
	// Index first: a saved session must always be reachable by RevokeUser.
	if d.login != nil {
		if err := m.index(ctx, d.login, newHash, d.deadline); err != nil {
			m.endRenewal(ctx, oldHash, newHash, d.login)
			st.ended()
			return err
		}
	}
	ok, err := m.st.CompareAndSwap(ctx, newHash, nil, b, m.storeExpiry(d.deadline, now))
	if err == nil && !ok {
		err = ErrConflict
	}
	if err != nil {
		m.endRenewal(ctx, oldHash, newHash, d.login)
		st.ended()
		return fmt.Errorf("session: save renewed session: %w", err)
	}
	// Was the old session revoked while we renewed it? Only an indexed
	// (logged-in) session can be the target of RevokeUser.
	if oldLogin != nil && oldRaw != nil {
		if _, err := m.st.CompareAndSwap(ctx, oldHash, oldRaw, oldRaw, now.Add(time.Minute)); errors.Is(err, store.ErrRevoked) {
			m.endRenewal(ctx, oldHash, newHash, d.login)
			st.ended()
			return ErrNotLoggedIn
		}
	}
	if err := m.st.Delete(ctx, oldHash); err != nil {
		m.log.Warn("session: could not delete the session's old token", "err", err)
	}
	if oldLogin != nil {
		m.unindex(ctx, oldLogin, oldHash)
	}
	st.saved(b, d)
	return nil
}

// endRenewal undoes a failed renewal: both tokens are deleted (revoked)
// and the new one is dropped from the index. Errors are logged; the tokens
// expire anyway.
func (m *Manager) endRenewal(ctx context.Context, oldHash, newHash string, l *Login) {
	for _, h := range []string{oldHash, newHash} {
		if err := m.st.Delete(ctx, h); err != nil {
			m.log.Warn("session: could not delete a token after a failed renewal", "err", err)
		}
	}
	if l != nil {
		m.unindex(ctx, l, newHash)
	}
}

func (m *Manager) index(ctx context.Context, l *Login, hash string, deadline int64) error {
	exp := time.Unix(deadline, 0)
	if err := m.st.AddUserSession(ctx, kakaoIndex(l.KakaoID), hash, exp); err != nil {
		return fmt.Errorf("session: index session: %w", err)
	}
	if l.UserID != "" {
		if err := m.st.AddUserSession(ctx, hostIndex(l.UserID), hash, exp); err != nil {
			return fmt.Errorf("session: index session: %w", err)
		}
	}
	return nil
}

// unindex drops a dead token from the user index. Failure is harmless (the
// entry points at a revoked token and expires), so it is only logged.
func (m *Manager) unindex(ctx context.Context, l *Login, hash string) {
	err := m.st.RemoveUserSession(ctx, kakaoIndex(l.KakaoID), hash)
	if err == nil && l.UserID != "" {
		err = m.st.RemoveUserSession(ctx, hostIndex(l.UserID), hash)
	}
	if err != nil {
		m.log.Warn("session: could not remove an ended session from the user index", "err", err)
	}
}

// LogOut ends the request's session: it is deleted in the store and
// revoked, so no request that loaded it earlier can save it again
// (even one that is still running), removed from the user index, and its
// cookie is cleared. Logging out without a session is not an error.
func (m *Manager) LogOut(c *gin.Context) error {
	st := m.state(c)
	if st == nil {
		return ErrNoMiddleware
	}
	if st.token == "" {
		st.ops = nil
		return nil
	}
	ctx := c.Request.Context()
	hash, l := st.hashed(), st.currentLogin()
	if err := m.scs.Destroy(st.scsCtx()); err != nil {
		return fmt.Errorf("session: log out: %w", err)
	}
	st.ended()
	if l != nil {
		m.unindex(ctx, l, hash)
	}
	return nil
}
