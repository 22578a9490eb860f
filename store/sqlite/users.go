package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// AddUserSession records token under user until expiry; adding a known
// pair again keeps the later expiry.
func (s *Store) AddUserSession(ctx context.Context, user, token string, expiry time.Time) error {
	return s.retry(ctx, "add user session", func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, sqlAddUserSession, user, []byte(token), unixNanos(expiry))
		return err
	})
}

// RemoveUserSession forgets one token of user.
func (s *Store) RemoveUserSession(ctx context.Context, user, token string) error {
	return s.retry(ctx, "remove user session", func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, sqlRemoveUserSession, user, []byte(token))
		return err
	})
}

// UserSessions lists the unexpired tokens recorded for user.
func (s *Store) UserSessions(ctx context.Context, user string) ([]string, error) {
	var tokens []string
	err := s.retry(ctx, "user sessions", func(ctx context.Context) error {
		tokens = tokens[:0]
		rows, err := s.r.QueryContext(ctx, sqlUserSessions, user, s.nowNanos())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t []byte
			if err := rows.Scan(&t); err != nil {
				return err
			}
			tokens = append(tokens, string(t))
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return tokens, nil
}

// RevokeUser tombstones every token in user's index, deletes their
// sessions and empties the index, in one write transaction that touches
// only that user's rows. It returns how many index entries were
// unexpired.
func (s *Store) RevokeUser(ctx context.Context, user string) (int, error) {
	var n int
	err := s.retry(ctx, "revoke user", func(ctx context.Context) error {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			now := s.nowNanos()
			if _, err := tx.ExecContext(ctx, sqlRevokeUserTombstones, user, s.nowPlus(store.RevocationTTL)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlRevokeUserSessions, user); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, sqlRevokeUserCount, user, now).Scan(&n); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, sqlRevokeUserIndex, user)
			return err
		})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
