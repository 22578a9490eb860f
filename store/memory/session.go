package memory

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Find returns a copy of the data of a live, unrevoked session.
func (s *Store) Find(ctx context.Context, token string) ([]byte, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, "find"); err != nil {
		return nil, false, err
	}
	e, ok := s.sessions[token]
	if !ok || e.revoked || !e.expiry.After(s.now()) {
		return nil, false, nil
	}
	return bytes.Clone(nonNil(e.data)), true, nil
}

// Commit stores a copy of b for token until expiry, unless token is
// revoked.
func (s *Store) Commit(ctx context.Context, token string, b []byte, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "commit"); err != nil {
		return err
	}
	if s.revoked(token, s.now()) {
		return fmt.Errorf("memory: commit: %w", store.ErrRevoked)
	}
	s.sessions[token] = session{data: bytes.Clone(nonNil(b)), expiry: expiry}
	return nil
}

// CompareAndSwap stores a copy of b for token if its live data equals old
// (or, for a nil old, if it has none), under the store's lock.
func (s *Store) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "compare and swap"); err != nil {
		return false, err
	}
	now := s.now()
	if s.revoked(token, now) {
		return false, fmt.Errorf("memory: compare and swap: %w", store.ErrRevoked)
	}
	e, ok := s.sessions[token]
	live := ok && e.expiry.After(now)
	if old == nil && live || old != nil && (!live || !bytes.Equal(e.data, old)) {
		return false, nil
	}
	s.sessions[token] = session{data: bytes.Clone(nonNil(b)), expiry: expiry}
	return true, nil
}

// Delete replaces the session by a tombstone that lasts until the later
// of its expiry and now+store.RevocationTTL.
func (s *Store) Delete(ctx context.Context, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "delete"); err != nil {
		return err
	}
	s.revoke(token, s.now().Add(store.RevocationTTL))
	return nil
}

// revoked reports whether token holds a live tombstone. The caller holds
// s.mu.
func (s *Store) revoked(token string, now time.Time) bool {
	e, ok := s.sessions[token]
	return ok && e.revoked && e.expiry.After(now)
}

// revoke tombstones token until the later of until and its current
// expiry. The caller holds s.mu for writing.
func (s *Store) revoke(token string, until time.Time) {
	if e, ok := s.sessions[token]; ok && e.expiry.After(until) {
		until = e.expiry
	}
	s.sessions[token] = session{revoked: true, expiry: until}
}

// nonNil turns a nil slice into an empty one, so that a found session's
// data is never nil.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
