package kakaogin_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
)

// userTable stands for a host's own users table with a kakao_id column.
// Implementing kakaogin.UserLinks takes three methods; a real one runs SQL such
// as UPDATE users SET kakao_id = $1 WHERE id = $2 AND kakao_id IS NULL,
// with a unique index on kakao_id.
type userTable struct {
	mu      sync.Mutex
	kakaoOf map[string]int64 // user ID → Kakao ID
	nextID  int
}

func (t *userTable) ByKakaoID(_ context.Context, kakaoID int64) (store.Link, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for user, k := range t.kakaoOf {
		if k == kakaoID {
			return store.Link{KakaoID: k, UserID: user}, nil
		}
	}
	return store.Link{}, store.ErrNotFound
}

func (t *userTable) Link(_ context.Context, l store.Link) (store.Link, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for user, k := range t.kakaoOf {
		if k == l.KakaoID && user != l.UserID {
			return store.Link{}, store.ErrLinkConflict // one Kakao ID, one user
		}
	}
	if k, ok := t.kakaoOf[l.UserID]; ok && k != 0 && k != l.KakaoID {
		return store.Link{}, store.ErrLinkConflict
	}
	t.kakaoOf[l.UserID] = l.KakaoID
	return l, nil
}

func (t *userTable) Unlink(_ context.Context, kakaoID int64) (store.Link, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for user, k := range t.kakaoOf {
		if k == kakaoID {
			t.kakaoOf[user] = 0
			return store.Link{KakaoID: k, UserID: user}, nil
		}
	}
	return store.Link{}, store.ErrNotFound
}

// createUser is the host's "insert into users" for a new Kakao user.
func (t *userTable) createUser(nu kakaogin.NewUser) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nextID++
	id := fmt.Sprintf("member-%d", t.nextID)
	t.kakaoOf[id] = 0
	return id
}

// A host that keeps its own users table implements kakaogin.UserLinks and
// creates users in Linking.OnNewUser; the library links them (once, even
// under concurrent first logins).
func Example_ownUserTable() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	app := httptest.NewServer(r)
	defer app.Close()
	fake := kakaotest.NewServer(kakaotest.WithRedirectURI(app.URL + "/auth/kakao/callback"))
	defer fake.Close()

	users := &userTable{kakaoOf: map[string]int64{}}
	st := memory.New()
	defer st.Close()
	sm, err := session.New(st, session.Config{SealKeys: [][]byte{make([]byte, 32)}, InsecureCookies: true})
	if err != nil {
		log.Fatal(err)
	}
	kg, err := kakaogin.New(kakaogin.Config{
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret,
		RedirectURL: app.URL + "/auth/kakao/callback",
		Scopes:      []string{"profile_nickname"},
		Sessions:    sm,
		Users:       users,
		Linking: kakaogin.LinkingConfig{
			OnNewUser: func(ctx context.Context, nu kakaogin.NewUser) (string, error) {
				return users.createUser(nu), nil
			},
		},
		Endpoint:          kakaogin.Endpoint{AuthURL: fake.URL, APIURL: fake.URL},
		AllowInsecureHTTP: true,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	r.Use(kg.Middleware())
	kg.Mount(r)
	r.GET("/account", kg.RequireLogin(), func(c *gin.Context) {
		id, _ := kakaogin.CurrentUser(c)
		c.String(http.StatusOK, "host user %s (Kakao %d)", id.UserID, id.KakaoID)
	})

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for range 2 { // the second login finds the link made by the first
		resp, err := browser.Get(app.URL + "/auth/kakao/login?next=/account")
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// host user member-1 (Kakao 4012345678)
	// host user member-1 (Kakao 4012345678)
}
