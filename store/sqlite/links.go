package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// linkStore is the store.Links of a Store, in the kakaologin_links
// table whose primary key (kakao_id) and UNIQUE (user_id) constraint keep
// both sides of every link unique.
type linkStore struct{ s *Store }

// ByKakaoID returns the link of a Kakao user, or store.ErrNotFound.
func (l linkStore) ByKakaoID(ctx context.Context, kakaoID int64) (store.Link, error) {
	return l.one(ctx, "link by kakao id", l.s.r, sqlLinkByKakaoID, kakaoID)
}

// ByUserID returns the link of a host user, or store.ErrNotFound.
func (l linkStore) ByUserID(ctx context.Context, userID string) (store.Link, error) {
	return l.one(ctx, "link by user id", l.s.r, sqlLinkByUserID, userID)
}

// Unlink deletes the link of a Kakao user and returns it, or
// store.ErrNotFound.
func (l linkStore) Unlink(ctx context.Context, kakaoID int64) (store.Link, error) {
	return l.one(ctx, "unlink", l.s.w, sqlUnlink, kakaoID)
}

// errLinked tells Link's transaction that the pair is already linked to
// each other.
var errLinked = errors.New("already linked to each other")

// Link inserts the link unless either side is already linked, in one write
// transaction. Re-linking the same pair returns the stored link with its
// original LinkedAt.
func (l linkStore) Link(ctx context.Context, link store.Link) (store.Link, error) {
	if link.UserID == "" {
		return store.Link{}, errors.New("sqlite: link: empty user ID")
	}
	if link.LinkedAt.IsZero() {
		link.LinkedAt = l.s.now()
	}
	link.LinkedAt = fromNanos(unixNanos(link.LinkedAt))
	var have store.Link
	err := l.s.retry(ctx, "link", func(ctx context.Context) error {
		return l.s.inTx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, sqlLinkEither, link.KakaoID, link.UserID)
			if err != nil {
				return err
			}
			var conflict error
			for rows.Next() {
				if have, err = scanLink(rows); err != nil {
					rows.Close()
					return err
				}
				switch {
				case have.KakaoID == link.KakaoID && have.UserID == link.UserID:
					conflict = errLinked
				case have.KakaoID == link.KakaoID:
					conflict = fmt.Errorf("kakao user already linked to another user: %w", store.ErrLinkConflict)
				case conflict == nil:
					conflict = fmt.Errorf("user already linked to another kakao user: %w", store.ErrLinkConflict)
				}
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
			if conflict != nil {
				return conflict
			}
			_, err = tx.ExecContext(ctx, sqlLinkInsert, link.KakaoID, link.UserID, unixNanos(link.LinkedAt))
			return err
		})
	})
	switch {
	case errors.Is(err, errLinked):
		return have, nil
	case err != nil:
		return store.Link{}, err
	}
	return link, nil
}

// one runs a query returning at most one link.
func (l linkStore) one(ctx context.Context, op string, db *sql.DB, query string, arg any) (store.Link, error) {
	var link store.Link
	err := l.s.retry(ctx, op, func(ctx context.Context) error {
		var err error
		link, err = scanLink(db.QueryRowContext(ctx, query, arg))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return store.Link{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	if err != nil {
		return store.Link{}, err
	}
	return link, nil
}

// scanLink reads kakao_id, user_id, linked_at.
func scanLink(row interface{ Scan(...any) error }) (store.Link, error) {
	var link store.Link
	var at int64
	if err := row.Scan(&link.KakaoID, &link.UserID, &at); err != nil {
		return store.Link{}, err
	}
	link.LinkedAt = fromNanos(at)
	return link, nil
}

// fromNanos turns a stored time back into a UTC time.Time.
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
