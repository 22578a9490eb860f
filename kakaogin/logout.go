package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
)

// Logout modes of POST logout (form field mode).
const (
	LogoutService = "service" // end the session here (the default)
	LogoutKakao   = "kakao"   // also revoke the Kakao tokens (Kakao's token logout API)
	LogoutAccount = "account" // also log the browser out of its Kakao Account
)

// purposeLogout is the flow of an account logout's return (state check).
const purposeLogout = "logout"

// kakaoLogoutTimeout bounds the best-effort token logout at Kakao.
const kakaoLogoutTimeout = 3 * time.Second

// handleLogout is POST logout with mode = service (default), kakao or
// account. The local session and its Kakao tokens are destroyed first, so
// that a failure at Kakao never leaves the user logged in; logging out
// without a session still lands on the after-logout page.
func (k *Kakao) handleLogout(c *gin.Context) {
	defer k.beginFlow(c, "kakaologin.logout").end(c)
	if !k.checkLogoutRequest(c) {
		return
	}
	mode, ok := singleForm(c, "mode")
	if !ok {
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("mode repeated")))
		return
	}
	switch mode {
	case "", LogoutService, LogoutKakao, LogoutAccount:
	default:
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("unknown logout mode")))
		return
	}
	ctx := c.Request.Context()
	l, loggedIn := k.current(c)
	var tokens *session.TokenSet
	if loggedIn && mode == LogoutKakao {
		tokens, _ = k.sessions.Tokens(c) // read before the session is gone
	}
	loggedOut := k.sessionOp(c, "log_out")
	err := k.sessions.LogOut(c)
	loggedOut(err)
	if err != nil {
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	if loggedIn {
		k.event(ctx, "logout", "kakao_id", l.KakaoID, "mode", mode)
		cause := mode
		if cause == "" {
			cause = LogoutService
		}
		k.sessionsEnded(ctx, causeLogoutPrefix+cause, 1)
	}
	if loggedIn && mode == LogoutKakao {
		k.kakaoLogout(ctx, l.KakaoID, tokens)
	}
	setPageHeaders(c.Writer.Header(), "")
	if mode == LogoutAccount {
		state := randomToken()
		if err := k.sessions.AddFlow(c, session.Flow{
			StateHash: hashState(state), Purpose: purposeLogout, CreatedAt: k.cfg.Now(),
		}); err != nil {
			// The local logout is done; only the Kakao Account step is lost.
			k.cfg.Logger.WarnContext(ctx, "kakaogin: account logout state not saved", "err", err)
			c.Redirect(http.StatusSeeOther, k.cfg.Logout.AfterURL)
			return
		}
		c.Redirect(http.StatusSeeOther, k.api.AccountLogoutURL(k.cfg.Logout.RedirectURL, state))
		return
	}
	c.Redirect(http.StatusSeeOther, k.cfg.Logout.AfterURL)
}

// checkLogoutRequest applies CSRF rules to a logout: the full check with a
// session; without one there is nothing to protect, so only the
// cross-origin check applies and the logout stays idempotent.
func (k *Kakao) checkLogoutRequest(c *gin.Context) bool {
	if _, ok := k.current(c); ok {
		return k.checkCSRF(c)
	}
	if _, ok := k.sessions.Pending(c); ok {
		return k.checkCSRF(c) // a forged logout would drop the pending signup
	}
	if err := k.crossOrigin.Check(c.Request); err != nil {
		k.fail(c, newError(http.StatusForbidden, CodeForbidden, err))
		return false
	}
	return true
}

// kakaoLogout revokes the user's tokens at Kakao, best effort with a short
// timeout: the access token if there is one, else the admin key.
func (k *Kakao) kakaoLogout(ctx context.Context, kakaoID int64, ts *session.TokenSet) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), kakaoLogoutTimeout)
	defer cancel()
	var err error
	switch {
	case ts != nil && ts.AccessToken != "" && ts.AccessExpiry.After(k.cfg.Now()):
		_, err = k.api.Logout(ctx, kakaoapi.Bearer(ts.AccessToken))
	case k.cfg.AdminKey != "":
		_, err = k.api.Logout(ctx, kakaoapi.Admin(k.cfg.AdminKey, kakaoID))
	default:
		return
	}
	if err != nil && !errors.Is(err, kakaoapi.ErrNotLinked) {
		k.cfg.Logger.WarnContext(ctx, "kakaogin: Kakao token logout failed (the local logout is done)", "kakao_id", kakaoID, "err", err)
	}
}

// handleLogoutCallback is GET logout/callback, the return from Kakao's
// account logout. Whatever the state (matching, other, missing,
// repeated), it lands on the after-logout page and changes nothing but
// the matching flow's consumption.
func (k *Kakao) handleLogoutCallback(c *gin.Context) {
	if states := c.Request.URL.Query()["state"]; len(states) == 1 && len(states[0]) <= maxState {
		if f, err := k.sessions.TakeFlow(c, hashState(states[0])); err == nil && f.Purpose != purposeLogout {
			k.event(c.Request.Context(), "logout callback with a non-logout state")
		}
	}
	setPageHeaders(c.Writer.Header(), "")
	c.Redirect(http.StatusSeeOther, k.cfg.Logout.AfterURL)
}

// handleLogoutEverywhere is POST logout/everywhere: every session of the
// current user (Kakao user and linked host user), on every instance
// sharing the store, ends.
func (k *Kakao) handleLogoutEverywhere(c *gin.Context) {
	defer k.beginFlow(c, "kakaologin.logout_everywhere").end(c)
	l, ok := k.current(c)
	if !ok {
		k.loginRequired(c)
		return
	}
	if !k.checkCSRF(c) {
		return
	}
	n, err := k.LogoutEverywhere(c.Request.Context(), l.KakaoID, l.UserID)
	if err != nil {
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	if err := k.sessions.LogOut(c); err != nil { // clears this browser's cookie
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	k.event(c.Request.Context(), "logout everywhere", "kakao_id", l.KakaoID, "sessions", n)
	setPageHeaders(c.Writer.Header(), "")
	c.Redirect(http.StatusSeeOther, k.cfg.Logout.AfterURL)
}

// LogoutEverywhere ends every session of a Kakao user and, when userID is
// not empty, of that host user, at a cost proportional to their sessions,
// on every app instance sharing the store. It returns how many sessions
// ended.
func (k *Kakao) LogoutEverywhere(ctx context.Context, kakaoID int64, userID string) (int, error) {
	n, m, err := k.revokeSessions(ctx, kakaoID, userID)
	k.sessionsEnded(ctx, causeEverywhere, max(n, m))
	if err != nil {
		return n + m, fmt.Errorf("kakaogin: logout everywhere: %w", err)
	}
	return n + m, nil
}

// singleForm reads a POST form field that may appear at most once.
func singleForm(c *gin.Context, name string) (string, bool) {
	if err := c.Request.ParseForm(); err != nil {
		return "", false
	}
	switch vs := c.Request.PostForm[name]; len(vs) {
	case 0:
		return "", true
	case 1:
		return vs[0], true
	default:
		return "", false
	}
}

// revokeSessions ends every session of the Kakao user and, when userID is
// set, of the host user, and returns how many each revocation ended. A
// session of a linked user is indexed under both IDs, so the two counts
// overlap: max(n, m) is the number of sessions ended.
func (k *Kakao) revokeSessions(ctx context.Context, kakaoID int64, userID string) (n, m int, err error) {
	_, done := k.tel.storeOp(ctx, "sessions", "revoke_kakao_user")
	n, err = k.sessions.RevokeKakaoUser(ctx, kakaoID)
	done(err)
	if err != nil || userID == "" {
		return n, 0, err
	}
	_, done = k.tel.storeOp(ctx, "sessions", "revoke_host_user")
	m, err = k.sessions.RevokeHostUser(ctx, userID)
	done(err)
	return n, m, err
}
