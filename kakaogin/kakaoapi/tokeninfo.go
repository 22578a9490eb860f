package kakaoapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// AccessTokenInfo describes a valid access token.
type AccessTokenInfo struct {
	ID        int64         // service user ID
	ExpiresIn time.Duration // remaining lifetime
	AppID     int64         // app the token belongs to, always positive
}

// UnmarshalJSON decodes Kakao's {"id","expires_in","app_id"} form. A
// missing expires_in or app_id is an error rather than a zero: a zero
// lifetime would read as "expires now", and an app ID of 0 must never reach
// a comparison with the app's own ID.
func (i *AccessTokenInfo) UnmarshalJSON(b []byte) error {
	var j struct {
		ID        int64  `json:"id"`
		ExpiresIn *int64 `json:"expires_in"`
		AppID     *int64 `json:"app_id"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.ExpiresIn == nil {
		return malformed("expires_in missing")
	}
	if *j.ExpiresIn < 0 || *j.ExpiresIn > maxLifetime {
		return malformed("expires_in out of range")
	}
	if j.AppID == nil || *j.AppID <= 0 {
		return malformed("app_id missing or not positive")
	}
	*i = AccessTokenInfo{ID: j.ID, ExpiresIn: time.Duration(*j.ExpiresIn) * time.Second, AppID: *j.AppID}
	return nil
}

// AccessTokenInfo checks an access token and reports its remaining life
// (/v1/user/access_token_info). auth must be a user token. Errors:
// ErrInvalidToken (refresh), ErrUnavailable (-1: transient, do not log the
// user out), ErrBadParameter (-2: malformed token); any other *APIError
// means the token, user or app is no longer usable.
func (c *Client) AccessTokenInfo(ctx context.Context, auth Auth) (*AccessTokenInfo, error) {
	e := endpoint{op: "access token info", method: http.MethodGet, path: "/v1/user/access_token_info", userOnly: true}
	var info AccessTokenInfo
	if err := c.api(ctx, e, auth, nil, &info); err != nil {
		return nil, err
	}
	if info.ID <= 0 {
		return nil, wrapMalformed(e.op, "missing user id")
	}
	return &info, nil
}
