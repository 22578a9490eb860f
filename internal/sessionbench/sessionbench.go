// Package sessionbench measures the session middleware over one store
// backend, beside the bare-Gin floor in the same process. Each backend module
// calls Run from a benchmark of its own, so a backend's driver stays in its
// own module.
package sessionbench

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

const cookieName = "__Host-bench"

// Run measures, in one run: "bare-gin", the same handler with no sessions;
// "read", a read-only authenticated request (no store write); and "save", a
// request that saves a change to its session (one compare-and-swap). open
// returns a fresh store for each sub-benchmark and closes it at cleanup.
func Run(b *testing.B, open func(b *testing.B) store.Store) {
	gin.SetMode(gin.ReleaseMode) // no debug lines between the figures
	b.Run("bare-gin", func(b *testing.B) {
		r := gin.New()
		r.GET("/me", func(c *gin.Context) { c.String(http.StatusOK, "hello") })
		Requests(b, r, "/me", "")
	})
	b.Run("read", func(b *testing.B) {
		r, _, cookie := engine(b, open(b))
		Requests(b, r, "/me", cookie)
	})
	b.Run("save", func(b *testing.B) {
		r, m, cookie := engine(b, open(b))
		r.GET("/save", func(c *gin.Context) {
			m.Put(c.Request.Context(), "k", "v")
			c.Status(http.StatusOK)
		})
		Requests(b, r, "/save", cookie)
	})
}

// engine is a Gin engine with the session middleware over st, and the
// cookie of a session logged in with a typical login and token set.
func engine(b *testing.B, st store.Store) (*gin.Engine, *session.Manager, string) {
	b.Helper()
	m, err := session.New(st, session.Config{
		CookieName: cookieName,
		SealKeys:   [][]byte{[]byte(strings.Repeat("k", 32))},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	r := gin.New()
	r.Use(m.Middleware())
	r.POST("/login", func(c *gin.Context) {
		if err := m.LogIn(c, login(), tokens()); err != nil {
			c.String(http.StatusInternalServerError, "%v", err)
		}
	})
	r.GET("/me", func(c *gin.Context) {
		if l, ok := m.Current(c); !ok || l.KakaoID == 0 {
			c.String(http.StatusUnauthorized, "anonymous")
			return
		}
		c.String(http.StatusOK, "hello")
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/login", nil))
	for _, ck := range w.Result().Cookies() {
		if ck.Name == cookieName && ck.Value != "" {
			return r, m, cookieName + "=" + ck.Value
		}
	}
	b.Fatalf("login failed: %d %s", w.Code, w.Body)
	return nil, nil, ""
}

// Requests serves GET path with cookie ("name=value", or "" for none) in
// a benchmark loop through a minimal writer, so the figures measure Gin and
// the middleware, not a recorder; every answer must be 200.
func Requests(b *testing.B, r *gin.Engine, path, cookie string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	w := &nullWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		r.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

type nullWriter struct {
	h    http.Header
	code int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nullWriter) WriteHeader(code int)        { w.code = code }

func login() *session.Login {
	now := time.Now().Truncate(time.Second)
	return &session.Login{
		UserID:     "user-12345",
		KakaoID:    3141592653,
		Nickname:   "라이언",
		ImageURL:   "http://k.kakaocdn.net/dn/bWm0Xx/btsK1aBcDeF/AbCdEfGhIjKlMnOpQrStUv/img_640x640.jpg",
		Scopes:     []string{"openid", "profile_nickname", "profile_image", "account_email", "talk_message"},
		LoggedInAt: now,
		AuthTime:   now.Add(-time.Minute),
	}
}

func tokens() *session.TokenSet {
	now := time.Now().Truncate(time.Second)
	return &session.TokenSet{
		AccessToken:   "aYx0k3Zq9JmTQbZcW1pN7sLrVuE2hG4iK6oP8dFyXtC5vB0nM-a0Ah4cKVQAAAAF",
		RefreshToken:  "Rz8qLmN3pT6vW9yB2cE5fH8jK1nQ4sU7xA0dG3iL6oR9uX2zC5wF8hJ1kM4pS-a0Ah4cKVQAAAAF",
		AccessExpiry:  now.Add(6 * time.Hour),
		RefreshExpiry: now.Add(60 * 24 * time.Hour),
		Scopes:        []string{"openid", "profile_nickname", "profile_image", "account_email", "talk_message"},
	}
}
