package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AddUserSession records token under user until expiry; adding a known
// pair again keeps the later expiry.
func (s *Store) AddUserSession(ctx context.Context, user, token string, expiry time.Time) error {
	if err := checkKeys("user", user, "token", token); err != nil {
		return fmt.Errorf("mysql: add user session: %w", err)
	}
	_, err := s.execRetry(ctx, s.q.addUserSession, []byte(user), []byte(token), dbTime(expiry))
	return wrap("add user session", err)
}

// RemoveUserSession forgets one token of user.
func (s *Store) RemoveUserSession(ctx context.Context, user, token string) error {
	if err := checkKeys("user", user, "token", token); err != nil {
		return fmt.Errorf("mysql: remove user session: %w", err)
	}
	_, err := s.execRetry(ctx, s.q.removeUserSession, []byte(user), []byte(token))
	return wrap("remove user session", err)
}

// UserSessions lists the unexpired tokens recorded for user.
func (s *Store) UserSessions(ctx context.Context, user string) ([]string, error) {
	if err := checkKey("user", user); err != nil {
		return nil, fmt.Errorf("mysql: user sessions: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, s.q.userSessions, []byte(user))
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

// revokeBatch is how many tokens one statement of RevokeUser tombstones,
// well within the server's limit on placeholders.
const revokeBatch = 500

// RevokeUser revokes every token in user's index and empties the index, in
// one transaction that reads only that user's index rows (a primary key
// range) and writes only their sessions. It returns how many of the index
// entries were unexpired.
func (s *Store) RevokeUser(ctx context.Context, user string) (int, error) {
	if err := checkKey("user", user); err != nil {
		return 0, fmt.Errorf("mysql: revoke user: %w", err)
	}
	var live int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		live = 0
		rows, err := tx.QueryContext(ctx, s.q.revokeUserSelect, []byte(user))
		if err != nil {
			return err
		}
		type entry struct {
			token  []byte
			expiry time.Time
		}
		var entries []entry
		for rows.Next() {
			var e entry
			var unexpired bool
			if err := rows.Scan(&e.token, &e.expiry, &unexpired); err != nil {
				rows.Close()
				return err
			}
			entries = append(entries, e)
			if unexpired {
				live++
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for start := 0; start < len(entries); start += revokeBatch {
			batch := entries[start:min(start+revokeBatch, len(entries))]
			rowSQL := make([]byte, 0, len(batch)*(len(s.q.revokeUserRow)+2))
			insArgs := make([]any, 0, 2*len(batch))
			delArgs := make([]any, 0, 1+len(batch))
			delArgs = append(delArgs, []byte(user))
			for i, e := range batch {
				if i > 0 {
					rowSQL = append(rowSQL, ", "...)
				}
				rowSQL = append(rowSQL, s.q.revokeUserRow...)
				insArgs = append(insArgs, e.token, e.expiry)
				delArgs = append(delArgs, e.token)
			}
			ins := replaceOnce(s.q.revokeUserInsert, "{rows}", string(rowSQL))
			if _, err := tx.ExecContext(ctx, ins, insArgs...); err != nil {
				return err
			}
			del := replaceOnce(s.q.revokeUserDelete, "{list}", placeholders(len(batch), 1))
			if _, err := tx.ExecContext(ctx, del, delArgs...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, wrap("revoke user", err)
	}
	return live, nil
}

// checkKeys checks name, value pairs with checkKey.
func checkKeys(nameValues ...string) error {
	for i := 0; i+1 < len(nameValues); i += 2 {
		if err := checkKey(nameValues[i], nameValues[i+1]); err != nil {
			return err
		}
	}
	return nil
}
