package kakaogin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/internal/negotiate"
	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
)

// purposeReauth is the flow of a fresh login demanded before unlinking.
const purposeReauth = "reauth"

// unlinkTimeout bounds the Kakao part of POST unlink.
const unlinkTimeout = 5 * time.Second

// handleUnlink is POST unlink: the user disconnects from the app ("delete
// my account"). Order: Kakao's unlink API first (user token,
// refreshed if needed, or the admin key when no usable token is left;
// "already unlinked" counts as done) — if Kakao fails nothing local
// changes and the user is asked to retry; then every session of the user
// ends and the host's OnUnlink runs (queued for retry if it fails).
func (k *Kakao) handleUnlink(c *gin.Context) {
	defer k.beginFlow(c, "kakaologin.unlink").end(c)
	l, ok := k.current(c)
	if !ok {
		k.loginRequired(c)
		return
	}
	if !k.checkCSRF(c) {
		return
	}
	if max := k.cfg.Unlink.MaxAuthAge; max > 0 && k.cfg.Now().Sub(l.AuthTime) > max {
		k.requireReauth(c, l)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), unlinkTimeout)
	defer cancel()
	if err := k.UnlinkAtKakao(ctx, c, l.KakaoID); err != nil {
		k.fail(c, kakaoError(err))
		return
	}
	if err := k.userLeft(ctx, l.KakaoID, ReferrerService, causeUnlink, 2*time.Second); err != nil {
		// Kakao has unlinked the user; a retry of POST unlink finds "not
		// linked" and finishes the local part.
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	_ = k.sessions.LogOut(c) // already revoked by userLeft; this clears the cookie
	setPageHeaders(c.Writer.Header(), "")
	c.Redirect(http.StatusSeeOther, addQuery(k.cfg.Logout.AfterURL, "kakao_unlinked", "1"))
}

// UnlinkAtKakao unlinks the request's user from the app at Kakao, with the
// user's token, or the admin key when the token is gone. A user who is
// already unlinked counts as done. It changes nothing locally. Outside a
// request (a background job deleting accounts), pass a nil c: kakaoID is
// then unlinked with the admin key, and without Config.AdminKey the call
// fails with ErrNoKakaoTokens.
func (k *Kakao) UnlinkAtKakao(ctx context.Context, c *gin.Context, kakaoID int64) error {
	api, auth := k.Client(c)
	_, err := api.Unlink(ctx, auth)
	if err == nil || errors.Is(err, kakaoapi.ErrNotLinked) {
		return nil
	}
	tokenGone := errors.Is(err, ErrNoKakaoTokens) || errors.Is(err, ErrSessionEnded) || errors.Is(err, kakaoapi.ErrInvalidToken)
	if !tokenGone || k.cfg.AdminKey == "" {
		return err
	}
	_, err = api.Unlink(ctx, kakaoapi.Admin(k.cfg.AdminKey, kakaoID))
	if errors.Is(err, kakaoapi.ErrNotLinked) {
		return nil
	}
	return err
}

// requireReauth sends the user through a fresh Kakao login (prompt=login)
// whose auth_time must be newer than the flow, then back to
// where the unlink was asked for, to confirm it again.
func (k *Kakao) requireReauth(c *gin.Context, l *session.Login) {
	next := k.returnTo.resolve(c.Request.Referer())
	if negotiate.WantsJSON(c.Request) {
		setPageHeaders(c.Writer.Header(), "")
		_, msg := Message(CodeReauthRequired, requestLang(c.Request))
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": CodeReauthRequired, "message": msg})
		return
	}
	k.startFlow(c, session.Flow{Purpose: purposeReauth, ReturnTo: next, UserID: kakaoBinding(l.KakaoID)},
		kakaoapi.AuthRequest{Scopes: scopeParam(k.cfg.Scopes), Prompts: []kakaoapi.Prompt{kakaoapi.PromptLogin}})
}
