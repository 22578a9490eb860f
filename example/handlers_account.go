package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
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
		"KakaoAccount":  a.kakaoAccountOf(c, v, kakaoID),
		"CanConnect":    v.Site != nil && kakaoID == 0,
		"CanDisconnect": v.Kakao != nil && v.Site != nil && v.Site.HasPassword,
		"Events":        eventRows(pageLang(c.Request), a.events.of(kakaoID)),
		"DemoEvents":    a.demo && v.Kakao != nil,
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
	a.kg.StartLink(c, v.Site.ID, sitePath(c.PostForm("next"), "/account"))
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
	a.setFlash(c, "flash.deleted")
	c.Redirect(http.StatusSeeOther, "/")
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
	a.setFlash(c, "notice.everywhere")
	c.Redirect(http.StatusSeeOther, "/")
}

// siteLogout is POST /account/logout, the log-out of a password login
// (with no Kakao login, the library's logout modes do not apply): the
// site_user cookie is cleared.
func (a *app) siteLogout(c *gin.Context) {
	if a.viewer(c).Site != nil {
		a.setFlash(c, "notice.logout_site")
	}
	a.clearSiteCookie(c)
	c.Redirect(http.StatusSeeOther, "/")
}

// siteKind is "linked" when the site user v, logged in by password, has a
// Kakao account linked, else "site": deleting the account is told in
// different words.
func (a *app) siteKind(c *gin.Context, v viewer) string {
	if v.Site != nil {
		if _, err := a.st.Links().ByUserID(c.Request.Context(), v.Site.ID); err == nil {
			return "linked"
		}
	}
	return "site"
}

// kakaoAccount is the linked Kakao account as the account page shows it.
type kakaoAccount struct {
	Nickname string
	Email    string
}

// kakaoAccountOf reads the linked Kakao account's nickname and email from
// Kakao: with the user's token when logged in with Kakao, else with the
// admin key (the account is linked but this is a password login). It is
// nil when there is no link or Kakao does not answer in time; the page
// then shows the Kakao ID alone.
func (a *app) kakaoAccountOf(c *gin.Context, v viewer, kakaoID int64) *kakaoAccount {
	if kakaoID == 0 {
		return nil
	}
	api, auth := a.kg.Client(c)
	if v.Kakao == nil {
		if a.adminKey == "" {
			return nil
		}
		auth = kakaoapi.Admin(a.adminKey, kakaoID)
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	me, err := api.Me(ctx, auth, nil)
	if err != nil {
		a.log.InfoContext(ctx, "account page: Kakao account not read", "err", err)
		return nil
	}
	ka := &kakaoAccount{}
	if acc := me.KakaoAccount; acc != nil {
		ka.Email = acc.Email
		if acc.Profile != nil {
			ka.Nickname = acc.Profile.Nickname
		}
	}
	return ka
}
