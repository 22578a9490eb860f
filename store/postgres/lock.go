package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// TryLock takes the named lock for ttl if it is free or its holder's ttl
// has run out (on the database clock). The fence is a random value that
// only this holder knows.
func (s *Store) TryLock(ctx context.Context, name string, ttl time.Duration) (string, bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	if ttl <= 0 {
		return "", false, fmt.Errorf("postgres: try lock: ttl %v is not positive", ttl)
	}
	fence := rand.Text()
	var ok bool
	err := s.pool.QueryRow(ctx, s.q.tryLock, name, fence, ttl).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, wrap("try lock", err)
	}
	return fence, true, nil
}

// Unlock releases the named lock if fence still holds it; otherwise (the
// ttl ran out and someone else took it, or it was released) it does
// nothing.
func (s *Store) Unlock(ctx context.Context, name, fence string) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, s.q.unlock, name, fence)
	return wrap("unlock", err)
}
