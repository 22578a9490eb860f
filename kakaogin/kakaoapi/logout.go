package kakaoapi

import (
	"context"
	"net/http"
)

// Logout revokes tokens (/v1/user/logout) and returns the user ID.
// With Bearer it revokes that access token; with Admin it revokes all of the
// user's tokens for the app. The browser's Kakao Account session is not
// touched; see AccountLogoutURL. Errors: ErrInvalidToken, ErrNotLinked.
func (c *Client) Logout(ctx context.Context, auth Auth) (int64, error) {
	return c.postID(ctx, endpoint{op: "logout", method: http.MethodPost, path: "/v1/user/logout"}, auth, nil)
}
