package kakaoapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"golang.org/x/oauth2"
)

// Auth is the credential of one kapi call: a user's access token (Bearer,
// BearerFrom, TokenSource) or the app's admin key with the target user
// (Admin). The zero Auth is invalid. Printing an Auth never shows the
// credential.
type Auth struct {
	token    string
	source   func(context.Context) (string, error)
	adminKey string
	targetID int64
	admin    bool
}

// Bearer authenticates as the user who owns accessToken
// (Authorization: Bearer …).
func Bearer(accessToken string) Auth { return Auth{token: accessToken} }

// BearerFrom authenticates with the access token that src returns at call
// time, for example from a refreshing token store. An error from src is
// returned wrapped, so errors.Is still finds its sentinels.
func BearerFrom(src func(ctx context.Context) (string, error)) Auth {
	return Auth{source: src}
}

// TokenSource authenticates with the access token of ts, an x/oauth2 token
// source (for example one that refreshes). A nil ts, or one that returns no
// token, fails the call before any request, as an empty access token does.
func TokenSource(ts oauth2.TokenSource) Auth {
	if ts == nil {
		return Auth{}
	}
	return BearerFrom(func(context.Context) (string, error) {
		t, err := ts.Token()
		if err != nil || t == nil {
			return "", err
		}
		return t.AccessToken, nil
	})
}

// Admin authenticates with the app's admin key (Authorization: KakaoAK …)
// and acts on the user targetID (target_id_type=user_id, target_id=…). Use it
// only on servers.
func Admin(adminKey string, targetID int64) Auth {
	return Auth{adminKey: adminKey, targetID: targetID, admin: true}
}

// String describes the credential kind without the credential.
func (a Auth) String() string {
	switch {
	case a.admin:
		return "KakaoAK [redacted] target_id=" + strconv.FormatInt(a.targetID, 10)
	case a.source != nil:
		return "Bearer [from source]"
	case a.token != "":
		return "Bearer [redacted]"
	}
	return "no credentials"
}

// GoString is String, so %#v does not print the credential either.
func (a Auth) GoString() string { return "kakaoapi.Auth(" + a.String() + ")" }

var errAdminNotAllowed = errors.New("this API needs a user access token, not the admin key")

// apply returns the Authorization header value and adds the admin target to
// params. userOnly rejects the admin key for user-token-only APIs.
func (a Auth) apply(ctx context.Context, params url.Values, userOnly bool) (string, error) {
	switch {
	case a.admin:
		if userOnly {
			return "", errAdminNotAllowed
		}
		if a.adminKey == "" {
			return "", errors.New("empty admin key")
		}
		if a.targetID <= 0 {
			return "", errors.New("admin call without a positive target user ID")
		}
		params.Set("target_id_type", "user_id")
		params.Set("target_id", strconv.FormatInt(a.targetID, 10))
		return "KakaoAK " + a.adminKey, nil
	case a.source != nil:
		tok, err := a.source(ctx)
		if err != nil {
			return "", fmt.Errorf("token source: %w", err)
		}
		if tok == "" {
			return "", errors.New("token source returned an empty access token")
		}
		return "Bearer " + tok, nil
	case a.token != "":
		return "Bearer " + a.token, nil
	}
	return "", errors.New("no credentials (empty access token or zero Auth)")
}

// AccessToken returns the user access token a carries, from its source
// when it has one (which may refresh it first), for a Kakao API this package
// does not wrap. It fails for the admin key and the zero Auth. Send the
// token only to Kakao, and never log it.
func (a Auth) AccessToken(ctx context.Context) (string, error) {
	if a.admin {
		return "", errors.New("kakaoapi: access token: an admin-key Auth carries no user token")
	}
	h, err := a.apply(ctx, nil, true)
	if err != nil {
		return "", fmt.Errorf("kakaoapi: access token: %w", err)
	}
	return h[len("Bearer "):], nil
}

// adminAuth is the Authorization header for admin-only APIs.
func adminAuth(adminKey string) (string, error) {
	if adminKey == "" {
		return "", errors.New("empty admin key")
	}
	return "KakaoAK " + adminKey, nil
}
