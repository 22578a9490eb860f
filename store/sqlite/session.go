package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Find returns the data of a live session. A revoked token has no
// session row, so it is simply not found.
func (s *Store) Find(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.retry(ctx, "find", func(ctx context.Context) error {
		return s.r.QueryRowContext(ctx, sqlFind, []byte(token), s.nowNanos()).Scan(&b)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if b == nil {
		b = []byte{}
	}
	return b, true, nil
}

// Commit stores b for token until expiry, in one statement that refuses
// to write over a live revocation.
func (s *Store) Commit(ctx context.Context, token string, b []byte, expiry time.Time) error {
	var stored int64
	err := s.retry(ctx, "commit", func(ctx context.Context) error {
		res, err := s.w.ExecContext(ctx, sqlCommit, []byte(token), nonNil(b), unixNanos(expiry), s.nowNanos())
		if err != nil {
			return err
		}
		stored, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return err
	}
	if stored == 0 {
		return fmt.Errorf("sqlite: commit: %w", store.ErrRevoked)
	}
	return nil
}

// CompareAndSwap stores b for token if the live data equals old (or, for a
// nil old, if there is none), in one write transaction. The transaction
// starts with BEGIN IMMEDIATE, which takes the file's write lock, so no
// other connection or process can write between the test and the write.
func (s *Store) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	var swapped, revoked bool
	err := s.retry(ctx, "compare and swap", func(ctx context.Context) error {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			now := s.nowNanos()
			if err := tx.QueryRowContext(ctx, sqlRevoked, []byte(token), now).Scan(&revoked); err != nil || revoked {
				return err
			}
			var res sql.Result
			var err error
			if old == nil {
				res, err = tx.ExecContext(ctx, sqlCASAbsent, []byte(token), nonNil(b), unixNanos(expiry), now)
			} else {
				res, err = tx.ExecContext(ctx, sqlCASEqual, []byte(token), nonNil(b), unixNanos(expiry), now, old)
			}
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			swapped = n == 1
			return err
		})
	})
	switch {
	case err != nil:
		return false, err
	case revoked:
		return false, fmt.Errorf("sqlite: compare and swap: %w", store.ErrRevoked)
	}
	return swapped, nil
}

// Delete removes the session's data and records a tombstone that keeps
// its token revoked until the later of its expiry and
// now+store.RevocationTTL, in one write transaction.
func (s *Store) Delete(ctx context.Context, token string) error {
	return s.retry(ctx, "delete", func(ctx context.Context) error {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, sqlTombstone, []byte(token), s.nowPlus(store.RevocationTTL)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, sqlDeleteSession, []byte(token))
			return err
		})
	})
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE) on the writer
// connection, committing when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error of fn is the one to report
		return err
	}
	return tx.Commit()
}

// nonNil turns a nil slice into an empty one: a session with no data is
// stored as an empty BLOB, never as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
