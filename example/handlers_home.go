package main

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
)

// home: the Kakao login button and the site's own password login (seeded
// demo account) for visitors, a way on for those logged in, and, in demo
// mode, the banner.
func (a *app) home(c *gin.Context) {
	a.popFlash(c)
	a.render(c, http.StatusOK, "home", "", gin.H{"DemoEmail": demoEmail, "DemoPassword": demoPassword})
}

// needKakao stands before the pages that show what Kakao knows (profile,
// consent): a visitor logged in with a password only is told why the page
// needs a Kakao login, and offered one (or, with no Kakao account linked
// yet, the connection), instead of being sent to Kakao unasked.
func (a *app) needKakao(c *gin.Context) {
	v := a.viewer(c)
	if v.Kakao != nil || v.Site == nil {
		return // Kakao login, or nobody: RequireLogin decides
	}
	linked := false
	if _, err := a.st.Links().ByUserID(c.Request.Context(), v.Site.ID); err == nil {
		linked = true
	}
	a.render(c, http.StatusOK, "needkakao", "", gin.H{"Linked": linked, "Next": c.Request.URL.Path})
	c.Abort()
}

// termsPage shows a service term's text: the consent page links each term
// by its title. The demo's terms are placeholders.
func (a *app) termsPage(c *gin.Context) {
	tag := c.Param("tag")
	if termTitles[tag] == [2]string{} {
		a.notFound(c)
		return
	}
	a.render(c, http.StatusOK, "terms", "", gin.H{"Tag": tag})
}

// setLang is the language toggle: GET /lang?to=en|ko sets the lang cookie
// (read by the site and by the library's error pages) and goes back.
func (a *app) setLang(c *gin.Context) {
	to := c.Query("to")
	if to != "ko" && to != "en" {
		to = "ko"
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: "lang", Value: to, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
		Secure: a.secure, SameSite: http.SameSiteLaxMode})
	c.Redirect(http.StatusSeeOther, sameSiteReferer(c.Request))
}

// sameSiteReferer is the path of the Referer when it is this site, else "/".
func sameSiteReferer(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host || u.Path == "" || u.Path[0] != '/' || u.Path == "/lang" {
		return "/"
	}
	if u.RawQuery != "" {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
}

// passwordLogin is the site's own login (POST /login, CSRF-checked).
func (a *app) passwordLogin(c *gin.Context) {
	u, err := a.users.loginByEmail(c.Request.Context(), c.PostForm("email"), c.PostForm("password"))
	if errors.Is(err, errNoUser) {
		a.log.InfoContext(c.Request.Context(), "password login failed")
		a.render(c, http.StatusUnauthorized, "home", "error.password", gin.H{"DemoEmail": demoEmail, "DemoPassword": demoPassword})
		return
	}
	if err != nil {
		a.fail(c, http.StatusServiceUnavailable, kakaogin.CodeInternal, err)
		return
	}
	a.setSiteCookie(c, u)
	a.log.InfoContext(c.Request.Context(), "password login", "user_id", u.ID)
	a.setFlash(c, "flash.logged_in")
	c.Redirect(http.StatusSeeOther, "/account")
}

// logoutPage explains the three logout modes, one form each, or offers
// the password login's logout; a visitor who is not logged in is told so
// and offered the way home (no form, and no session made for a notice).
func (a *app) logoutPage(c *gin.Context) {
	a.render(c, http.StatusOK, "logout", "", nil)
}
