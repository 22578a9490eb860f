package kakaoapi

import (
	"context"
	"net/http"
	"net/url"
)

// MeOptions are the optional parameters of Me.
type MeOptions struct {
	// PropertyKeys restricts the answer, e.g. "kakao_account.email";
	// sent as a JSON array string. Empty means everything consented.
	PropertyKeys []string
	// SecureResource asks for HTTPS image URLs (secure_resource=true).
	SecureResource bool
	// Post sends the parameters as a POST form body, as Kakao's own
	// examples do, instead of a GET query.
	Post bool
}

// Me returns the user's information (/v2/user/me), authenticated by the
// user's access token or by Admin(adminKey, userID). Fields the user has not
// consented to are absent and their *NeedsAgreement flag is true. opts may
// be nil. Errors: ErrInvalidToken, ErrNotLinked, ErrUnknownProperty.
func (c *Client) Me(ctx context.Context, auth Auth, opts *MeOptions) (*User, error) {
	e := endpoint{op: "user info", method: http.MethodGet, path: "/v2/user/me"}
	params := url.Values{}
	if opts != nil {
		if len(opts.PropertyKeys) > 0 {
			params.Set("property_keys", jsonList(opts.PropertyKeys))
		}
		if opts.SecureResource {
			params.Set("secure_resource", "true")
		}
		if opts.Post {
			e.method = http.MethodPost
		}
	}
	var u User
	if err := c.api(ctx, e, auth, params, &u); err != nil {
		return nil, err
	}
	if u.ID <= 0 {
		return nil, wrapMalformed(e.op, "missing user id")
	}
	return &u, nil
}
