package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// linkStore is the store.Links of a Store, in the kakaologin_links
// table whose primary key (kakao_id) and unique key (user_id) keep both
// sides of every link unique.
type linkStore struct{ s *Store }

// ByKakaoID returns the link of a Kakao user, or store.ErrNotFound.
func (l linkStore) ByKakaoID(ctx context.Context, kakaoID int64) (store.Link, error) {
	return l.one(ctx, "link by kakao id", l.s.q.linkByKakaoID, kakaoID)
}

// ByUserID returns the link of a host user, or store.ErrNotFound.
func (l linkStore) ByUserID(ctx context.Context, userID string) (store.Link, error) {
	if err := checkKey("user ID", userID); err != nil {
		return store.Link{}, fmt.Errorf("mysql: link by user id: %w", err)
	}
	return l.one(ctx, "link by user id", l.s.q.linkByUserID, []byte(userID))
}

// Unlink deletes the link of a Kakao user and returns it, or
// store.ErrNotFound, in one transaction that locks the row it reads.
func (l linkStore) Unlink(ctx context.Context, kakaoID int64) (store.Link, error) {
	var link store.Link
	err := l.s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if link, err = scanLink(tx.QueryRowContext(ctx, l.s.q.unlinkSelect, kakaoID)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, l.s.q.unlinkDelete, kakaoID)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return store.Link{}, fmt.Errorf("mysql: unlink: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Link{}, wrap("unlink", err)
	}
	return link, nil
}

// Link inserts the link unless either side is already linked. Re-linking
// the same pair returns the stored link with its original LinkedAt. A
// zero LinkedAt is the database clock's time.
func (l linkStore) Link(ctx context.Context, link store.Link) (store.Link, error) {
	if link.UserID == "" {
		return store.Link{}, errors.New("mysql: link: empty user ID")
	}
	if err := checkKey("user ID", link.UserID); err != nil {
		return store.Link{}, fmt.Errorf("mysql: link: %w", err)
	}
	if link.LinkedAt.IsZero() {
		var now time.Time
		if err := l.s.db.QueryRowContext(ctx, l.s.q.now).Scan(&now); err != nil {
			return store.Link{}, wrap("link", err)
		}
		link.LinkedAt = now
	}
	link.LinkedAt = dbTime(link.LinkedAt)
	_, err := l.s.execRetry(ctx, l.s.q.link, link.KakaoID, []byte(link.UserID), link.LinkedAt)
	if err == nil {
		return link, nil
	}
	if !isNumber(err, erDupEntry) {
		return store.Link{}, wrap("link", err)
	}
	// Not inserted: one side is taken. It is no conflict if it is taken by
	// this very pair.
	have, err := l.ByKakaoID(ctx, link.KakaoID)
	switch {
	case err == nil && have.UserID == link.UserID:
		return have, nil
	case err == nil:
		return store.Link{}, fmt.Errorf("mysql: link: kakao user already linked to another user: %w", store.ErrLinkConflict)
	case errors.Is(err, store.ErrNotFound):
		return store.Link{}, fmt.Errorf("mysql: link: user already linked to another kakao user: %w", store.ErrLinkConflict)
	default:
		return store.Link{}, err
	}
}

// one runs a query returning at most one link.
func (l linkStore) one(ctx context.Context, op, query string, arg any) (store.Link, error) {
	link, err := scanLink(l.s.db.QueryRowContext(ctx, query, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Link{}, fmt.Errorf("mysql: %s: %w", op, store.ErrNotFound)
	}
	if err != nil {
		return store.Link{}, wrap(op, err)
	}
	return link, nil
}

// scanLink reads a link from a row of kakao_id, user_id, linked_at.
func scanLink(row *sql.Row) (store.Link, error) {
	var link store.Link
	var user []byte
	if err := row.Scan(&link.KakaoID, &user, &link.LinkedAt); err != nil {
		return store.Link{}, err
	}
	link.UserID = string(user)
	link.LinkedAt = link.LinkedAt.UTC()
	return link, nil
}
