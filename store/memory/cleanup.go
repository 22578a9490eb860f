package memory

import (
	"context"
)

// DeleteExpired deletes the expired sessions, revocations, user index
// entries and locks, and the outbox messages older than
// store.OutboxRetention, now and returns how many it deleted. The background
// cleanup calls it; call it yourself when the cleanup is turned off.
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "delete expired"); err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	for token, e := range s.sessions {
		if !e.expiry.After(now) {
			delete(s.sessions, token)
			n++
		}
	}
	for user, tokens := range s.users {
		for token, expiry := range tokens {
			if !expiry.After(now) {
				delete(tokens, token)
				n++
			}
		}
		if len(tokens) == 0 {
			delete(s.users, user)
		}
	}
	for name, l := range s.locks {
		if !l.expiry.After(now) {
			delete(s.locks, name)
			n++
		}
	}
	for topic := range s.outbox {
		n += s.dropOldMessages(topic, now)
	}
	return n, nil
}
