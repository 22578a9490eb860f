package kakaoapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// UpdateProfile stores custom user properties (/v1/user/update_profile)
// and returns the user ID. Keys must be defined in the console first;
// values are strings. They appear in User.Properties and are deleted on
// unlink. auth must be a user token. Errors: ErrUnknownProperty,
// ErrInvalidToken.
func (c *Client) UpdateProfile(ctx context.Context, auth Auth, properties map[string]string) (int64, error) {
	if len(properties) == 0 {
		return 0, errors.New("kakaoapi: update profile: no properties")
	}
	params := url.Values{"properties": {jsonObject(properties)}}
	return c.postID(ctx, endpoint{op: "update profile", method: http.MethodPost, path: "/v1/user/update_profile", userOnly: true}, auth, params)
}
