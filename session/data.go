package session

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
)

// Tokens opens the Kakao tokens of the request's logged-in session. It
// returns ErrNotLoggedIn, ErrNoTokens, or ErrTokensUnreadable when the
// sealed tokens do not open under any configured key for this Kakao user.
// The result is cached for the request; the caller must not modify it.
func (m *Manager) Tokens(c *gin.Context) (*TokenSet, error) {
	st := m.state(c)
	if st == nil {
		return nil, ErrNoMiddleware
	}
	if st.tokens != nil {
		return st.tokens, nil
	}
	l, ok := m.Login(c)
	if !ok {
		return nil, ErrNotLoggedIn
	}
	var sealed []byte
	if st.d != nil {
		sealed = st.d.sealed
	} else {
		sealed = st.rec.sealed
	}
	if len(sealed) == 0 {
		return nil, ErrNoTokens
	}
	ts, err := m.open(sealed, l.KakaoID, l.Scopes)
	if err != nil {
		return nil, err
	}
	st.tokens = ts
	return ts, nil
}

// ReloadTokens reads the request's session again from the store and
// returns its Kakao tokens, for a caller that waited while another request
// or app instance may have refreshed them: Kakao may rotate the refresh
// token on a refresh and then rejects the old one. A session ended
// meanwhile gives ErrNotLoggedIn.
func (m *Manager) ReloadTokens(c *gin.Context) (*TokenSet, error) {
	st := m.state(c)
	if st == nil {
		return nil, ErrNoMiddleware
	}
	if st.token == "" {
		return nil, ErrNotLoggedIn
	}
	if err := st.reload(c.Request.Context()); err != nil {
		return nil, err
	}
	if st.token == "" {
		return nil, ErrNotLoggedIn
	}
	return m.Tokens(c)
}

// SetTokens replaces the Kakao tokens of the request's logged-in session
// (after a refresh) and saves the session before returning, in one
// compare-and-swap, so a concurrent change to the session is never
// overwritten. ts nil removes the tokens.
func (m *Manager) SetTokens(c *gin.Context, ts *TokenSet) error {
	st := m.state(c)
	if st == nil {
		return ErrNoMiddleware
	}
	l, ok := m.Login(c)
	if !ok {
		return ErrNotLoggedIn
	}
	var sealed []byte
	if ts != nil {
		var err error
		if sealed, err = m.seal(ts, l.KakaoID, l.Scopes); err != nil {
			return err
		}
	}
	kakaoID := l.KakaoID
	return st.commit(c.Request.Context(), func(d *draft, _ time.Time) error {
		if d.login == nil || d.login.KakaoID != kakaoID {
			return ErrNotLoggedIn
		}
		d.sealed = sealed
		return nil
	})
}

// CSRFSecret returns the session's random 32-byte CSRF secret, creating it
// on first use; a new one is saved with the session before the response's
// first byte. LogIn replaces it. It returns nil without the Middleware. If
// two first requests of one session race, the secret saved first wins and
// the other request's copy does not verify.
func (m *Manager) CSRFSecret(c *gin.Context) []byte {
	st := m.state(c)
	if st == nil {
		return nil
	}
	if st.d != nil && len(st.d.csrf) == csrfSize {
		return bytes.Clone(st.d.csrf)
	}
	if st.d == nil && st.rec != nil && len(st.rec.csrf) == csrfSize {
		return bytes.Clone(st.rec.csrf)
	}
	secret := make([]byte, csrfSize)
	if _, err := rand.Read(secret); err != nil {
		return nil
	}
	st.ops = append(st.ops, func(d *draft, _ time.Time) error {
		if len(d.csrf) != csrfSize {
			d.csrf = secret
		}
		return nil
	})
	d := *st.current()
	d.csrf = secret
	st.d = &d
	return bytes.Clone(secret)
}

// Extra returns the host data stored under key in the request's session.
func (m *Manager) Extra(c *gin.Context, key string) ([]byte, bool) {
	st := m.state(c)
	if st == nil || (st.d == nil && (st.rec == nil || st.rec.extras == nil)) {
		return nil, false
	}
	for _, e := range st.current().extras {
		if e.key == key {
			return bytes.Clone(e.val), true
		}
	}
	return nil, false
}

// SetExtra stores a small piece of host data (at most 4 KiB, keys at most
// 64 bytes, 16 keys) in the request's session, creating the session if
// needed, and saves it before returning. val nil removes key.
func (m *Manager) SetExtra(c *gin.Context, key string, val []byte) error {
	st := m.state(c)
	if st == nil {
		return ErrNoMiddleware
	}
	if key == "" || len(key) > maxExtraKey || len(val) > maxExtraSize {
		return fmt.Errorf("%w: extra %q: key 1–%d bytes, value at most %d bytes", ErrInvalid, key, maxExtraKey, maxExtraSize)
	}
	val = bytes.Clone(val)
	return st.commit(c.Request.Context(), func(d *draft, _ time.Time) error {
		d.extras = slices.DeleteFunc(slices.Clone(d.extras), func(e extra) bool { return e.key == key })
		if val == nil {
			return nil
		}
		if len(d.extras) >= maxExtras {
			return fmt.Errorf("%w: more than %d extra keys", ErrInvalid, maxExtras)
		}
		d.extras = append(d.extras, extra{key: key, val: val})
		return nil
	})
}
