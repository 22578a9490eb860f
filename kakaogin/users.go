package kakaogin

import (
	"context"

	"github.com/kakaologin/kakaologin/store"
)

// Users is how the library finds and records which host user a Kakao user
// is. store.Links (any backend's Links()) implements it; a host with a
// kakao_id column in its own user table implements it in a few lines.
//
// ByKakaoID returns store.ErrNotFound when the Kakao user is not linked.
// Link must enforce that one Kakao ID maps to at most one host user and
// return an error matching store.ErrLinkConflict otherwise. Unlink returns
// store.ErrNotFound when there was no link.
type Users interface {
	ByKakaoID(ctx context.Context, kakaoID int64) (store.Link, error)
	Link(ctx context.Context, l store.Link) (store.Link, error)
	Unlink(ctx context.Context, kakaoID int64) (store.Link, error)
}

var _ Users = store.Links(nil)
