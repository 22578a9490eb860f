package session

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/internal/negotiate"
)

var (
	// ErrNoMiddleware is returned when a Manager method is called on a
	// request that did not pass through the Manager's Middleware.
	ErrNoMiddleware = errors.New("session: Middleware not installed on this route")

	// ErrNotLoggedIn is returned by calls that need a logged-in session.
	ErrNotLoggedIn = errors.New("session: not logged in")

	// ErrNoTokens is returned by Tokens when the session holds no Kakao tokens.
	ErrNoTokens = errors.New("session: no Kakao tokens in the session")

	// ErrTokensUnreadable is returned by Tokens when the sealed tokens do not
	// open: tampered, sealed for another user, or sealed with a key no
	// longer configured.
	ErrTokensUnreadable = errors.New("session: sealed Kakao tokens cannot be opened")

	// ErrFlowNotFound is returned by TakeFlow when no flow has the state:
	// never started here, or already taken.
	ErrFlowNotFound = errors.New("session: login attempt not found or already used")

	// ErrFlowUsed is returned by TakeFlow when the session's flow with the
	// state was handed out before (the same callback again: Back, reload,
	// a second tab, or a concurrent duplicate). It matches ErrFlowNotFound.
	ErrFlowUsed = fmt.Errorf("%w (taken before by this session)", ErrFlowNotFound)

	// ErrFlowExpired is returned by TakeFlow when the flow was found but is
	// older than FlowLifetime. It is consumed all the same.
	ErrFlowExpired = errors.New("session: login attempt expired")

	// ErrHeadersWritten is returned by changes that need a new session
	// cookie after the response has started: the cookie can no longer be
	// sent, so nothing is changed.
	ErrHeadersWritten = errors.New("session: response already started; the session cookie can no longer be set")

	// ErrConflict is returned when a change lost the compare-and-swap race
	// to other requests on the same session too many times in a row.
	ErrConflict = errors.New("session: too many concurrent changes to one session")

	// ErrInvalid is matched by errors for values a session cannot hold
	// (empty state hash, oversized extra data, negative Kakao ID, …).
	ErrInvalid = errors.New("session: invalid value")
)

const (
	unavailableHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Service unavailable</title></head>
<body><h1>Service temporarily unavailable</h1>
<p>We could not reach our session storage. Please try again in a moment.</p>
<p lang="ko">일시적으로 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.</p>
<p>Error code: session_unavailable</p></body></html>
`
	unavailableJSON = `{"error":"session_unavailable","message":"Session storage is temporarily unavailable. Please try again in a moment."}` + "\n"
)

// DefaultErrorHandler is the Config.ErrorHandler used when none is set. It
// answers with status and a short page, JSON when the client prefers JSON
// (an XHR, or an Accept header ranking JSON above HTML by its q values, as
// kakaogin's error pages decide) and HTML otherwise, without any detail of
// err; it sets Cache-Control: no-store and Retry-After.
func DefaultErrorHandler(c *gin.Context, status int, _ error) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	if negotiate.WantsJSON(c.Request) {
		c.Data(status, "application/json; charset=utf-8", []byte(unavailableJSON))
		return
	}
	c.Data(status, "text/html; charset=utf-8", []byte(unavailableHTML))
}
