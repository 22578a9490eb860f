package postgres

import (
	"context"
	"time"
)

// AddUserSession records token under user until expiry; adding a known
// pair again keeps the later expiry.
func (s *Store) AddUserSession(ctx context.Context, user, token string, expiry time.Time) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, s.q.addUserSession, user, []byte(token), expiry)
	return wrap("add user session", err)
}

// RemoveUserSession forgets one token of user.
func (s *Store) RemoveUserSession(ctx context.Context, user, token string) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, s.q.removeUserSession, user, []byte(token))
	return wrap("remove user session", err)
}

// UserSessions lists the unexpired tokens recorded for user.
func (s *Store) UserSessions(ctx context.Context, user string) ([]string, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, s.q.userSessions, user)
	if err != nil {
		return nil, wrap("user sessions", err)
	}
	defer rows.Close()
	var tokens []string
	for rows.Next() {
		var t []byte
		if err := rows.Scan(&t); err != nil {
			return nil, wrap("user sessions", err)
		}
		tokens = append(tokens, string(t))
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("user sessions", err)
	}
	return tokens, nil
}

// RevokeUser revokes every token in user's index and empties the index,
// in one statement (one transaction) that reads only that user's index
// rows and writes only their sessions. It returns how many of the index
// entries were unexpired.
func (s *Store) RevokeUser(ctx context.Context, user string) (int, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	var n int64
	if err := s.pool.QueryRow(ctx, s.q.revokeUser, user).Scan(&n); err != nil {
		return 0, wrap("revoke user", err)
	}
	return int(n), nil
}
