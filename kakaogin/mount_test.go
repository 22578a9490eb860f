package kakaogin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// mountKakao builds Kakao Login for RedirectURL https://example.com<cb>
// with every route and the unlink callback on.
func mountKakao(t *testing.T, cb string) *Kakao {
	t.Helper()
	kg, err := New(Config{
		ClientID: "id", RedirectURL: "https://example.com" + cb, Sessions: testSessions(t),
		Scopes: []string{"profile_nickname"}, ExtraScopes: []string{"talk_message"},
		AdminKey: "admin-key", Unlink: UnlinkConfig{Callback: &UnlinkCallback{AppID: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return kg
}

// routes lists the engine's routes as "METHOD path".
func routes(eng *gin.Engine) map[string]bool {
	out := map[string]bool{}
	for _, r := range eng.Routes() {
		out[r.Method+" "+r.Path] = true
	}
	return out
}

// TestMountFollowsRedirectURL: the routes go under RedirectURL's
// directory whether Mount gets the engine, a group there or a group at a
// parent (whose middleware then runs); any other group panics at once.
func TestMountFollowsRedirectURL(t *testing.T) {
	for _, tc := range []struct {
		name, cb string
		router   func(*gin.Engine) gin.IRouter
		prefix   string
	}{
		{"engine", "/auth/kakao/callback", func(e *gin.Engine) gin.IRouter { return e }, "/auth/kakao"},
		{"group at the directory", "/auth/kakao/callback", func(e *gin.Engine) gin.IRouter { return e.Group("/auth/kakao") }, "/auth/kakao"},
		{"group with a trailing slash", "/auth/kakao/callback", func(e *gin.Engine) gin.IRouter { return e.Group("/auth/kakao/") }, "/auth/kakao"},
		{"group at a parent", "/auth/kakao/callback", func(e *gin.Engine) gin.IRouter { return e.Group("/auth") }, "/auth/kakao"},
		{"root group", "/auth/kakao/callback", func(e *gin.Engine) gin.IRouter { return e.Group("/") }, "/auth/kakao"},
		{"site root", "/callback", func(e *gin.Engine) gin.IRouter { return e }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kg := mountKakao(t, tc.cb)
			eng := gin.New()
			kg.Mount(tc.router(eng))
			got := routes(eng)
			for _, r := range []string{"GET /login", "GET /callback", "POST /logout", "GET /logout/callback", "POST /unlink",
				"POST /unlink/callback", "GET /consent/items", "POST /disconnect"} {
				method, path, _ := strings.Cut(r, " ")
				if !got[method+" "+tc.prefix+path] {
					t.Errorf("%s %s%s not registered; routes %v", method, tc.prefix, path, got)
				}
			}
			if kg.webhookPath != tc.prefix+"/unlink/callback" || kg.path("login") != tc.prefix+"/login" {
				t.Errorf("webhook path %q, login path %q", kg.webhookPath, kg.path("login"))
			}
		})
	}

	t.Run("parent group's middleware runs", func(t *testing.T) {
		kg := mountKakao(t, "/auth/kakao/callback")
		eng := gin.New()
		eng.Use(kg.Middleware())
		kg.Mount(eng.Group("/auth", func(c *gin.Context) { c.Header("X-Group", "ran") }))
		rec := httptest.NewRecorder()
		eng.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth/kakao/me", nil))
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("X-Group") != "ran" {
			t.Fatalf("GET /auth/kakao/me: %d, X-Group %q", rec.Code, rec.Header().Get("X-Group"))
		}
	})

	for _, group := range []string{"/login", "/auth/kakao/x", "/auth/kak", "/other"} {
		t.Run("group at "+group+" panics", func(t *testing.T) {
			kg := mountKakao(t, "/auth/kakao/callback")
			eng := gin.New()
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, `"/auth/kakao/"`) || !strings.Contains(msg, "Mount") {
					t.Fatalf("panic %q does not name the mount path", msg)
				}
				if len(eng.Routes()) != 0 {
					t.Fatalf("routes registered before the panic: %v", routes(eng))
				}
			}()
			kg.Mount(eng.Group(group))
		})
	}
}

// TestRequireScopesOnlyConfiguredItems: RequireScopes accepts items of
// Scopes and ExtraScopes, panics at setup on any other, and changes
// nothing in *Kakao.
func TestRequireScopesOnlyConfiguredItems(t *testing.T) {
	kg := mountKakao(t, "/auth/kakao/callback")
	kg.RequireScopes("profile_nickname", "talk_message")
	for _, item := range []string{"friends", "profile_nicknam"} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, item) || !strings.Contains(msg, "ExtraScopes") {
					t.Errorf("RequireScopes(%q): panic %q", item, msg)
				}
			}()
			kg.RequireScopes(item)
		}()
	}
	if len(kg.consentable) != 2 || kg.consentable["friends"] {
		t.Fatalf("consentable changed: %v", kg.consentable)
	}
}
