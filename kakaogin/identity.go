package kakaogin

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/internal/negotiate"
	"github.com/kakaologin/kakaologin/session"
)

// Identity is the logged-in user of a request.
type Identity struct {
	// UserID is the host app's user, "" when the Kakao user is not linked
	// to one (or Config.Users is nil).
	UserID string
	// KakaoID is Kakao's service user ID.
	KakaoID int64
	// Nickname and ImageURL are the Kakao profile at login (empty when not
	// consented).
	Nickname string
	ImageURL string
	// Scopes are the consent items the user has granted. Read-only.
	Scopes []string
	// LoggedInAt is when this session logged in; AuthTime when the user
	// last authenticated at Kakao.
	LoggedInAt time.Time
	AuthTime   time.Time
}

// HasScopes reports whether every one of items was granted.
func (id Identity) HasScopes(items ...string) bool {
	for _, s := range items {
		if !slices.Contains(id.Scopes, s) {
			return false
		}
	}
	return true
}

// CurrentUser returns the logged-in identity of the request, or false when
// the request has no logged-in session (a session holding only a pending
// login flow is not logged in). Kakao.Middleware must have run.
func CurrentUser(c *gin.Context) (Identity, bool) {
	m := session.Of(c)
	if m == nil {
		return Identity{}, false
	}
	l, ok := m.Current(c)
	if !ok {
		return Identity{}, false
	}
	return identityOf(l), true
}

// current is the one answer, for every route and helper, to whether the
// request is logged in, and as whom. A pending signup or proof is not a
// login (session.Manager.Current says so).
func (k *Kakao) current(c *gin.Context) (*session.Login, bool) {
	return k.sessions.Current(c) // CurrentUser asks the same Manager, found through the request
}

// RequireLogin lets only logged-in requests through. Others get a 303 to
// the login route with next set to the requested page (for GET and HEAD
// from browsers), or 401 JSON carrying the login URL.
func (k *Kakao) RequireLogin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := CurrentUser(c); ok {
			c.Next()
			return
		}
		k.loginRequired(c)
	}
}

func (k *Kakao) loginRequired(c *gin.Context) {
	if k.sessions.BearerRefused(c) {
		k.refuseBearer(c)
		return
	}
	next := ""
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		next = k.returnTo.resolve(c.Request.URL.RequestURI())
	}
	login := k.loginURL(next)
	if k.sessions.IsBearer(c) {
		// An app signs in again with POST token; the browser login URL is
		// no use to it.
		k.failJSON(c, newError(http.StatusUnauthorized, CodeLoginRequired, nil))
		return
	}
	if negotiate.WantsJSON(c.Request) {
		setPageHeaders(c.Writer.Header(), "")
		_, msg := Message(CodeLoginRequired, requestLang(c.Request))
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": CodeLoginRequired, "message": msg, "login_url": login})
		return
	}
	if next == "" {
		k.errors.render(c, newError(http.StatusUnauthorized, CodeLoginRequired, nil), login)
		return
	}
	setPageHeaders(c.Writer.Header(), "")
	c.Redirect(http.StatusSeeOther, login)
	c.Abort()
}

// RequireScopes lets through only logged-in requests whose user granted
// every one of items. A logged-out request is handled as by RequireLogin;
// a missing item sends browsers to the consent route for the missing items
// (then back), and JSON clients get 403 listing them. Every item must be
// in Config.Scopes or Config.ExtraScopes, the items the app may ask for;
// RequireScopes panics otherwise, when the route is set up, as gin does
// for a bad route.
func (k *Kakao) RequireScopes(items ...string) gin.HandlerFunc {
	for _, s := range items {
		if !k.consentable[s] {
			panic(fmt.Sprintf("kakaogin: RequireScopes: %q is not in Config.Scopes or Config.ExtraScopes", s))
		}
	}
	return func(c *gin.Context) {
		id, ok := CurrentUser(c)
		if !ok {
			k.loginRequired(c)
			return
		}
		var missing []string
		for _, s := range items {
			if !slices.Contains(id.Scopes, s) {
				missing = append(missing, s)
			}
		}
		if len(missing) == 0 {
			c.Next()
			return
		}
		if k.sessions.IsBearer(c) {
			// No consent page for an app: it asks for the items with the
			// SDK and signs in again.
			setPageHeaders(c.Writer.Header(), "")
			_, msg := Message(CodeInsufficientScope, requestLang(c.Request))
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": CodeInsufficientScope, "message": msg, "missing_scopes": missing})
			return
		}
		next := k.returnTo.resolve(c.Request.URL.RequestURI())
		consent := k.path("consent") + "?scope=" + url.QueryEscape(strings.Join(missing, ",")) + "&next=" + url.QueryEscape(next)
		setPageHeaders(c.Writer.Header(), "")
		if negotiate.WantsJSON(c.Request) || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
			_, msg := Message(CodeInsufficientScope, requestLang(c.Request))
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{
				"error": CodeInsufficientScope, "message": msg, "missing_scopes": missing, "consent_url": consent,
			})
			return
		}
		c.Redirect(http.StatusSeeOther, consent)
		c.Abort()
	}
}

// handleMe is GET me: the current identity as JSON, 401 when logged out.
func (k *Kakao) handleMe(c *gin.Context) {
	setPageHeaders(c.Writer.Header(), "")
	id, ok := CurrentUser(c)
	if !ok {
		_, msg := Message(CodeLoginRequired, requestLang(c.Request))
		c.JSON(http.StatusUnauthorized, gin.H{"error": CodeLoginRequired, "message": msg, "login_url": k.path("login")})
		return
	}
	c.JSON(http.StatusOK, meOf(id))
}

// meOf is the JSON form of id, for GET me and token sign-ins.
func meOf(id Identity) meJSON {
	return meJSON{
		UserID: id.UserID, KakaoID: id.KakaoID, Nickname: id.Nickname, ImageURL: id.ImageURL,
		Scopes: id.Scopes, LoggedInAt: id.LoggedInAt.UTC(), AuthTime: id.AuthTime.UTC(),
	}
}

// meJSON is the answer of GET me. kakao_id is a JSON string so that IDs
// above 2^53 survive JavaScript clients.
type meJSON struct {
	UserID     string    `json:"user_id,omitempty"`
	KakaoID    int64     `json:"kakao_id,string"`
	Nickname   string    `json:"nickname,omitempty"`
	ImageURL   string    `json:"image_url,omitempty"`
	Scopes     []string  `json:"scopes"`
	LoggedInAt time.Time `json:"logged_in_at"`
	AuthTime   time.Time `json:"auth_time"`
}
