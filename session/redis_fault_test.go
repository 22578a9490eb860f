package session

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/internal/redisproc"
	"github.com/kakaologin/kakaologin/store/redis"
)

// TestRedisLostMidRequest is issue 3's fault case on a real server (R8,
// R15): a private redis-server on a spare port is killed while a user is
// logged in; requests get a clean 503 (JSON or HTML by Accept), never a
// panic or a half-written session; when the server comes back the same
// Manager serves again without being rebuilt.
func TestRedisLostMidRequest(t *testing.T) {
	srv := redisproc.Start(t)
	st, err := redis.Open(t.Context(), srv.URL()+"?dial_timeout=300ms&read_timeout=300ms&write_timeout=300ms")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := New(st, Config{SealKeys: [][]byte{testKey}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard), m.Middleware())
	r.POST("/login", func(c *gin.Context) {
		if err := m.LogIn(c, typicalLogin(), typicalTokens()); err != nil {
			c.String(http.StatusServiceUnavailable, "login failed")
			return
		}
		c.Redirect(http.StatusSeeOther, "/me")
	})
	r.GET("/me", func(c *gin.Context) {
		if _, ok := m.Login(c); ok {
			c.String(http.StatusOK, "logged in")
			return
		}
		c.String(http.StatusOK, "anonymous")
	})
	e := &env{t: t, m: m, r: r}

	tok := e.login()
	if res := e.do(http.MethodGet, "/me", tok); body(res) != "logged in" {
		t.Fatal("not logged in before the fault")
	}

	srv.Stop()
	start := time.Now()
	res := e.do(http.MethodGet, "/me", tok, "Accept", "application/json")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("server gone: status %d, want 503", res.StatusCode)
	}
	var j map[string]any
	if err := json.Unmarshal([]byte(body(res)), &j); err != nil || j["error"] == nil {
		t.Fatalf("503 is not a JSON error: %v", j)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("503 took %v", d)
	}
	res = e.do(http.MethodGet, "/me", tok, "Accept", "text/html")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("HTML client: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if _, set := sessionCookie(res, m.cfg.CookieName); set {
		t.Fatal("cookie changed while the store was down")
	}
	// A login attempt while down fails cleanly too.
	if res := e.do(http.MethodPost, "/login", ""); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("login while down: %d", res.StatusCode)
	}

	srv.Restart() // same port, empty (no persistence): the session is gone
	deadline := time.Now().Add(5 * time.Second)
	for {
		res := e.do(http.MethodGet, "/me", tok)
		if res.StatusCode == http.StatusOK {
			if b := body(res); b != "anonymous" {
				t.Fatalf("after restart: %q", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the server came back: %d", res.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if tok2 := e.login(); tok2 == "" {
		t.Fatal("cannot log in after recovery")
	}
}
