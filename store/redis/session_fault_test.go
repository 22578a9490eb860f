package redis

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/internal/redisproc"
	"github.com/kakaologin/kakaologin/session"
)

// TestSessionsLostMidRequest is issue 3's fault case on a real server (R8,
// R15), at the session layer: a private redis-server on a spare port is
// killed while a user is logged in; requests get a clean 503 (JSON or HTML
// by Accept), never a panic or a half-written session; when the server comes
// back the same Manager serves again without being rebuilt.
func TestSessionsLostMidRequest(t *testing.T) {
	srv := redisproc.Start(t)
	st, err := Open(t.Context(), srv.URL()+"?dial_timeout=300ms&read_timeout=300ms&write_timeout=300ms")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, r := sessionEngine(t, st)
	r.POST("/login", func(c *gin.Context) {
		if err := m.LogIn(c, &session.Login{KakaoID: 3141592653, UserID: "user-1", LoggedInAt: time.Now()}, nil); err != nil {
			c.String(http.StatusServiceUnavailable, "login failed")
			return
		}
		c.Redirect(http.StatusSeeOther, "/me")
	})
	r.GET("/me", func(c *gin.Context) {
		if _, ok := m.Current(c); ok {
			c.String(http.StatusOK, "logged in")
			return
		}
		c.String(http.StatusOK, "anonymous")
	})
	e := &sessionEnv{t: t, r: r}

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
	if _, set := sessionCookie(res); set {
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

const sessionCookieName = "__Host-test"

var sessionSealKey = []byte("0123456789abcdef0123456789abcdef")

// sessionEngine is a session manager over st, quiet, and a Gin engine
// with its middleware, for tests that serve logins through real sessions.
func sessionEngine(t *testing.T, st *Store) (*session.Manager, *gin.Engine) {
	t.Helper()
	m, err := session.New(st, session.Config{CookieName: sessionCookieName, SealKeys: [][]byte{sessionSealKey},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard), m.Middleware())
	return m, r
}

// sessionEnv serves requests on a Gin engine with the session middleware.
type sessionEnv struct {
	t *testing.T
	r *gin.Engine
}

// do serves one request, with cookie (if any) as the session cookie and
// hdr as header name/value pairs.
func (e *sessionEnv) do(method, path, cookie string, hdr ...string) *http.Response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookieName, Value: cookie})
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.r.ServeHTTP(w, req)
	return w.Result()
}

// login logs a new session in and returns its cookie value.
func (e *sessionEnv) login() string {
	e.t.Helper()
	res := e.do(http.MethodPost, "/login", "")
	tok, ok := sessionCookie(res)
	if !ok {
		e.t.Fatalf("login: status %d, no session cookie", res.StatusCode)
	}
	return tok
}

// sessionCookie returns the session cookie res sets, if it sets one.
func sessionCookie(res *http.Response) (string, bool) {
	for _, c := range res.Cookies() {
		if c.Name == sessionCookieName {
			return c.Value, true
		}
	}
	return "", false
}

func body(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
