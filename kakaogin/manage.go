package kakaogin

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/internal/negotiate"
)

// Errors of the consent, service-terms and property methods (ConsentItems,
// RevokeConsent, ServiceTerms, RevokeServiceTerms, SetProperties). They
// also report ErrNoKakaoTokens when the request is not logged in,
// ErrSessionEnded when Kakao refused the token refresh, and kakaoapi's
// sentinels (ErrUnavailable, ErrRateLimited, …) for Kakao failures.
var (
	// ErrNotRevocable: the user cannot withdraw a required consent item or
	// service term; nothing was changed. It also matches
	// kakaoapi.ErrNotRevocable when Kakao itself refused (-3).
	ErrNotRevocable = errors.New("kakaogin: required item, not revocable")
	// ErrInvalidItem: a consent-item ID that is not one of Kakao's, a
	// malformed or unconfigured service-term tag, or an unknown user
	// property key; nothing was changed.
	ErrInvalidItem = errors.New("kakaogin: unknown or malformed consent item, service term or property")
)

// errSessionUpdate marks a Kakao change that succeeded while saving the
// session afterwards failed.
var errSessionUpdate = errors.New("kakaogin: update the session")

// Limits of the management methods and routes.
const (
	// maxManageItems bounds the scope IDs or tags of one revoke request.
	maxManageItems = 32
	// maxTagLen bounds one service-term tag.
	maxTagLen = 64
	// maxProperties bounds the properties of one SetProperties call.
	maxProperties = 64
	// manageTimeout bounds every management operation, token refresh and
	// Kakao calls included.
	manageTimeout = 30 * time.Second
)

// mountManage registers the consent and service-terms management routes
// (relative to the mount path):
//
//	GET  consent/items  the user's consent items as JSON (ConsentItems)
//	POST consent/revoke withdraw items: form scope (comma-separated or repeated), next
//	GET  terms          the app's Kakao Sync service terms and the user's state, JSON
//	POST terms/revoke   withdraw terms: form tags (comma-separated or repeated), next
//
// The POST routes are CSRF-checked and answer a 303 to next (validated
// like every return-to) or, for JSON clients, {"ok":true,…}. GET on them
// is 405.
func (k *Kakao) mountManage(g gin.IRoutes) {
	g.GET("consent/items", k.handleConsentItems)
	g.POST("consent/revoke", k.handleRevokeConsent)
	g.GET("consent/revoke", k.manageNotAllowed)
	g.GET("terms", k.handleServiceTerms)
	g.POST("terms/revoke", k.handleRevokeServiceTerms)
	g.GET("terms/revoke", k.manageNotAllowed)
}

// errOtherUser: Kakao answered for another user than the session's.
var errOtherUser = errors.New("kakao answered for another user than the session's")

// sameUser checks that Kakao answered for the session's user.
func (k *Kakao) sameUser(c *gin.Context, kakaoID int64) error {
	l, ok := k.current(c)
	if !ok {
		return ErrSessionEnded
	}
	if l.KakaoID != kakaoID {
		return errOtherUser
	}
	return nil
}

// cleanList trims the items, drops empty and repeated ones, and checks
// each with valid; it needs 1 to maxManageItems items.
func cleanList(items []string, valid func(string) bool) ([]string, error) {
	out := make([]string, 0, len(items))
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" || slices.Contains(out, it) {
			continue
		}
		if !valid(it) {
			return nil, fmt.Errorf("%w: %.64q", ErrInvalidItem, it)
		}
		if len(out) == maxManageItems {
			return nil, fmt.Errorf("%w: more than %d items", ErrInvalidItem, maxManageItems)
		}
		out = append(out, it)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no items", ErrInvalidItem)
	}
	return out, nil
}

// manageForm reads the POST body's list field (comma-separated, repeated,
// or both) and its single next field. The items themselves are checked
// by the method the handler calls.
func (k *Kakao) manageForm(c *gin.Context, field string) (items []string, next string, ok bool) {
	if err := c.Request.ParseForm(); err != nil {
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, fmt.Errorf("malformed form: %w", err)))
		return nil, "", false
	}
	form := c.Request.PostForm
	if len(form[field]) > maxManageItems {
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("too many "+field+" values")))
		return nil, "", false
	}
	for _, v := range form[field] {
		items = append(items, strings.Split(v, ",")...)
		if len(items) > maxManageItems*2 {
			k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("too many "+field+" values")))
			return nil, "", false
		}
	}
	switch v := form["next"]; len(v) {
	case 0:
	case 1:
		next = v[0]
	default:
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("parameter next repeated")))
		return nil, "", false
	}
	return items, next, true
}

// manageDone answers a successful POST: JSON body for JSON clients, else a
// 303 to next when it is an acceptable return-to, or the default page.
// handleRevoke is a POST that withdraws the items named by the form field
// (consent items or service terms): CSRF-checked, for a logged-in user;
// revoke does the work and done adds to the answer what it changed.
func (k *Kakao) handleRevoke(c *gin.Context, field string, revoke func(*gin.Context, ...string) error, done func(items []string) gin.H) {
	if !k.checkCSRF(c) {
		return
	}
	if _, ok := k.current(c); !ok {
		k.loginRequired(c)
		return
	}
	items, next, ok := k.manageForm(c, field)
	if !ok {
		return
	}
	if err := revoke(c, items...); err != nil {
		k.manageFail(c, err)
		return
	}
	k.manageDone(c, next, done(items))
}

func (k *Kakao) manageDone(c *gin.Context, next string, body gin.H) {
	setPageHeaders(c.Writer.Header(), "")
	if negotiate.WantsJSON(c.Request) {
		c.JSON(http.StatusOK, body)
		return
	}
	c.Redirect(http.StatusSeeOther, k.returnTo.resolve(next))
}

// manageFail answers a failed management request with the right status:
// logged out 401 (or the login redirect), bad input 400, not revocable
// 403, session store down 503, Kakao failures as kakaoError maps them.
func (k *Kakao) manageFail(c *gin.Context, err error) {
	switch {
	case errors.Is(err, ErrNoKakaoTokens), errors.Is(err, ErrSessionEnded):
		k.loginRequired(c)
	case errors.Is(err, ErrInvalidItem):
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, err))
	case errors.Is(err, ErrNotRevocable):
		k.fail(c, newError(http.StatusForbidden, CodeNotRevocable, err))
	case errors.Is(err, errSessionUpdate):
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
	case errors.Is(err, errOtherUser):
		k.fail(c, newError(http.StatusBadGateway, CodeKakaoError, err))
	default:
		k.fail(c, kakaoError(err))
	}
}

// manageNotAllowed answers GET on a state-changing route: a link or
// prefetch must never change anything.
func (k *Kakao) manageNotAllowed(c *gin.Context) {
	c.Header("Allow", http.MethodPost)
	k.fail(c, newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, nil))
}
