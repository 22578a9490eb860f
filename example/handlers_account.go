package main

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/store"
)

// account: Kakao connection state, connect / disconnect, log out
// everywhere, delete. Works for Kakao logins and site password logins.
func (a *app) account(c *gin.Context) {
	v := a.viewer(c)
	if !v.loggedIn() {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	a.popFlash(c)
	var kakaoID int64
	if v.Site != nil {
		l, err := a.st.Links().ByUserID(c.Request.Context(), v.Site.ID)
		switch {
		case err == nil:
			kakaoID = l.KakaoID
		case !errors.Is(err, store.ErrNotFound):
			a.fail(c, http.StatusServiceUnavailable, kakaogin.CodeSessionUnavailable, err)
			return
		}
	} else if v.Kakao != nil {
		kakaoID = v.Kakao.KakaoID
	}
	a.render(c, http.StatusOK, "account", "", gin.H{
		"Site": v.Site, "Kakao": v.Kakao, "KakaoID": kakaoID, "Connected": kakaoID != 0,
		"CanConnect":    v.Site != nil && kakaoID == 0,
		"CanDisconnect": v.Kakao != nil && v.Site != nil && v.Site.HasPassword,
	})
}

// connect is "Connect Kakao" for a site user logged in by password: the
// library sends the browser to Kakao and links the account it comes back
// with to this user.
func (a *app) connect(c *gin.Context) {
	v := a.viewer(c)
	if v.Site == nil {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	a.kg.StartLink(c, v.Site.ID, "/account")
}

// deleteConfirm asks before deleting: Kakao logins unlink the app at Kakao
// (library POST unlink, then OnUnlink deletes the site user); site-only
// logins delete the site account.
func (a *app) deleteConfirm(c *gin.Context) {
	v := a.viewer(c)
	if !v.loggedIn() {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	action := "/account/delete"
	if v.Kakao != nil {
		action = "/auth/kakao/unlink"
	}
	a.render(c, http.StatusOK, "delete", "", gin.H{"Action": action})
}

// deleteSiteAccount deletes a site-only account (no Kakao login in this
// session). A Kakao link it may have is dropped too.
func (a *app) deleteSiteAccount(c *gin.Context) {
	v := a.viewer(c)
	if v.Site == nil {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	ctx := c.Request.Context()
	if l, err := a.st.Links().ByUserID(ctx, v.Site.ID); err == nil {
		if _, err := a.st.Links().Unlink(ctx, l.KakaoID); err != nil && !errors.Is(err, store.ErrNotFound) {
			a.fail(c, http.StatusServiceUnavailable, kakaogin.CodeSessionUnavailable, err)
			return
		}
		if _, err := a.kg.LogoutEverywhere(ctx, l.KakaoID, v.Site.ID); err != nil {
			a.fail(c, http.StatusServiceUnavailable, kakaogin.CodeSessionUnavailable, err)
			return
		}
	}
	if err := a.users.delete(ctx, v.Site.ID); err != nil {
		a.fail(c, http.StatusInternalServerError, kakaogin.CodeInternal, err)
		return
	}
	a.log.InfoContext(ctx, "site account deleted", "user_id", v.Site.ID)
	a.clearSiteCookie(c)
	c.Redirect(http.StatusSeeOther, "/?deleted=1")
}

// siteLogoutEverywhere ends every login of a site user who is not logged
// in with Kakao here: every site_user cookie and every Kakao session of
// the user, on every instance.
func (a *app) siteLogoutEverywhere(c *gin.Context) {
	v := a.viewer(c)
	if v.Site == nil {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	ctx := c.Request.Context()
	if err := a.users.bumpEpoch(ctx, v.Site.ID); err != nil {
		a.fail(c, http.StatusInternalServerError, kakaogin.CodeInternal, err)
		return
	}
	var kakaoID int64
	if l, err := a.st.Links().ByUserID(ctx, v.Site.ID); err == nil {
		kakaoID = l.KakaoID
	}
	if _, err := a.kg.LogoutEverywhere(ctx, kakaoID, v.Site.ID); err != nil {
		a.fail(c, http.StatusServiceUnavailable, kakaogin.CodeSessionUnavailable, err)
		return
	}
	a.clearSiteCookie(c)
	a.setFlash(c, "flash.logged_out")
	c.Redirect(http.StatusSeeOther, "/")
}
