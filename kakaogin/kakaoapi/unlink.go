package kakaoapi

import (
	"context"
	"net/http"
	"net/url"
)

// Unlink unlinks the user from the app (/v1/user/unlink) and returns the
// user ID: all consents are withdrawn, all tokens revoked and custom
// properties deleted. Kakao sends no unlink webhook for it, so do the local
// cleanup without waiting for one. Use Admin when no valid user token is
// left. Errors: ErrNotLinked (already unlinked; treat as done),
// ErrInvalidToken.
func (c *Client) Unlink(ctx context.Context, auth Auth) (int64, error) {
	return c.postID(ctx, endpoint{op: "unlink", method: http.MethodPost, path: "/v1/user/unlink"}, auth, nil)
}

// postID calls an endpoint answering {"id": …} and returns the id.
func (c *Client) postID(ctx context.Context, e endpoint, auth Auth, params url.Values) (int64, error) {
	var r idResponse
	if err := c.api(ctx, e, auth, params, &r); err != nil {
		return 0, err
	}
	if err := r.check(); err != nil {
		return 0, wrapErr(e.op, err)
	}
	return r.ID, nil
}
