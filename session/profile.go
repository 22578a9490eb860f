package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// ProfileChange is a change of the Kakao profile values a login keeps a
// snapshot of (Login.Nickname, Login.ImageURL). A nil field is left as it
// is.
type ProfileChange struct {
	Nickname *string
	ImageURL *string
}

// profileSwapAttempts bounds the compare-and-swap retries on one session
// that a request keeps changing meanwhile.
const profileSwapAttempts = 4

// UpdateProfile applies p to the login of every live session of the Kakao
// user kakaoID, on every instance (the sessions are found through the
// per-user index, at a cost proportional to that user's sessions), and
// reports how many sessions it changed. Nothing else in a session changes:
// not its deadlines, its tokens or the host's values. Each session is
// written with a compare-and-swap, so a concurrent change is never
// overwritten; but a request that loaded the session before the update and
// saves it afterwards writes its own copy back, with the old values, as any
// request that changes its session does. Ended, expired and pending
// sessions are left alone.
func (m *Manager) UpdateProfile(ctx context.Context, kakaoID int64, p ProfileChange) (int, error) {
	if p.Nickname == nil && p.ImageURL == nil {
		return 0, nil
	}
	keys, err := m.st.UserSessions(ctx, kakaoIndex(kakaoID))
	if err != nil {
		return 0, fmt.Errorf("session: update profile: %w", err)
	}
	n := 0
	for _, key := range keys {
		ok, err := m.updateLogin(ctx, key, kakaoID, p)
		if err != nil {
			return n, fmt.Errorf("session: update profile: %w", err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// updateLogin applies p to the login stored under key, retrying when the
// session changed between reading and writing it.
func (m *Manager) updateLogin(ctx context.Context, key string, kakaoID int64, p ProfileChange) (bool, error) {
	for range profileSwapAttempts {
		old, found, err := m.st.Find(ctx, key)
		if err != nil || !found {
			return false, err
		}
		rec, err := scanRecord(old)
		if err != nil || rec.login == nil || m.expired(rec, m.now()) {
			return false, nil // not a live login: nothing to update
		}
		d := rec.decode()
		if d.login == nil || d.login.KakaoID != kakaoID {
			return false, nil
		}
		l := *d.login
		changed := false
		if p.Nickname != nil && l.Nickname != *p.Nickname {
			l.Nickname, changed = *p.Nickname, true
		}
		if p.ImageURL != nil && l.ImageURL != *p.ImageURL {
			l.ImageURL, changed = *p.ImageURL, true
		}
		if !changed {
			return false, nil
		}
		d.login = &l
		b, err := d.encode(rec.host, rec.seen)
		if err != nil {
			return false, err
		}
		expiry := time.Unix(min(rec.seen+m.idleSecs, rec.deadline), 0)
		swapped, err := m.st.CompareAndSwap(ctx, key, old, b, expiry)
		switch {
		case errors.Is(err, store.ErrRevoked):
			return false, nil
		case err != nil:
			return false, err
		case swapped:
			return true, nil
		}
	}
	return false, errors.New("the session kept changing")
}
