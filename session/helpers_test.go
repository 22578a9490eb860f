package session

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// clock is a settable test clock shared by the Manager and the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (k *clock) Now() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.t
}

func (k *clock) Advance(d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.t = k.t.Add(d)
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

// env is a Manager over a Faulty memory store with a fake clock and a Gin
// engine with gin.Recovery before the session middleware.
type env struct {
	t      *testing.T
	m      *Manager
	mem    *memory.Store
	faulty *storetest.Faulty
	clock  *clock
	r      *gin.Engine
}

func newEnv(t *testing.T, mod ...func(*Config)) *env {
	t.Helper()
	k := newClock()
	mem := memory.New(memory.WithNow(k.Now))
	t.Cleanup(func() { mem.Close() })
	f := storetest.NewFaulty(mem)
	cfg := Config{SealKeys: [][]byte{testKey}, Now: k.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, fn := range mod {
		fn(&cfg)
	}
	m, err := New(f, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard), m.Middleware())
	e := &env{t: t, m: m, mem: mem, faulty: f, clock: k, r: r}
	r.GET("/me", func(c *gin.Context) {
		l, ok := m.Current(c)
		if !ok {
			c.JSON(http.StatusUnauthorized, gin.H{"error": "anonymous"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"kakao_id": l.KakaoID, "user": l.UserID})
	})
	r.POST("/login", func(c *gin.Context) {
		if err := m.LogIn(c, typicalLogin(), typicalTokens()); err != nil {
			c.String(http.StatusInternalServerError, "login failed: %v", err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := m.LogOut(c); err != nil {
			c.String(http.StatusInternalServerError, "logout failed")
			return
		}
		c.Redirect(http.StatusSeeOther, "/")
	})
	return e
}

func typicalLogin() *Login {
	return &Login{
		UserID:     "user-12345",
		KakaoID:    3141592653,
		Nickname:   "라이언",
		ImageURL:   "http://k.kakaocdn.net/dn/bWm0Xx/btsK1aBcDeF/AbCdEfGhIjKlMnOpQrStUv/img_640x640.jpg",
		Scopes:     []string{"openid", "profile_nickname", "profile_image", "account_email", "talk_message"},
		LoggedInAt: time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC),
		AuthTime:   time.Date(2030, 1, 2, 2, 59, 0, 0, time.UTC),
	}
}

func typicalTokens() *TokenSet {
	return &TokenSet{
		AccessToken:   "aYx0k3Zq9JmTQbZcW1pN7sLrVuE2hG4iK6oP8dFyXtC5vB0nM-a0Ah4cKVQAAAAF",
		RefreshToken:  "Rz8qLmN3pT6vW9yB2cE5fH8jK1nQ4sU7xA0dG3iL6oR9uX2zC5wF8hJ1kM4pS-a0Ah4cKVQAAAAF",
		AccessExpiry:  time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC),
		RefreshExpiry: time.Date(2030, 3, 2, 3, 0, 0, 0, time.UTC),
		Scopes:        []string{"openid", "profile_nickname", "profile_image", "account_email", "talk_message"},
	}
}

// do serves one request, with cookie (if any) as the session cookie.
func (e *env) do(method, path, cookie string, hdr ...string) *http.Response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", e.m.cfg.CookieName+"="+cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := recorder{httptest.NewRecorder()}
	e.r.ServeHTTP(w, req)
	return w.Result()
}

// recorder is an httptest.ResponseRecorder that also implements
// http.CloseNotifier, which gin's c.Stream needs.
type recorder struct{ *httptest.ResponseRecorder }

func (recorder) CloseNotify() <-chan bool { return make(chan bool) }

// login logs in through /login and returns the session cookie value.
func (e *env) login() string {
	e.t.Helper()
	res := e.do(http.MethodPost, "/login", "")
	tok, ok := sessionCookie(res, e.m.cfg.CookieName)
	if res.StatusCode != http.StatusSeeOther || !ok || tok == "" {
		e.t.Fatalf("login: status %d, cookie %q (%v)", res.StatusCode, tok, ok)
	}
	return tok
}

// sessionCookie returns the value the response sets for the session
// cookie ("" when it clears it) and whether it sets it at all. It reads
// the header as sent with the first byte (the recorder's snapshot).
func sessionCookie(res *http.Response, name string) (string, bool) {
	for _, ck := range res.Cookies() {
		if ck.Name == name {
			if ck.MaxAge < 0 {
				return "", true
			}
			return ck.Value, true
		}
	}
	return "", false
}

func (e *env) stored(token string) ([]byte, bool) {
	e.t.Helper()
	b, found, err := e.mem.Find(context.Background(), hashToken(token))
	if err != nil {
		e.t.Fatal(err)
	}
	return b, found
}

func unavailable() error {
	return fmt.Errorf("%w: connection refused", store.ErrUnavailable)
}

func body(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
