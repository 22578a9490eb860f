package kakaogin_test

import (
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store/memory"
)

// A readiness probe for a load balancer or Kubernetes: Health is mounted
// outside the session middleware, for GET and HEAD, and reports the store
// and Kakao's key set.
func ExampleKakao_Health() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	app := httptest.NewServer(r)
	defer app.Close()
	fake := kakaotest.NewServer(kakaotest.WithRedirectURI(app.URL + "/auth/kakao/callback"))
	defer fake.Close()
	st := memory.New()
	defer st.Close()
	sm, err := session.New(st, session.Config{SealKeys: [][]byte{make([]byte, 32)}, InsecureCookies: true})
	if err != nil {
		log.Fatal(err)
	}
	kg, err := kakaogin.New(kakaogin.Config{
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret,
		RedirectURL: app.URL + "/auth/kakao/callback",
		Sessions:    sm,
		Endpoint:    kakaogin.Endpoint{AuthURL: fake.URL, APIURL: fake.URL}, AllowInsecureHTTP: true,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}

	// --- the probe: before the session middleware, so it has none ---
	r.Match([]string{http.MethodGet, http.MethodHead}, "/healthz", gin.WrapH(kg.Health()))
	site := r.Group("/", kg.Middleware())
	kg.Mount(site)
	// --- end ---

	resp, err := http.Get(app.URL + "/healthz")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var report struct {
		Status string
		Checks map[string]struct{ Status string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&report); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Cache-Control"), report.Status)
	fmt.Println("store:", report.Checks["store"].Status, "kakao_keys:", report.Checks["kakao_keys"].Status)
	// Output:
	// 200 no-store ok
	// store: ok kakao_keys: ok
}
