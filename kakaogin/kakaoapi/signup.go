package kakaoapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Signup links a pre-registered user to the app, for apps with auto-link
// switched off (/v1/user/signup), optionally storing custom
// properties at the same time (nil for none), and returns the user ID. auth
// must be a user token. Errors: ErrAlreadyRegistered, ErrUnknownProperty,
// ErrInvalidToken.
func (c *Client) Signup(ctx context.Context, auth Auth, properties map[string]string) (int64, error) {
	params := url.Values{}
	if len(properties) > 0 {
		params.Set("properties", jsonObject(properties))
	}
	return c.postID(ctx, endpoint{op: "signup", method: http.MethodPost, path: "/v1/user/signup", userOnly: true}, auth, params)
}

// jsonObject encodes properties as a JSON object string (keys sorted).
func jsonObject(m map[string]string) string {
	b, _ := json.Marshal(m)
	return string(b)
}
