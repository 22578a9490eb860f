package kakaoapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// ScopeType is the kind of a consent item.
type ScopeType string

// Scope types.
const (
	ScopePrivacy ScopeType = "PRIVACY" // personal-information item
	ScopeService ScopeType = "SERVICE" // feature or permission item
)

// Scope is the consent state of one consent item.
type Scope struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"display_name"`
	Type        ScopeType `json:"type"`
	Using       bool      `json:"using"`  // configured for the app now
	Agreed      bool      `json:"agreed"` // the user agreed
	// Revocable is present only when Agreed: whether RevokeScopes may
	// withdraw it (required items are not revocable).
	Revocable *bool `json:"revocable,omitempty"`
	// Delegated is sometimes present for items in use.
	Delegated *bool `json:"delegated,omitempty"`
}

// ScopeInfo is the answer of Scopes and RevokeScopes.
type ScopeInfo struct {
	ID     int64   `json:"id"`
	Scopes []Scope `json:"scopes"`
}

// Scopes returns the user's consent details (/v2/user/scopes),
// restricted to the given scope IDs when any are given.
func (c *Client) Scopes(ctx context.Context, auth Auth, scopes ...string) (*ScopeInfo, error) {
	params := url.Values{}
	if len(scopes) > 0 {
		params.Set("scopes", jsonList(scopes))
	}
	return c.scopeInfo(ctx, endpoint{op: "consent details", method: http.MethodGet, path: "/v2/user/scopes"}, auth, params)
}

// RevokeScopes withdraws the user's consent to the given revocable scope IDs
// (/v2/user/revoke/scopes) and returns the new consent details. Errors:
// ErrNotRevocable (a required item), ErrBadParameter (unknown scope ID).
func (c *Client) RevokeScopes(ctx context.Context, auth Auth, scopes ...string) (*ScopeInfo, error) {
	if len(scopes) == 0 {
		return nil, errors.New("kakaoapi: revoke consent: no scopes")
	}
	params := url.Values{"scopes": {jsonList(scopes)}}
	return c.scopeInfo(ctx, endpoint{op: "revoke consent", method: http.MethodPost, path: "/v2/user/revoke/scopes"}, auth, params)
}

func (c *Client) scopeInfo(ctx context.Context, e endpoint, auth Auth, params url.Values) (*ScopeInfo, error) {
	var s ScopeInfo
	if err := c.api(ctx, e, auth, params, &s); err != nil {
		return nil, err
	}
	if s.ID <= 0 {
		return nil, wrapMalformed(e.op, "missing user id")
	}
	return &s, nil
}
