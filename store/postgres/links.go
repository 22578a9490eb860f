package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakaologin/kakaologin/store"
)

// linkStore is the store.Links of a Store, in the kakaologin_links
// table whose primary key (kakao_id) and UNIQUE (user_id) constraint keep
// both sides of every link unique.
type linkStore struct{ s *Store }

// ByKakaoID returns the link of a Kakao user, or store.ErrNotFound.
func (l linkStore) ByKakaoID(ctx context.Context, kakaoID int64) (store.Link, error) {
	return l.one(ctx, "link by kakao id", l.s.q.linkByKakaoID, kakaoID)
}

// ByUserID returns the link of a host user, or store.ErrNotFound.
func (l linkStore) ByUserID(ctx context.Context, userID string) (store.Link, error) {
	return l.one(ctx, "link by user id", l.s.q.linkByUserID, userID)
}

// Unlink deletes the link of a Kakao user and returns it, or
// store.ErrNotFound.
func (l linkStore) Unlink(ctx context.Context, kakaoID int64) (store.Link, error) {
	return l.one(ctx, "unlink", l.s.q.unlink, kakaoID)
}

// Link inserts the link unless either side is already linked. Re-linking
// the same pair returns the stored link with its original LinkedAt.
func (l linkStore) Link(ctx context.Context, link store.Link) (store.Link, error) {
	ctx, cancel := l.s.call(ctx)
	defer cancel()
	if link.UserID == "" {
		return store.Link{}, errors.New("postgres: link: empty user ID")
	}
	var at any // NULL: the database's now()
	if !link.LinkedAt.IsZero() {
		at = link.LinkedAt
	}
	var linkedAt time.Time
	err := l.s.pool.QueryRow(ctx, l.s.q.link, link.KakaoID, link.UserID, at).Scan(&linkedAt)
	if err == nil {
		link.LinkedAt = linkedAt.UTC()
		return link, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.Link{}, wrap("link", err)
	}
	// Not inserted: one side is taken. It is no conflict if it is taken by
	// this very pair.
	have, err := l.ByKakaoID(ctx, link.KakaoID)
	switch {
	case err == nil && have.UserID == link.UserID:
		return have, nil
	case err == nil:
		return store.Link{}, fmt.Errorf("postgres: link: kakao user already linked to another user: %w", store.ErrLinkConflict)
	case errors.Is(err, store.ErrNotFound):
		return store.Link{}, fmt.Errorf("postgres: link: user already linked to another kakao user: %w", store.ErrLinkConflict)
	default:
		return store.Link{}, err
	}
}

// one runs a query returning at most one link.
func (l linkStore) one(ctx context.Context, op, query string, arg any) (store.Link, error) {
	ctx, cancel := l.s.call(ctx)
	defer cancel()
	var link store.Link
	err := l.s.pool.QueryRow(ctx, query, arg).Scan(&link.KakaoID, &link.UserID, &link.LinkedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Link{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	if err != nil {
		return store.Link{}, wrap(op, err)
	}
	link.LinkedAt = link.LinkedAt.UTC()
	return link, nil
}
