package kakaogin_test

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store/memory"
)

// A host app adds Kakao Login in about ten lines. Here the app runs against
// the kakaotest fake; against real Kakao only the keys and the Endpoint
// (left at its zero value) differ.
func Example() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	app := httptest.NewServer(r)
	defer app.Close()
	fake := kakaotest.NewServer(kakaotest.WithRedirectURI(app.URL + "/auth/kakao/callback"))
	defer fake.Close()

	// --- the integration ---
	st := memory.New() // or store.Open(ctx, "redis://…", redis.Backend, …)
	defer st.Close()
	sm, err := session.New(st, session.Config{SealKeys: [][]byte{make([]byte, 32)}, InsecureCookies: true})
	if err != nil {
		log.Fatal(err)
	}
	kg, err := kakaogin.New(kakaogin.Config{
		ClientID:     fake.ClientID,
		ClientSecret: fake.ClientSecret,
		RedirectURL:  app.URL + "/auth/kakao/callback",
		Scopes:       []string{"profile_nickname", "profile_image"},
		Sessions:     sm,
		Users:        st.Links(),
		// test settings: the fake instead of Kakao, plain http, no log
		Endpoint:          kakaogin.Endpoint{AuthURL: fake.URL, APIURL: fake.URL},
		AllowInsecureHTTP: true,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	r.Use(kg.Middleware())
	kg.Mount(r) // the routes go under /auth/kakao, RedirectURL's directory
	r.GET("/me", kg.RequireLogin(), func(c *gin.Context) {
		id, _ := kakaogin.CurrentUser(c)
		c.String(http.StatusOK, "hello, %s (%d)", id.Nickname, id.KakaoID)
	})
	r.GET("/", func(c *gin.Context) { // a page with the logout form's token
		_, in := kakaogin.CurrentUser(c)
		c.String(http.StatusOK, "logged in: %v, csrf: %s", in, kakaogin.CSRFToken(c))
	})
	// --- end of the integration ---

	// A browser visits /me, is sent through Kakao Login and comes back.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(app.URL + "/me")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	// The logout form posts the session's CSRF token.
	resp, _ = browser.Get(app.URL + "/")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	token := strings.TrimPrefix(string(body), "logged in: true, csrf: ")
	resp, err = browser.PostForm(app.URL+"/auth/kakao/logout", url.Values{"csrf_token": {token}})
	if err != nil {
		log.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body)[:len("logged in: false")])
	// Output:
	// hello, 민지 (4012345678)
	// logged in: false
}
