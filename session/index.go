package session

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// RevokeKakaoUser ends every session of the Kakao user kakaoID (logout
// everywhere, unlink, Kakao's unlink callback) and reports how many it
// ended. A request that loaded one of them earlier cannot save it again.
func (m *Manager) RevokeKakaoUser(ctx context.Context, kakaoID int64) (int, error) {
	n, err := m.revoke(ctx, kakaoIndex(kakaoID))
	if err != nil {
		return n, fmt.Errorf("session: revoke Kakao user sessions: %w", err)
	}
	return n, nil
}

// RevokeHostUser ends every session logged in as the host user userID and
// reports how many it ended.
func (m *Manager) RevokeHostUser(ctx context.Context, userID string) (int, error) {
	n, err := m.revoke(ctx, hostIndex(userID))
	if err != nil {
		return n, fmt.Errorf("session: revoke host user sessions: %w", err)
	}
	return n, nil
}

// revoke ends the sessions indexed under user, side records first: a
// renewal racing it checks, after saving under its new token, that its
// tokens side record is live, so either that check sees the side record
// revoked, or the new token was indexed before the sessions below were
// listed and is revoked with them.
func (m *Manager) revoke(ctx context.Context, user string) (int, error) {
	if _, err := m.st.RevokeUser(ctx, sideIndex(user)); err != nil {
		return 0, err
	}
	return m.st.RevokeUser(ctx, user)
}

func kakaoIndex(id int64) string     { return "kakao:" + strconv.FormatInt(id, 10) }
func hostIndex(userID string) string { return "user:" + userID }

// sideIndex is the index of the side records of user's sessions, apart
// from the sessions themselves so RevokeUser's count stays one per session.
func sideIndex(user string) string { return "side:" + user }

// index records key, a session token (side false) or a side record (side
// true), under the users of l until deadline.
func (m *Manager) index(ctx context.Context, l *Login, key string, side bool, deadline int64) error {
	exp := time.Unix(deadline, 0)
	for _, user := range indexesOf(l, side) {
		if err := m.st.AddUserSession(ctx, user, key, exp); err != nil {
			return fmt.Errorf("session: index session: %w", err)
		}
	}
	return nil
}

// unindex drops a dead key from the user index. Failure is harmless (the
// entry points at a revoked key and expires), so it is only logged.
func (m *Manager) unindex(ctx context.Context, l *Login, key string, side bool) {
	for _, user := range indexesOf(l, side) {
		if err := m.st.RemoveUserSession(ctx, user, key); err != nil {
			m.log.Warn("session: could not remove an ended session from the user index", "err", err)
		}
	}
}

// indexesOf lists the index names of l's sessions or side records.
func indexesOf(l *Login, side bool) []string {
	users := make([]string, 0, 2)
	users = append(users, kakaoIndex(l.KakaoID))
	if l.UserID != "" {
		users = append(users, hostIndex(l.UserID))
	}
	if side {
		for i, u := range users {
			users[i] = sideIndex(u)
		}
	}
	return users
}
