package redis

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
)

// cluster is two app instances, each with its own Redis client, session
// manager and kakaogin value, behind one address that sends each request to
// the next instance in turn, as a round-robin load balancer does.
type cluster struct {
	t     *testing.T
	url   string
	fake  *kakaotest.Server
	st    *Store
	clock atomic.Int64 // offset added to the instances' clock
	made  atomic.Int64 // host users created by OnNewUser
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	cl := &cluster{t: t}
	var next atomic.Uint64
	var engines [2]*gin.Engine
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		engines[next.Add(1)%2].ServeHTTP(w, r)
	}))
	t.Cleanup(lb.Close)
	cl.url = lb.URL
	redirect := lb.URL + "/auth/kakao/callback"
	cl.fake = kakaotest.NewServer(kakaotest.WithRedirectURI(redirect))
	t.Cleanup(cl.fake.Close)

	prefix := freshPrefix(t)
	for i := range engines {
		st := openWithPrefix(t, prefix)
		if i == 0 {
			cl.st = st
		}
		sm, err := session.New(st, session.Config{SealKeys: [][]byte{sessionSealKey}, InsecureCookies: true})
		if err != nil {
			t.Fatal(err)
		}
		kg, err := kakaogin.New(kakaogin.Config{
			ClientID:          cl.fake.ClientID,
			ClientSecret:      cl.fake.ClientSecret,
			RedirectURL:       redirect,
			Scopes:            []string{"profile_nickname"},
			Sessions:          sm,
			Users:             st.Links(),
			Endpoint:          kakaogin.Endpoint{AuthURL: cl.fake.URL, APIURL: cl.fake.URL},
			AllowInsecureHTTP: true,
			Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
			Now:               func() time.Time { return time.Now().Add(time.Duration(cl.clock.Load())) },
			Linking: kakaogin.LinkingConfig{OnNewUser: func(context.Context, kakaogin.NewUser) (string, error) {
				time.Sleep(50 * time.Millisecond) // widen the race between first logins
				cl.made.Add(1)
				return "host-user", nil
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		r := gin.New()
		r.Use(gin.Recovery(), kg.Middleware())
		kg.Mount(r.Group("/auth/kakao"))
		r.GET("/csrf", func(c *gin.Context) { c.String(http.StatusOK, "%s", kakaogin.CSRFToken(c)) })
		r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "home") })
		r.GET("/me", func(c *gin.Context) {
			if id, ok := kakaogin.CurrentUser(c); ok {
				c.String(http.StatusOK, "%s %d", id.UserID, id.KakaoID)
				return
			}
			c.String(http.StatusOK, "anonymous")
		})
		r.GET("/kakao/me", kg.RequireLogin(), func(c *gin.Context) {
			api, auth := kg.Client(c)
			u, err := api.Me(c.Request.Context(), auth, nil)
			if err != nil {
				c.String(http.StatusBadGateway, "kakao: %v", err)
				return
			}
			c.String(http.StatusOK, "%d", u.ID)
		})
		engines[i] = r
	}
	return cl
}

// browser is an HTTP client with its own cookie jar (its own session).
func (cl *cluster) browser() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		cl.t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// get returns the status and body of GET path.
func (cl *cluster) get(b *http.Client, path string) (int, string) {
	res, err := b.Get(cl.url + path)
	if err != nil {
		cl.t.Errorf("GET %s: %v", path, err)
		return 0, ""
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// login logs b in through the fake Kakao (which approves at once) and
// returns the body of the page it lands on.
func (cl *cluster) login(b *http.Client) string {
	status, body := cl.get(b, "/auth/kakao/login?next=/me")
	if status != http.StatusOK {
		return fmt.Sprintf("status %d", status)
	}
	return body
}

// TestKakaoginOnTwoInstances runs, over two Redis clients, the multi-instance
// scenarios that kakaogin's own tests run over one shared in-process store.
func TestKakaoginOnTwoInstances(t *testing.T) {
	cl := newCluster(t)
	browsers := make([]*http.Client, 6)
	for i := range browsers {
		browsers[i] = cl.browser()
	}

	t.Run("concurrent first logins create one host user (C87)", func(t *testing.T) {
		var wg sync.WaitGroup
		landed := make([]string, len(browsers))
		for i, b := range browsers {
			wg.Go(func() { landed[i] = cl.login(b) })
		}
		wg.Wait()
		want := fmt.Sprintf("host-user %d", kakaotest.UserMinji)
		for i, got := range landed {
			if got != want {
				t.Fatalf("browser %d landed on %q, want %q", i, got, want)
			}
		}
		if n := cl.made.Load(); n != 1 {
			t.Fatalf("%d host users created across two instances, want 1", n)
		}
		l, err := cl.st.Links().ByKakaoID(context.Background(), kakaotest.UserMinji)
		if err != nil || l.UserID != "host-user" {
			t.Fatalf("link %+v, %v", l, err)
		}
	})

	t.Run("one refresh call for one session across instances (C95)", func(t *testing.T) {
		b := browsers[0]
		cl.clock.Store(int64(6*time.Hour - 4*time.Minute)) // inside the refresh margin
		t.Cleanup(func() { cl.clock.Store(0) })
		before := cl.fake.Hits(kakaotest.PathToken)
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range 40 {
			wg.Go(func() {
				if status, _ := cl.get(b, "/kakao/me"); status != http.StatusOK {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := failed.Load(); n != 0 {
			t.Fatalf("%d of 40 requests failed", n)
		}
		if n := cl.fake.Hits(kakaotest.PathToken) - before; n != 1 {
			t.Fatalf("%d refresh calls across two instances, want 1", n)
		}
	})

	t.Run("logout everywhere ends the user's sessions on both instances (C61)", func(t *testing.T) {
		b := browsers[0]
		_, csrf := cl.get(b, "/csrf")
		req, err := http.NewRequest(http.MethodPost, cl.url+"/auth/kakao/logout/everywhere",
			strings.NewReader(url.Values{kakaogin.CSRFField: {csrf}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", cl.url)
		res, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("logout everywhere: %d", res.StatusCode)
		}
		for i, b := range browsers {
			for range 2 { // each instance answers one of two requests
				if _, body := cl.get(b, "/me"); body != "anonymous" {
					t.Fatalf("browser %d still logged in: %q", i, body)
				}
			}
		}
	})
}
