package main

import (
	"crypto/hmac"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
)

// routes wires the site: the fake Kakao (demo mode, on the same listener),
// static files, the readiness probe, the site's pages and the library's
// routes.
func (a *app) routes(mountFake bool) http.Handler {
	r := gin.New()
	r.Use(gin.Recovery(), a.logRequests)
	if mountFake {
		r.Any("/_kakao/*any", gin.WrapH(a.fake.Handler()))
	}
	if a.demo {
		r.POST("/_demo/sdk-login", a.demoSDKLogin) // an app's Kakao SDK, played by the fake
	}
	static, _ := fs.Sub(embedded, "static")
	r.StaticFS("/static", http.FS(static))
	r.GET("/favicon.ico", a.favicon)
	// The readiness probe sits outside the session middleware: a probe
	// polled every few seconds must not load or create sessions.
	r.Match([]string{http.MethodGet, http.MethodHead}, "/healthz", gin.WrapH(a.kg.Health()))
	// Prometheus reads the metrics here, outside the session middleware
	// too. A public site serves them on an internal address instead, or
	// behind its proxy's access rules: they say how logins are going.
	r.GET("/metrics", gin.WrapH(a.metrics.handler()))

	s := r.Group("/", a.kg.Middleware(), a.pageHeaders)
	csrf := a.kg.RequireCSRF()
	s.GET("/", a.home)
	s.GET("/lang", a.setLang)
	s.POST("/login", csrf, a.passwordLogin)
	s.GET("/logout", a.logoutPage)
	s.GET("/profile", a.needKakao, a.kg.RequireLogin(), a.profile)
	s.GET("/consent", a.needKakao, a.kg.RequireLogin(), a.consent)
	s.GET("/terms/:tag", a.termsPage)
	s.GET("/confirm", a.confirmPage)
	s.GET("/account", a.account)
	s.POST("/account/connect", csrf, a.connect)
	s.GET("/account/delete", a.deleteConfirm)
	s.POST("/account/delete", csrf, a.deleteSiteAccount)
	s.POST("/account/logout-everywhere", csrf, a.siteLogoutEverywhere)
	s.POST("/account/logout", csrf, a.siteLogout)
	if a.demo {
		s.POST("/account/demo-event", csrf, a.demoEvent)
	}
	s.GET("/link", a.linkPage)
	s.POST("/link", csrf, a.prove)
	s.GET("/signup", a.signupPage)
	s.POST("/signup", csrf, a.signup)
	s.POST("/signup/abandon", csrf, a.abandon)
	a.apiRoutes(s)
	a.kg.Mount(s.Group("/auth/kakao", a.endSiteLogin, a.libraryNotices))
	r.NoRoute(a.kg.Middleware(), a.pageHeaders, a.notFound)
	return r
}

// pageHeaders sets the security headers of the site's pages (the
// library's own answers set theirs).
func (a *app) pageHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", a.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// endSiteLogin makes the library's logout, logout-everywhere and unlink
// end the site's own password login too: the site_user cookie is cleared
// (and, for "everywhere", every site_user cookie of the user is voided)
// when the request carries the right CSRF token.
func (a *app) endSiteLogin(c *gin.Context) {
	path := c.Request.URL.Path
	if c.Request.Method != http.MethodPost ||
		(path != "/auth/kakao/logout" && path != "/auth/kakao/logout/everywhere" && path != "/auth/kakao/unlink") {
		return
	}
	tok := kakaogin.CSRFToken(c)
	if tok == "" || !hmac.Equal([]byte(c.PostForm(kakaogin.CSRFField)), []byte(tok)) {
		return // the library refuses the request itself
	}
	if path == "/auth/kakao/logout/everywhere" {
		if v := a.viewer(c); v.Site != nil {
			if err := a.users.bumpEpoch(c.Request.Context(), v.Site.ID); err != nil {
				a.log.ErrorContext(c.Request.Context(), "logout everywhere: site logins not ended", "err", err)
			}
		}
	}
	a.clearSiteCookie(c)
}

// logRequests logs each request's method, path (no query: it may carry
// codes or states), status and duration.
func (a *app) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	a.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()), slog.Duration("took", time.Since(start)))
}

// favicon answers browsers (and the fake Kakao's pages, which name none)
// asking for /favicon.ico with the site's icon.
func (a *app) favicon(c *gin.Context) {
	b, err := embedded.ReadFile("static/favicon.svg")
	if err != nil {
		c.Status(http.StatusNotFound)
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "image/svg+xml", b)
}
