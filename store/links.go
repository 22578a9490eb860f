package store

import (
	"context"
	"time"
)

// Link ties one Kakao user (by service user ID) to one host user.
type Link struct {
	// KakaoID is Kakao's service user ID (the ID token's sub).
	KakaoID int64
	// UserID is the host application's own user identifier.
	UserID string
	// LinkedAt is when the link was made, in UTC.
	LinkedAt time.Time
}

// Links keeps the links between Kakao users and host users. One Kakao ID
// maps to at most one host user and one host user to at most one Kakao ID;
// the backend enforces both with unique constraints, so the rule holds under
// concurrency and across app instances.
type Links interface {
	// ByKakaoID returns the link of a Kakao user, or ErrNotFound.
	ByKakaoID(ctx context.Context, kakaoID int64) (Link, error)

	// ByUserID returns the link of a host user, or ErrNotFound.
	ByUserID(ctx context.Context, userID string) (Link, error)

	// Link creates the link. Linking a pair that is already linked to each
	// other succeeds and keeps the original LinkedAt. If either side is
	// linked to someone else it returns an error matching ErrLinkConflict
	// and changes nothing. A zero l.LinkedAt is set to the current time.
	// An empty l.UserID is refused with an error that is not
	// ErrLinkConflict.
	Link(ctx context.Context, l Link) (Link, error)

	// Unlink removes the link of a Kakao user and returns it. It returns
	// ErrNotFound when there was none.
	Unlink(ctx context.Context, kakaoID int64) (Link, error)
}
