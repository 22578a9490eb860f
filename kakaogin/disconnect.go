package kakaogin

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/store"
)

// handleDisconnect is POST disconnect: remove the Kakao link from the
// current host user without leaving the host. The host must confirm
// another way to log in exists (Linking.CanDisconnect); with
// Linking.DisconnectUnlinksKakao the app is also unlinked at Kakao. Every
// Kakao session of the user ends: the next login is through the host's
// own.
func (k *Kakao) handleDisconnect(c *gin.Context) {
	l, ok := k.current(c)
	if !ok || l.UserID == "" {
		k.loginRequired(c)
		return
	}
	if !k.checkCSRF(c) {
		return
	}
	ctx := c.Request.Context()
	if k.cfg.Linking.CanDisconnect == nil {
		k.fail(c, newError(http.StatusForbidden, CodeForbidden, errors.New("disconnecting is not enabled (Linking.CanDisconnect is nil)")))
		return
	}
	hctx, cancel := context.WithTimeout(ctx, hookTimeout)
	okay, err := k.cfg.Linking.CanDisconnect(hctx, l.UserID)
	cancel()
	if err != nil {
		k.fail(c, newError(http.StatusInternalServerError, CodeHookFailed, err))
		return
	}
	if !okay {
		k.fail(c, newError(http.StatusConflict, CodeNoOtherLogin, errors.New("no other way to log in")))
		return
	}
	if k.cfg.Linking.DisconnectUnlinksKakao {
		uctx, cancel := context.WithTimeout(ctx, unlinkTimeout)
		defer cancel()
		if err := k.UnlinkAtKakao(uctx, c, l.KakaoID); err != nil {
			k.fail(c, kakaoError(err))
			return
		}
	}
	if _, err := k.cfg.Users.Unlink(ctx, l.KakaoID); err != nil && !errors.Is(err, store.ErrNotFound) {
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	if _, err := k.sessions.RevokeKakaoUser(ctx, l.KakaoID); err != nil {
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	_ = k.sessions.LogOut(c)
	k.event(ctx, "disconnected", "kakao_id", l.KakaoID, "user_id", l.UserID)
	setPageHeaders(c.Writer.Header(), "")
	c.Redirect(http.StatusSeeOther, addQuery(k.cfg.Logout.AfterURL, "kakao_disconnected", "1"))
}
