package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// ErrorCode is the stable, machine-readable code of an error page or JSON
// error answer. Hosts may branch on it in their own error page.
type ErrorCode string

// Error codes shown to users and JSON clients.
const (
	CodeBadRequest         ErrorCode = "bad_request"          // malformed or duplicated parameters
	CodeStateMismatch      ErrorCode = "state_mismatch"       // unknown, used or foreign login attempt
	CodeFlowExpired        ErrorCode = "login_expired"        // the login attempt took longer than 10 minutes
	CodeAccessDenied       ErrorCode = "access_denied"        // the user pressed Cancel at Kakao
	CodeConsentRequired    ErrorCode = "consent_required"     // a required consent item was not given
	CodeLoginRequired      ErrorCode = "login_required"       // the route needs a logged-in user
	CodeInsufficientScope  ErrorCode = "insufficient_scope"   // the route needs consent items the user has not given
	CodeForbidden          ErrorCode = "forbidden"            // CSRF or origin check failed
	CodeInvalidIDToken     ErrorCode = "invalid_id_token"     // the ID token failed validation
	CodeIdentityMismatch   ErrorCode = "identity_mismatch"    // user info and ID token name different users
	CodeLinkConflict       ErrorCode = "link_conflict"        // the Kakao account is linked to another user
	CodeKakaoError         ErrorCode = "kakao_error"          // Kakao refused the request (configuration or user state)
	CodeKakaoUnavailable   ErrorCode = "kakao_unavailable"    // Kakao did not answer, or answered 5xx / rate-limited
	CodeSessionUnavailable ErrorCode = "session_unavailable"  // the session store did not answer
	CodeReauthRequired     ErrorCode = "reauth_required"      // the action needs a fresh login
	CodeInternal           ErrorCode = "internal_error"       // anything else; details only in the log
	CodeNotLinked          ErrorCode = "not_linked"           // the Kakao user is not linked to this app any more
	CodeSignupRequired     ErrorCode = "signup_required"      // the host needs more information first
	CodeMethodNotAllowed   ErrorCode = "method_not_allowed"   // a state-changing route was called with GET
	CodeUnauthorizedCaller ErrorCode = "unauthorized"         // unlink callback with a wrong admin key or app ID
	CodeHookFailed         ErrorCode = "host_error"           // a host hook failed
	CodeNotRevocable       ErrorCode = "not_revocable"        // a required consent item or service term cannot be withdrawn
	CodeNoOtherLogin       ErrorCode = "no_other_login"       // disconnecting Kakao would leave no way to log in
	CodeTooManyAttempts    ErrorCode = "too_many_attempts"    // too many failed logins from this client; wait a minute
	CodeTooManyLogins      ErrorCode = "too_many_logins"      // too many logins started from this client's network; wait a minute
	CodeCookiesBlocked     ErrorCode = "cookies_blocked"      // the browser sent no session cookie where one is needed
	CodeInvalidNonce       ErrorCode = "invalid_nonce"        // a token sign-in's nonce is unknown, expired or used
	CodeInvalidAccessToken ErrorCode = "invalid_access_token" // a token sign-in's access token is dead or of another app
	CodeBearerNotAllowed   ErrorCode = "bearer_not_allowed"   // a session token (Authorization: Bearer) on a cookie-only route
)

// Error is an error the library answers a request with: an HTTP status, a
// stable code and the cause. The cause is logged for the operator and never
// shown to the user, who sees only a generic message and the code.
type Error struct {
	Status int
	Code   ErrorCode
	Err    error
}

// Error describes e for logs.
func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("kakaogin: %s (%d)", e.Code, e.Status)
	}
	return fmt.Sprintf("kakaogin: %s (%d): %v", e.Code, e.Status, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// newError returns an *Error with status and code wrapping cause.
func newError(status int, code ErrorCode, cause error) *Error {
	return &Error{Status: status, Code: code, Err: cause}
}

// kakaoError classifies an error of a Kakao call into a page, using only
// kakaoapi's sentinels: Kakao down or busy is a 503; a refused code (used,
// expired, issued for another redirect) is a 400 asking the user to start
// again; Kakao refusing because of the app's configuration is a 502 whose
// operator hint goes to the log.
func kakaoError(err error) *Error {
	switch {
	case errors.Is(err, context.Canceled):
		return newError(499, CodeInternal, err)
	case errors.Is(err, kakaoapi.ErrUnavailable), errors.Is(err, kakaoapi.ErrRateLimited):
		return newError(http.StatusServiceUnavailable, CodeKakaoUnavailable, err)
	case errors.Is(err, kakaoapi.ErrInvalidClient), errors.Is(err, kakaoapi.ErrRedirectMismatch):
		return newError(http.StatusBadGateway, CodeKakaoError, err)
	case errors.Is(err, kakaoapi.ErrInvalidGrant):
		return newError(http.StatusBadRequest, CodeFlowExpired, err)
	case errors.Is(err, kakaoapi.ErrNotLinked):
		return newError(http.StatusUnauthorized, CodeNotLinked, err)
	case errors.Is(err, kakaoapi.ErrInvalidToken):
		return newError(http.StatusUnauthorized, CodeLoginRequired, err)
	case errors.Is(err, kakaoapi.ErrInsufficientScope):
		return newError(http.StatusForbidden, CodeInsufficientScope, err)
	default:
		return newError(http.StatusBadGateway, CodeKakaoError, err)
	}
}

// operatorHint returns what an operator should fix for err, from the KOE
// or kapi code it carries, or "".
func operatorHint(err error) string {
	var ae *kakaoapi.AuthError
	if errors.As(err, &ae) && ae.KOE != "" {
		return ae.KOE.Hint()
	}
	var pe *kakaoapi.APIError
	if errors.As(err, &pe) && pe.Code != 0 {
		return pe.Code.Hint()
	}
	return ""
}
