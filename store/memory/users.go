package memory

import (
	"context"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// AddUserSession records token under user until expiry; adding a known
// pair again keeps the later expiry.
func (s *Store) AddUserSession(ctx context.Context, user, token string, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "add user session"); err != nil {
		return err
	}
	tokens := s.users[user]
	if tokens == nil {
		tokens = map[string]time.Time{}
		s.users[user] = tokens
	}
	if cur, ok := tokens[token]; !ok || expiry.After(cur) {
		tokens[token] = expiry
	}
	return nil
}

// RemoveUserSession forgets one token of user.
func (s *Store) RemoveUserSession(ctx context.Context, user, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "remove user session"); err != nil {
		return err
	}
	if tokens := s.users[user]; tokens != nil {
		delete(tokens, token)
		if len(tokens) == 0 {
			delete(s.users, user)
		}
	}
	return nil
}

// UserSessions lists the unexpired tokens recorded for user.
func (s *Store) UserSessions(ctx context.Context, user string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, "user sessions"); err != nil {
		return nil, err
	}
	now := s.now()
	var out []string
	for token, expiry := range s.users[user] {
		if expiry.After(now) {
			out = append(out, token)
		}
	}
	return out, nil
}

// RevokeUser tombstones every token in user's index, empties the index and
// returns how many entries were unexpired. It visits only user's entries.
func (s *Store) RevokeUser(ctx context.Context, user string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "revoke user"); err != nil {
		return 0, err
	}
	now := s.now()
	minUntil := now.Add(store.RevocationTTL)
	n := 0
	for token, expiry := range s.users[user] {
		if expiry.After(now) {
			n++
		}
		until := minUntil
		if expiry.After(until) {
			until = expiry
		}
		s.revoke(token, until)
	}
	delete(s.users, user)
	return n, nil
}
