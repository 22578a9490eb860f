package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakaologin/kakaologin/store"
)

// Find returns the data of a live, unrevoked session.
func (s *Store) Find(ctx context.Context, token string) ([]byte, bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	var b []byte
	err := s.pool.QueryRow(ctx, s.q.find, []byte(token)).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap("find", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, true, nil
}

// Commit stores b for token until expiry, in one statement that refuses
// to overwrite a live revocation.
func (s *Store) Commit(ctx context.Context, token string, b []byte, expiry time.Time) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	var stored bool
	err := s.pool.QueryRow(ctx, s.q.commit, []byte(token), nonNil(b), expiry).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: commit: %w", store.ErrRevoked)
	}
	return wrap("commit", err)
}

// CompareAndSwap stores b for token if the live data equals old (or, for a
// nil old, if there is none). The test and the write are one statement:
// PostgreSQL re-checks its condition on the newest row version after
// waiting for a concurrent writer, also one on another app instance.
func (s *Store) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	var row pgx.Row
	if old == nil {
		row = s.pool.QueryRow(ctx, s.q.casAbsent, []byte(token), nonNil(b), expiry)
	} else {
		row = s.pool.QueryRow(ctx, s.q.casEqual, []byte(token), nonNil(b), expiry, old)
	}
	var swapped, revoked bool
	if err := row.Scan(&swapped, &revoked); err != nil {
		return false, wrap("compare and swap", err)
	}
	if !swapped && revoked {
		return false, fmt.Errorf("postgres: compare and swap: %w", store.ErrRevoked)
	}
	return swapped, nil
}

// Delete removes the session's data and keeps its token revoked until
// the later of its expiry and now+store.RevocationTTL, on the database
// clock.
func (s *Store) Delete(ctx context.Context, token string) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, s.q.delete, []byte(token))
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
