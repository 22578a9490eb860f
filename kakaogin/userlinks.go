package kakaogin

import (
	"context"

	"github.com/kakaologin/kakaologin/store"
)

// UserLinks is the link store the library records in which host user each
// Kakao user is (Config.Users). store.Links (any backend's Links())
// implements it; a host with a kakao_id column in its own user table
// implements it in a few lines (see Example_ownUserTable).
//
// ByKakaoID returns store.ErrNotFound when the Kakao user is not linked.
// Link must enforce that one Kakao ID maps to at most one host user and
// return an error matching store.ErrLinkConflict otherwise. Unlink returns
// store.ErrNotFound when there was no link.
type UserLinks interface {
	ByKakaoID(ctx context.Context, kakaoID int64) (store.Link, error)
	Link(ctx context.Context, l store.Link) (store.Link, error)
	Unlink(ctx context.Context, kakaoID int64) (store.Link, error)
}

var _ UserLinks = store.Links(nil)
