package memory

import (
	"context"
	"errors"
	"fmt"

	"github.com/kakaologin/kakaologin/store"
)

// linkStore is the store.Links of a Store: two maps, one per
// direction, changed together under the store's lock.
type linkStore struct{ s *Store }

// Links returns the store's Kakao ID ↔ host user links. Any int64 is
// accepted as a Kakao ID, like the SQL backends do; UserID must not be
// empty.
func (s *Store) Links() store.Links { return linkStore{s} }

// ByKakaoID returns the link of a Kakao user, or store.ErrNotFound.
func (l linkStore) ByKakaoID(ctx context.Context, kakaoID int64) (store.Link, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	if err := l.s.check(ctx, "link by kakao id"); err != nil {
		return store.Link{}, err
	}
	link, ok := l.s.linksByID[kakaoID]
	if !ok {
		return store.Link{}, fmt.Errorf("memory: link by kakao id: %w", store.ErrNotFound)
	}
	return link, nil
}

// ByUserID returns the link of a host user, or store.ErrNotFound.
func (l linkStore) ByUserID(ctx context.Context, userID string) (store.Link, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	if err := l.s.check(ctx, "link by user id"); err != nil {
		return store.Link{}, err
	}
	id, ok := l.s.linksByUser[userID]
	if !ok {
		return store.Link{}, fmt.Errorf("memory: link by user id: %w", store.ErrNotFound)
	}
	return l.s.linksByID[id], nil
}

// Link records the link unless either side is linked to someone else.
// Re-linking the same pair returns the stored link with its original
// LinkedAt.
func (l linkStore) Link(ctx context.Context, link store.Link) (store.Link, error) {
	if link.UserID == "" {
		return store.Link{}, errors.New("memory: link: empty user ID")
	}
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if err := l.s.check(ctx, "link"); err != nil {
		return store.Link{}, err
	}
	if have, ok := l.s.linksByID[link.KakaoID]; ok {
		if have.UserID == link.UserID {
			return have, nil
		}
		return store.Link{}, fmt.Errorf("memory: link: kakao user already linked to another user: %w", store.ErrLinkConflict)
	}
	if _, ok := l.s.linksByUser[link.UserID]; ok {
		return store.Link{}, fmt.Errorf("memory: link: user already linked to another kakao user: %w", store.ErrLinkConflict)
	}
	if link.LinkedAt.IsZero() {
		link.LinkedAt = l.s.now()
	}
	link.LinkedAt = link.LinkedAt.UTC()
	l.s.linksByID[link.KakaoID] = link
	l.s.linksByUser[link.UserID] = link.KakaoID
	return link, nil
}

// Unlink removes the link of a Kakao user and returns it, or
// store.ErrNotFound.
func (l linkStore) Unlink(ctx context.Context, kakaoID int64) (store.Link, error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if err := l.s.check(ctx, "unlink"); err != nil {
		return store.Link{}, err
	}
	link, ok := l.s.linksByID[kakaoID]
	if !ok {
		return store.Link{}, fmt.Errorf("memory: unlink: %w", store.ErrNotFound)
	}
	delete(l.s.linksByID, kakaoID)
	delete(l.s.linksByUser, link.UserID)
	return link, nil
}
