package kakaoapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors for errors.Is. The typed errors *APIError, *AuthError and
// *TransportError report which of them they match; branch on these, never on
// message text.
var (
	// ErrInvalidToken: the access token (or admin key, or ID token) is
	// invalid or expired (kapi -401, kauth invalid_token / KOE400).
	ErrInvalidToken = errors.New("kakaoapi: invalid or expired token")
	// ErrInsufficientScope: the user has not agreed to a needed consent
	// item (-402); see APIError.RequiredScopes.
	ErrInsufficientScope = errors.New("kakaoapi: insufficient scope")
	// ErrNotLinked: the user is not linked to the app (-101).
	ErrNotLinked = errors.New("kakaoapi: user not linked to the app")
	// ErrRateLimited: a Kakao rate limit was hit (-10, KOE237, HTTP 429);
	// see RetryAfter on the typed error.
	ErrRateLimited = errors.New("kakaoapi: rate limited")
	// ErrInvalidGrant: the code or refresh token was rejected
	// (invalid_grant, including KOE320 and KOE322).
	ErrInvalidGrant = errors.New("kakaoapi: invalid grant")
	// ErrCodeUsed: the authorization code is unknown, used or expired
	// (KOE320).
	ErrCodeUsed = errors.New("kakaoapi: authorization code unknown, used or expired")
	// ErrRefreshTokenInvalid: the refresh token is unknown, expired,
	// rotated or the user unlinked (KOE322).
	ErrRefreshTokenInvalid = errors.New("kakaoapi: refresh token invalid")
	// ErrInvalidClient: the client ID or secret is wrong (invalid_client,
	// KOE010, KOE101). A configuration error, not the user's fault.
	ErrInvalidClient = errors.New("kakaoapi: invalid client credentials")
	// ErrRedirectMismatch: the redirect URI of the token request was
	// rejected (KOE303, KOE310). Check it before ErrInvalidGrant: Kakao may
	// send these with error=invalid_grant.
	ErrRedirectMismatch = errors.New("kakaoapi: redirect URI mismatch")
	// ErrAlreadyRegistered: manual signup for an already linked user
	// (-102).
	ErrAlreadyRegistered = errors.New("kakaoapi: user already registered")
	// ErrNotRevocable: a required consent item cannot be revoked
	// (-3 from a revoke API).
	ErrNotRevocable = errors.New("kakaoapi: not revocable")
	// ErrBadParameter: Kakao rejected a parameter (-2).
	ErrBadParameter = errors.New("kakaoapi: bad parameter")
	// ErrUnavailable: Kakao is unavailable or failed temporarily (HTTP 5xx,
	// -1, -7, -9798, KOE003, server_error, an unexpected redirect, a
	// malformed or oversized response, a network failure or timeout). The
	// user should try again later; a caller-cancelled context does not
	// count.
	ErrUnavailable = errors.New("kakaoapi: kakao unavailable")
	// ErrUnknownProperty: an undefined user-property key (-201).
	ErrUnknownProperty = errors.New("kakaoapi: unknown user property")
	// ErrUnderAge: the user is under 14 and the app blocks them (-406).
	ErrUnderAge = errors.New("kakaoapi: user under age")
	// ErrMalformedResponse: a 2xx response this package refuses to accept
	// (not JSON, wrong field types, missing required fields). Also matches
	// ErrUnavailable.
	ErrMalformedResponse = errors.New("kakaoapi: malformed response")
	// ErrResponseTooLarge: a response body exceeded its size cap.
	// Also matches ErrUnavailable.
	ErrResponseTooLarge = errors.New("kakaoapi: response body too large")
)

// APIError is an error answer of the API server (kapi.kakao.com).
// A non-2xx response whose body is not a Kakao error body gives an APIError
// with Code 0 and only HTTPStatus set.
type APIError struct {
	Code           Code          // Kakao's code, e.g. CodeInvalidToken (-401); 0 if absent
	Msg            string        // Kakao's free-text message; informational only
	HTTPStatus     int           // HTTP status code of the response
	APIType        string        // api_type, sent with some errors (notably -402)
	RequiredScopes []string      // scopes the user must agree to (-402)
	AllowedScopes  []string      // scopes the user has agreed to (-402)
	Path           string        // request path, e.g. "/v2/user/me"
	RetryAfter     time.Duration // from a Retry-After header; 0 if none
}

// Error describes the error without any credential.
func (e *APIError) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("kakao api: unexpected HTTP status %d", e.HTTPStatus)
	}
	return fmt.Sprintf("kakao api error %d (HTTP %d): %q", int(e.Code), e.HTTPStatus, clip(e.Msg))
}

// Is reports whether e matches one of the package's sentinel errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrInvalidToken:
		return e.Code == CodeInvalidToken
	case ErrInsufficientScope:
		return e.Code == CodeInsufficientScope
	case ErrNotLinked:
		return e.Code == CodeNotLinked
	case ErrRateLimited:
		return e.Code == CodeRateLimited || e.HTTPStatus == http.StatusTooManyRequests
	case ErrAlreadyRegistered:
		return e.Code == CodeAlreadyRegistered
	case ErrNotRevocable:
		// Documented only for consent items; a -3 elsewhere means
		// "feature not enabled", e.g. service terms on an app
		// without Kakao Sync.
		return e.Code == CodeNotAllowed && e.Path == "/v2/user/revoke/scopes"
	case ErrBadParameter:
		return e.Code == CodeBadParameter
	case ErrUnknownProperty:
		return e.Code == CodeUnknownProperty
	case ErrUnderAge:
		return e.Code == CodeUnderAge
	case ErrUnavailable:
		switch e.Code {
		case CodeInternal, CodeMaintenance, CodeServiceMaintenance:
			return true
		case 0:
			return unexpectedStatus(e.HTTPStatus)
		}
		return e.HTTPStatus >= 500
	}
	return false
}

// AuthError is an error answer of the authorization server
// (kauth.kakao.com). A non-2xx response whose body is not a
// kauth error body gives an AuthError with only HTTPStatus set.
type AuthError struct {
	// Code is the OAuth error, e.g. "invalid_grant"; empty if absent.
	Code string
	// Description is error_description, free text from the server. It is
	// untrusted and may contain the authorization code (KOE320): never log
	// it, show it or put it in an error message. Error() leaves it out.
	Description string
	KOE         KOE           // Kakao's error_code, e.g. KOE320; empty if absent
	HTTPStatus  int           // HTTP status code of the response
	Path        string        // request path, e.g. "/oauth/token"
	RetryAfter  time.Duration // from a Retry-After header; 0 if none
}

// Error describes the error without the description or any credential.
func (e *AuthError) Error() string {
	if e.Code == "" && e.KOE == "" {
		return fmt.Sprintf("kakao auth: unexpected HTTP status %d", e.HTTPStatus)
	}
	return fmt.Sprintf("kakao auth error %s %s (HTTP %d)", e.Code, e.KOE, e.HTTPStatus)
}

// Is reports whether e matches one of the package's sentinel errors.
func (e *AuthError) Is(target error) bool {
	switch target {
	case ErrInvalidGrant:
		return e.Code == "invalid_grant" || e.KOE == KOE320 || e.KOE == KOE322
	case ErrCodeUsed:
		return e.KOE == KOE320
	case ErrRefreshTokenInvalid:
		return e.KOE == KOE322
	case ErrInvalidClient:
		return e.Code == "invalid_client" || e.KOE == KOE010 || e.KOE == KOE101
	case ErrRedirectMismatch:
		return e.KOE == KOE303 || e.KOE == KOE310
	case ErrRateLimited:
		return e.KOE == KOE237 || e.HTTPStatus == http.StatusTooManyRequests
	case ErrInvalidToken:
		return e.Code == "invalid_token" || e.KOE == KOE400
	case ErrUnavailable:
		if e.KOE == KOE003 || e.Code == "server_error" || e.HTTPStatus >= 500 {
			return true
		}
		return e.Code == "" && e.KOE == "" && unexpectedStatus(e.HTTPStatus)
	}
	return false
}

// TransportError is a failure to get a response from Kakao at all: DNS,
// connect, TLS, a timeout or a broken connection. It matches ErrUnavailable
// unless the caller's context was cancelled.
type TransportError struct {
	Err error // the underlying error, without the request URL
}

// Error describes the failure.
func (e *TransportError) Error() string { return "transport: " + e.Err.Error() }

// Unwrap returns the underlying error, so errors.Is(err,
// context.DeadlineExceeded) and errors.As(err, *net.OpError) work.
func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether the failure was a timeout (of the HTTP client or
// of the context deadline).
func (e *TransportError) Timeout() bool {
	var ne net.Error
	return errors.Is(e.Err, context.DeadlineExceeded) || (errors.As(e.Err, &ne) && ne.Timeout())
}

// Is reports whether e matches ErrUnavailable.
func (e *TransportError) Is(target error) bool {
	return target == ErrUnavailable && !errors.Is(e.Err, context.Canceled)
}

// malformedError is a 2xx response the package refuses (ErrMalformedResponse)
// or an oversized body (ErrResponseTooLarge). It never carries body text.
type malformedError struct {
	msg  string
	kind error
}

func (e *malformedError) Error() string { return e.msg }

func (e *malformedError) Is(target error) bool {
	return target == e.kind || target == ErrUnavailable
}

func malformed(format string, args ...any) error {
	return &malformedError{msg: "malformed response: " + fmt.Sprintf(format, args...), kind: ErrMalformedResponse}
}

// unexpectedStatus reports whether a status without a Kakao error body means
// "Kakao is unavailable": a server error or a redirect (never followed, so
// a back-channel call cannot send a secret to another host).
func unexpectedStatus(status int) bool {
	return status >= 500 || (status >= 300 && status < 400)
}

// clip makes server text safe and short for an error message.
func clip(s string) string {
	return clipBytes(strings.ToValidUTF8(s, "\uFFFD"), 200)
}

// clipBytes cuts valid UTF-8 s to at most max bytes on a rune boundary.
func clipBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
