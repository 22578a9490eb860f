package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/kakaologin/kakaologin/store"
)

// Tokens opens the Kakao tokens of the request's session: of its login,
// or of its pending identity (see HoldPending). It returns ErrNotLoggedIn,
// ErrNoTokens, or ErrTokensUnreadable when the sealed tokens do not open
// under any configured key for this Kakao user. The result is cached for
// the request; the caller must not modify it.
func (m *Manager) Tokens(c *gin.Context) (*TokenSet, error) {
	st := m.req(c)
	if st == nil {
		return nil, ErrNoMiddleware
	}
	if st.tokens != nil {
		return st.tokens, nil
	}
	id, key := st.identity()
	if id == nil {
		return nil, ErrNotLoggedIn
	}
	if st.tokKey != key || st.tokRaw == nil {
		if err := st.readTokens(c, key); err != nil {
			return nil, err
		}
	}
	if len(st.tokRaw) == 0 {
		return nil, ErrNoTokens
	}
	ts, err := m.open(st.tokRaw, id.KakaoID, id.Scopes)
	if err != nil {
		return nil, err
	}
	st.tokens = ts
	return ts, nil
}

// identity returns the session's Kakao identity (login or pending) and the
// key of its tokens side record.
func (st *reqState) identity() (*Login, string) {
	var id *Login
	if l, ok := st.m.Current(st.c); ok {
		id = l
	} else if p, ok := st.m.Pending(st.c); ok {
		id = &p.Login
	}
	if id == nil {
		return nil, ""
	}
	return id, sideKey("tokens", st.sid(), id.KakaoID)
}

// readTokens reads the tokens side record. A missing one means the session
// was revoked or has expired: it is ended.
func (st *reqState) readTokens(c *gin.Context, key string) error {
	b, found, err := st.m.st.Find(c.Request.Context(), key)
	if err != nil {
		return fmt.Errorf("session: read tokens: %w", err)
	}
	if !found {
		st.ended()
		return ErrNotLoggedIn
	}
	st.tokRaw, st.tokKey, st.tokens = b, key, nil
	return nil
}

// ReloadTokens reads the request's Kakao tokens again from the store, for
// a caller that waited while another request or app instance may have
// refreshed them: Kakao may rotate the refresh token on a refresh and then
// rejects the old one. A session ended meanwhile gives ErrNotLoggedIn.
func (m *Manager) ReloadTokens(c *gin.Context) (*TokenSet, error) {
	st := m.req(c)
	if st == nil {
		return nil, ErrNoMiddleware
	}
	_, key := st.identity()
	if st.token == "" || key == "" {
		return nil, ErrNotLoggedIn
	}
	if err := st.readTokens(c, key); err != nil {
		return nil, err
	}
	return m.Tokens(c)
}

// SetTokens replaces the Kakao tokens of the request's logged-in session
// (after a refresh) and saves them before returning, with one
// compare-and-swap of the tokens' own side record; nothing else in the
// session is written, so no concurrent change to it is overwritten. ts nil
// removes the tokens.
func (m *Manager) SetTokens(c *gin.Context, ts *TokenSet) error {
	st := m.req(c)
	if st == nil {
		return ErrNoMiddleware
	}
	l, ok := m.Current(c)
	if !ok || st.token == "" {
		return ErrNotLoggedIn
	}
	sealed, err := m.sealOrEmpty(ts, l)
	if err != nil {
		return err
	}
	_, key := st.identity()
	cur, read := st.tokRaw, st.tokKey != key || st.tokRaw == nil
	b, err := m.updateSide(c.Request.Context(), key, cur, read, time.Unix(st.deadline(), 0), func(cur []byte) ([]byte, error) {
		if cur == nil { // revoked, logged out or expired meanwhile
			return nil, ErrNotLoggedIn
		}
		return sealed, nil
	})
	switch {
	case errors.Is(err, store.ErrRevoked), errors.Is(err, ErrNotLoggedIn):
		st.ended()
		return ErrNotLoggedIn
	case err != nil:
		return fmt.Errorf("session: save tokens: %w", err)
	}
	st.tokRaw, st.tokKey, st.tokens = b, key, nil
	return nil
}
