package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
)

// apiRoutes is the site's JSON API. It accepts browsers' cookie sessions
// and apps' bearer sessions (the session_token of POST
// /auth/kakao/token) alike: kg.AllowBearer() on the group.
func (a *app) apiRoutes(s gin.IRouter) {
	api := s.Group("/api", a.kg.AllowBearer())
	api.GET("/me", a.kg.RequireLogin(), a.apiMe)
	api.GET("/kakao/email", a.kg.RequireScopes("account_email"), a.apiKakaoEmail)
	// RequireCSRF checks browsers; an app's bearer request needs no token.
	api.POST("/signup", a.kg.RequireCSRF(), a.apiSignup)
}

// apiMe is GET /api/me: who the session belongs to, with the site account.
func (a *app) apiMe(c *gin.Context) {
	id, _ := kakaogin.CurrentUser(c)
	out := gin.H{"kakao_id": strconv.FormatInt(id.KakaoID, 10), "nickname": id.Nickname, "scopes": id.Scopes}
	if id.UserID != "" {
		if u, err := a.users.byID(c.Request.Context(), id.UserID); err == nil {
			out["user"] = gin.H{"id": u.ID, "name": u.Name}
		}
	}
	c.JSON(http.StatusOK, out)
}

// apiKakaoEmail is GET /api/kakao/email, a call gated on a consent item:
// the user's Kakao email, read from Kakao with the session's own token.
func (a *app) apiKakaoEmail(c *gin.Context) {
	api, auth := a.kg.Client(c)
	u, err := api.Me(c.Request.Context(), auth, nil)
	if err != nil {
		c.JSON(http.StatusBadGateway, gin.H{"error": "kakao_error"})
		return
	}
	out := gin.H{"email": "", "verified": false}
	if acc := u.KakaoAccount; acc != nil {
		out["email"], out["verified"] = acc.Email, acc.EmailVerified()
	}
	c.JSON(http.StatusOK, out)
}

// apiSignup is POST /api/signup with {"name": …}: an app finishes the
// signup its token sign-in was held for (status "pending", kind
// "signup"). The session's token is renewed; the app finds the new one
// in the X-Session-Token header.
func (a *app) apiSignup(c *gin.Context) {
	p, ok := a.kg.Pending(c)
	if !ok || p.Kind != kakaogin.PendingSignup {
		c.JSON(http.StatusConflict, gin.H{"error": "not_pending"})
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 4096)).Decode(&req); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "bad_request"})
		return
	}
	name := strings.TrimSpace(req.Name)
	id, err := a.completeSignup(c, p, name)
	switch {
	case errors.Is(err, errBadName):
		c.JSON(http.StatusBadRequest, gin.H{"error": "bad_name"})
		return
	case errors.Is(err, errCreateUser):
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal_error"})
		return
	case errors.Is(err, kakaogin.ErrNotPending), errors.Is(err, kakaogin.ErrLinkConflict):
		c.JSON(http.StatusConflict, gin.H{"error": "signup_failed"})
		return
	case err != nil:
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "signup_failed"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": gin.H{"id": id, "name": name}})
}

// demoSDKLogin is POST /_demo/sdk-login, demo mode only: it stands in for
// Kakao's SDK on a phone, which logs the user in at Kakao and hands the
// app its tokens. {"user": "<Kakao ID>", "nonce": …, "key": "native" or
// "javascript"} answers the tokens the app would hold.
func (a *app) demoSDKLogin(c *gin.Context) {
	var req struct {
		User  string `json:"user"`
		Nonce string `json:"nonce"`
		Key   string `json:"key"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 4096)).Decode(&req); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "bad_request"})
		return
	}
	user, err := strconv.ParseInt(req.User, 10, 64)
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "bad_user"})
		return
	}
	key := a.fake.NativeAppKey
	if req.Key == "javascript" {
		key = a.fake.JavaScriptKey
	}
	tok, err := a.fake.SDKLogin(user, key, req.Nonce, loginScopes...)
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "sdk_login_failed"})
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, tok)
}
