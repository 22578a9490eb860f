package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Find returns the data of a live, unrevoked session.
func (s *Store) Find(ctx context.Context, token string) ([]byte, bool, error) {
	if err := checkKey("token", token); err != nil {
		return nil, false, fmt.Errorf("mysql: find: %w", err)
	}
	var b []byte
	err := s.db.QueryRowContext(ctx, s.q.find, []byte(token)).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap("find", err)
	}
	return nonNil(b), true, nil
}

// Commit stores b for token until expiry, in one statement that leaves a
// live revocation as it is, which it then reports as store.ErrRevoked.
func (s *Store) Commit(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if err := checkKey("token", token); err != nil {
		return fmt.Errorf("mysql: commit: %w", err)
	}
	n, err := s.execRetry(ctx, s.q.commit, []byte(token), nonNil(b), dbTime(expiry))
	if err != nil {
		return wrap("commit", err)
	}
	if n == 0 {
		return fmt.Errorf("mysql: commit: %w", store.ErrRevoked)
	}
	return nil
}

// CompareAndSwap stores b for token if the live data equals old (or, for a
// nil old, if there is none). The test and the write are one statement,
// which InnoDB runs on the newest version of the row under its row lock,
// also when a concurrent writer on another app instance held it first.
// Only a refused swap asks, in a second statement, whether a revocation
// refused it.
func (s *Store) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	if err := checkKey("token", token); err != nil {
		return false, fmt.Errorf("mysql: compare and swap: %w", err)
	}
	var n int64
	var err error
	if old == nil {
		n, err = s.execRetry(ctx, s.q.casAbsent, []byte(token), nonNil(b), dbTime(expiry))
	} else {
		n, err = s.execRetry(ctx, s.q.casEqual, nonNil(b), dbTime(expiry), []byte(token), old)
	}
	if err != nil {
		return false, wrap("compare and swap", err)
	}
	if n > 0 {
		return true, nil
	}
	var revoked bool
	if err := s.db.QueryRowContext(ctx, s.q.revoked, []byte(token)).Scan(&revoked); err != nil {
		return false, wrap("compare and swap", err)
	}
	if revoked {
		return false, fmt.Errorf("mysql: compare and swap: %w", store.ErrRevoked)
	}
	return false, nil
}

// Delete removes the session's data and keeps its token revoked until
// the later of its expiry and now+store.RevocationTTL, on the database
// clock.
func (s *Store) Delete(ctx context.Context, token string) error {
	if err := checkKey("token", token); err != nil {
		return fmt.Errorf("mysql: delete: %w", err)
	}
	_, err := s.execRetry(ctx, s.q.delete, []byte(token))
	return wrap("delete", err)
}

// nonNil turns a nil slice into an empty one, so that a session with no
// data is stored as an empty value and never as SQL NULL, which marks a
// revocation.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// checkKey refuses a token, user ID, lock name or topic longer than its
// column, which a server outside strict mode would cut short, making two
// long keys one.
func checkKey(what, v string) error {
	if len(v) > maxKeyLen {
		return fmt.Errorf("%s of %d bytes is longer than the %d bytes the store keeps", what, len(v), maxKeyLen)
	}
	return nil
}
