package session_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store/memory"
)

// A Manager over the memory store, its middleware on a Gin engine, a login
// route and a route that reads the login back.
func Example() {
	gin.SetMode(gin.ReleaseMode)
	key := make([]byte, 32) // in production: from configuration, e.g. a secret manager
	_, _ = rand.Read(key)

	st := memory.New()
	defer st.Close()
	sm, err := session.New(st, session.Config{SealKeys: [][]byte{key}})
	if err != nil {
		panic(err)
	}

	r := gin.New()
	r.Use(gin.Recovery(), sm.Middleware())
	r.POST("/login", func(c *gin.Context) {
		// After the OAuth callback has verified the user:
		err := sm.LogIn(c, &session.Login{KakaoID: 1234567890, UserID: "u42", Nickname: "Ryan"},
			&session.TokenSet{AccessToken: "access", RefreshToken: "refresh"})
		if err != nil {
			c.String(http.StatusServiceUnavailable, "try again")
			return
		}
		c.Redirect(http.StatusSeeOther, "/me")
	})
	r.GET("/me", func(c *gin.Context) {
		l, ok := sm.Current(c)
		if !ok {
			c.String(http.StatusUnauthorized, "anonymous")
			return
		}
		c.String(http.StatusOK, "hello %s (%d)", l.Nickname, l.KakaoID)
	})

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/login", nil))
	cookie := w.Result().Cookies()[0]
	fmt.Println(w.Code, cookie.Name, cookie.Secure, cookie.HttpOnly)

	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.AddCookie(cookie)
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 303 __Host-kakaologin true true
	// 200 hello Ryan (1234567890)
}

// A host keeps its own values in the session with scs's API beside the
// login: here a flash message, put before a redirect and popped, once, by
// the page it leads to.
func Example_flashMessage() {
	gin.SetMode(gin.ReleaseMode)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	st := memory.New()
	defer st.Close()
	sm, err := session.New(st, session.Config{SealKeys: [][]byte{key}})
	if err != nil {
		panic(err)
	}

	r := gin.New()
	r.Use(gin.Recovery(), sm.Middleware())
	r.POST("/cart", func(c *gin.Context) {
		sm.Put(c.Request.Context(), "flash", "Added to your cart")
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.GET("/", func(c *gin.Context) {
		c.String(http.StatusOK, "flash: %q", sm.PopString(c.Request.Context(), "flash"))
	})

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/cart", nil))
	cookie := w.Result().Cookies()[0]
	for range 2 {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(cookie)
		w = httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(w.Body.String())
	}
	// Output:
	// flash: "Added to your cart"
	// flash: ""
}
