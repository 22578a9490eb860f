package kakaogin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// The SDK keys of the token sign-in tests' app.
const (
	testNativeKey = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	testJSKey     = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
)

// withSDK configures the app for token sign-ins: the fake's app ID, its
// SDK keys, and a session store whose writes the test can count.
func withSDK(t testing.TB, faulty **storetest.Faulty) harnessOpt {
	return func(c *Config, o *[]kakaotest.Option) {
		*o = append(*o, kakaotest.WithSDKKeys(testNativeKey, testJSKey))
		c.AppID = 1158231 // the fake's default app ID
		c.SDKKeys = []string{testNativeKey, testJSKey}
		mem := memory.New()
		t.Cleanup(func() { mem.Close() })
		f := storetest.NewFaulty(mem)
		sm, err := session.New(f, session.Config{SealKeys: [][]byte{testSealKey}, InsecureCookies: true})
		if err != nil {
			t.Fatal(err)
		}
		c.Sessions = sm
		if faulty != nil {
			*faulty = f
		}
	}
}

// storeWrites counts the store calls that write anything.
func storeWrites(f *storetest.Faulty) int {
	n := 0
	for _, m := range []storetest.Method{storetest.Commit, storetest.CompareAndSwap, storetest.Delete,
		storetest.AddUserSession, storetest.RevokeUser, storetest.Link, storetest.Enqueue} {
		n += f.Calls(m)
	}
	return n
}

// apiRoutes adds the host's JSON API that accepts bearer sessions.
func apiRoutes(h *harness) {
	api := h.eng.Group("/api", h.kg.AllowBearer())
	api.GET("/me", h.kg.RequireLogin(), func(c *gin.Context) {
		id, _ := CurrentUser(c)
		c.JSON(http.StatusOK, gin.H{"kakao_id": strconv.FormatInt(id.KakaoID, 10), "user_id": id.UserID})
	})
	api.GET("/kakao", h.kg.RequireLogin(), func(c *gin.Context) {
		client, auth := h.kg.Client(c)
		u, err := client.Me(c.Request.Context(), auth, nil)
		if err != nil {
			c.JSON(http.StatusBadGateway, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusOK, gin.H{"kakao_id": strconv.FormatInt(u.ID, 10)})
	})
	api.GET("/email", h.kg.RequireScopes("account_email"), func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	api.GET("/talk", h.kg.RequireScopes("talk_message"), func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	api.POST("/note", h.kg.RequireLogin(), h.kg.RequireCSRF(), func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"saved": true}) })
	api.POST("/complete", func(c *gin.Context) {
		if err := h.kg.CompletePending(c, "host-user-"+c.Query("n")); err != nil {
			c.JSON(http.StatusConflict, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusOK, gin.H{"done": true})
	})
}

// call sends a request to the app and decodes a JSON answer.
func (h *harness) call(method, path, bearer, contentType string, body []byte) (int, map[string]any, *http.Response) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &m) != nil {
		h.t.Fatalf("%s %s: answer is not JSON: %d %.200s", method, path, resp.StatusCode, raw)
	}
	if len(resp.Header.Values("Set-Cookie")) != 0 && bearer != "" {
		h.t.Errorf("%s %s: a bearer request got cookies: %q", method, path, resp.Header.Values("Set-Cookie"))
	}
	return resp.StatusCode, m, resp
}

// nonce gets a token nonce from the app.
func (h *harness) nonce() string {
	h.t.Helper()
	status, m, _ := h.call(http.MethodPost, "/auth/kakao/token/nonce", "", "", nil)
	n, _ := m["nonce"].(string)
	if status != http.StatusOK || n == "" || m["expires_in"] != float64(600) {
		h.t.Fatalf("token nonce: %d %v", status, m)
	}
	h.logs.add(n)
	return n
}

// sdkLogin is the app's whole login: a nonce from the server, the SDK's
// login at the fake.
func (h *harness) sdkLogin(user int64, key string) (kakaotest.Tokens, string) {
	h.t.Helper()
	n := h.nonce()
	tok, err := h.fake.SDKLogin(user, key, n, "account_email")
	if err != nil {
		h.t.Fatal(err)
	}
	h.logs.add(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	return tok, n
}

// signIn posts a token sign-in.
func (h *harness) signIn(v any) (int, map[string]any, *http.Response) {
	h.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		h.t.Fatal(err)
	}
	status, m, resp := h.call(http.MethodPost, "/auth/kakao/token", "", "application/json", b)
	if len(resp.Header.Values("Set-Cookie")) != 0 {
		h.t.Errorf("token sign-in set cookies: %q", resp.Header.Values("Set-Cookie"))
	}
	if tok, _ := m["session_token"].(string); tok != "" {
		h.logs.add(tok)
	}
	return status, m, resp
}

func body(t kakaotest.Tokens, nonce string) map[string]string {
	return map[string]string{"access_token": t.AccessToken, "id_token": t.IDToken, "refresh_token": t.RefreshToken, "nonce": nonce}
}

func TestTokenSignIn(t *testing.T) {
	for _, key := range []string{testNativeKey, testJSKey} {
		t.Run(key[:4], func(t *testing.T) {
			h := newHarness(t, withSDK(t, nil))
			apiRoutes(h)
			tok, n := h.sdkLogin(kakaotest.UserMinji, key)
			infoCalls, meCalls := h.fake.Hits(kakaotest.PathAccessTokenInfo), h.fake.Hits(kakaotest.PathMe)
			status, m, _ := h.signIn(body(tok, n))
			if status != http.StatusOK || m["status"] != "logged_in" || m["token_type"] != "Bearer" {
				t.Fatalf("sign-in: %d %v", status, m)
			}
			if got := [2]int{h.fake.Hits(kakaotest.PathAccessTokenInfo) - infoCalls, h.fake.Hits(kakaotest.PathMe) - meCalls}; got != [2]int{1, 1} {
				t.Errorf("Kakao calls per sign-in (access token info, user info) = %v, want [1 1]", got)
			}
			user, _ := m["user"].(map[string]any)
			if user["kakao_id"] != strconv.FormatInt(kakaotest.UserMinji, 10) {
				t.Fatalf("answer's user %v", user)
			}
			st := m["session_token"].(string)
			for _, path := range []string{"/api/me", "/auth/kakao/me", "/api/kakao", "/api/email"} {
				if status, m, _ := h.call(http.MethodGet, path, st, "", nil); status != http.StatusOK {
					t.Errorf("GET %s with the session token: %d %v", path, status, m)
				}
			}
			// No CSRF token for a bearer request on a route that accepts it.
			if status, m, _ := h.call(http.MethodPost, "/api/note", st, "", nil); status != http.StatusOK {
				t.Errorf("POST /api/note with the session token: %d %v", status, m)
			}
			// talk_message is not in what user info vouches for.
			if status, m, _ := h.call(http.MethodGet, "/api/talk", st, "", nil); status != http.StatusForbidden || m["error"] != string(CodeInsufficientScope) || m["consent_url"] != nil {
				t.Errorf("GET /api/talk: %d %v", status, m)
			}
		})
	}
}

// Issue 14: every substitution and bad-input case is refused with a clear
// JSON error, and writes nothing to the store.
func TestTokenSignInRefusals(t *testing.T) {
	type setup struct {
		h *harness
		n string // a fresh nonce
	}
	for _, tc := range []struct {
		name        string
		req         func(s setup) any
		contentType string
		status      int
		code        ErrorCode
	}{
		{name: "another app's tokens (C47)", req: func(s setup) any {
			tok, _ := s.h.fake.OtherAppSDKLogin(kakaotest.UserMinji, s.n)
			return body(tok, s.n)
		}, status: 400, code: CodeInvalidIDToken},
		{name: "our ID token, another app's access token", req: func(s setup) any {
			ours, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, s.n)
			theirs, _ := s.h.fake.OtherAppSDKLogin(kakaotest.UserMinji, s.n)
			return map[string]string{"access_token": theirs.AccessToken, "id_token": ours.IDToken, "nonce": s.n}
		}, status: 401, code: CodeInvalidAccessToken},
		{name: "ID token for the REST API key", req: func(s setup) any {
			tok, _ := s.h.fake.IssueTokens(kakaotest.UserMinji)
			return body(tok, s.n)
		}, status: 400, code: CodeInvalidIDToken},
		{name: "unknown nonce", req: func(s setup) any {
			tok, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, "made-up-nonce")
			return body(tok, "made-up-nonce")
		}, status: 400, code: CodeInvalidNonce},
		{name: "nonce other than the ID token's", req: func(s setup) any {
			tok, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, s.n)
			return body(tok, s.h.nonce())
		}, status: 400, code: CodeInvalidIDToken},
		{name: "no nonce", req: func(s setup) any {
			tok, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, s.n)
			return body(tok, "")
		}, status: 400, code: CodeInvalidNonce},
		{name: "expired ID token", req: func(s setup) any {
			s.h.fake.FailIDToken(kakaotest.IDTokenExpired)
			tok, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, s.n)
			return body(tok, s.n)
		}, status: 400, code: CodeInvalidIDToken},
		{name: "forged ID token", req: func(s setup) any {
			s.h.fake.FailIDToken(kakaotest.IDTokenWrongKey)
			tok, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, s.n)
			return body(tok, s.n)
		}, status: 400, code: CodeInvalidIDToken},
		{name: "expired access token", req: func(s setup) any {
			tok, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, s.n)
			s.h.fake.RevokeUserTokens(kakaotest.UserMinji)
			return body(tok, s.n)
		}, status: 401, code: CodeInvalidAccessToken},
		{name: "access token of another user than the ID token's sub", req: func(s setup) any {
			minji, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, s.n)
			seoyeon, _ := s.h.fake.SDKLogin(kakaotest.UserSeoyeon, testNativeKey, s.n)
			return map[string]string{"access_token": seoyeon.AccessToken, "id_token": minji.IDToken, "nonce": s.n}
		}, status: 400, code: CodeIdentityMismatch},
		{name: "user info of another user than the sub", req: func(s setup) any {
			tok, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, s.n)
			s.h.fake.Fail(kakaotest.PathMe, kakaotest.Fault{Status: 200, Body: `{"id":2984711002,"connected_at":"2024-01-01T00:00:00Z"}`})
			return body(tok, s.n)
		}, status: 400, code: CodeIdentityMismatch},
		{name: "no ID token", req: func(s setup) any {
			tok, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, s.n)
			return map[string]string{"access_token": tok.AccessToken, "nonce": s.n}
		}, status: 400, code: CodeInvalidIDToken},
		{name: "no access token", req: func(s setup) any {
			tok, _ := s.h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, s.n)
			return map[string]string{"id_token": tok.IDToken, "nonce": s.n}
		}, status: 400, code: CodeBadRequest},
		{name: "malformed JSON", req: func(s setup) any { return json.RawMessage(`{"access_token":`) }, status: 400, code: CodeBadRequest},
		{name: "repeated field", req: func(s setup) any {
			return json.RawMessage(`{"access_token":"a","access_token":"b","id_token":"x","nonce":"` + s.n + `"}`)
		}, status: 400, code: CodeBadRequest},
		{name: "field not a string", req: func(s setup) any { return json.RawMessage(`{"access_token":1}`) }, status: 400, code: CodeBadRequest},
		{name: "not an object", req: func(s setup) any { return json.RawMessage(`["x"]`) }, status: 400, code: CodeBadRequest},
		{name: "oversized body", req: func(s setup) any {
			return map[string]string{"access_token": "a", "id_token": strings.Repeat("A", maxTokenBody), "nonce": s.n}
		}, status: 413, code: CodeBadRequest},
		{name: "form instead of JSON", req: func(s setup) any { return json.RawMessage(`{}`) }, contentType: "application/x-www-form-urlencoded", status: 415, code: CodeBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f *storetest.Faulty
			h := newHarness(t, withSDK(t, &f))
			s := setup{h: h, n: h.nonce()}
			v := tc.req(s)
			f.ResetCalls()
			b, _ := json.Marshal(v)
			ct := tc.contentType
			if ct == "" {
				ct = "application/json"
			}
			status, m, _ := h.call(http.MethodPost, "/auth/kakao/token", "", ct, b)
			if status != tc.status || m["error"] != string(tc.code) || m["session_token"] != nil {
				t.Fatalf("answer %d %v, want %d %s", status, m, tc.status, tc.code)
			}
			if n := storeWrites(f); n != 0 {
				t.Errorf("a refused sign-in wrote to the store %d times", n)
			}
			if strings.Contains(h.logs.String(), s.n) {
				t.Error("C101: the nonce appears in the log")
			}
		})
	}
}

func TestTokenSignInNonceSingleUse(t *testing.T) {
	var f *storetest.Faulty
	h := newHarness(t, withSDK(t, &f))
	tok, n := h.sdkLogin(kakaotest.UserMinji, testNativeKey)
	if status, m, _ := h.signIn(body(tok, n)); status != http.StatusOK {
		t.Fatalf("first sign-in: %d %v", status, m)
	}
	f.ResetCalls()
	info := h.fake.Hits(kakaotest.PathAccessTokenInfo)
	status, m, _ := h.signIn(body(tok, n))
	if status != http.StatusBadRequest || m["error"] != string(CodeInvalidNonce) {
		t.Fatalf("replayed sign-in: %d %v", status, m)
	}
	if storeWrites(f) != 0 || h.fake.Hits(kakaotest.PathAccessTokenInfo) != info {
		t.Errorf("a replayed sign-in wrote to the store or called Kakao")
	}
	// The nonce is shared by every instance: a second one refuses it too.
	_, srv := h.twin()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/auth/kakao/token", strings.NewReader(`{"access_token":"`+tok.AccessToken+`","id_token":"`+tok.IDToken+`","nonce":"`+n+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replay on another instance: %d", resp.StatusCode)
	}
}

func TestTokenSignInConcurrentNonceUse(t *testing.T) {
	h := newHarness(t, withSDK(t, nil))
	tok, n := h.sdkLogin(kakaotest.UserMinji, testNativeKey)
	const racers = 8
	results := make(chan int, racers)
	for range racers {
		go func() {
			b, _ := json.Marshal(body(tok, n))
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/auth/kakao/token", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				results <- 0
				return
			}
			resp.Body.Close()
			results <- resp.StatusCode
		}()
	}
	ok := 0
	for range racers {
		if <-results == http.StatusOK {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent sign-ins with one nonce succeeded, want 1", ok, racers)
	}
}

func TestTokenSignInFailureBudget(t *testing.T) {
	h := newHarness(t, withSDK(t, nil))
	for range maxCallbackFailures {
		if status, _, _ := h.call(http.MethodPost, "/auth/kakao/token", "", "application/json", []byte(`{`)); status != http.StatusBadRequest {
			t.Fatalf("malformed sign-in: %d", status)
		}
	}
	tok, n := h.sdkLogin(kakaotest.UserMinji, testNativeKey)
	info := h.fake.Hits(kakaotest.PathAccessTokenInfo)
	status, m, _ := h.signIn(body(tok, n))
	if status != http.StatusTooManyRequests || m["error"] != string(CodeTooManyAttempts) {
		t.Fatalf("sign-in after %d failures: %d %v", maxCallbackFailures, status, m)
	}
	if h.fake.Hits(kakaotest.PathAccessTokenInfo) != info {
		t.Error("a blocked client's sign-in called Kakao")
	}
	h.clock.Advance(callbackFailWindow + time.Second)
	tok, n = h.sdkLogin(kakaotest.UserMinji, testNativeKey)
	if status, m, _ := h.signIn(body(tok, n)); status != http.StatusOK {
		t.Fatalf("sign-in after the window: %d %v", status, m)
	}
}

func TestBearerOnCookieOnlyRoutes(t *testing.T) {
	h := newHarness(t, withSDK(t, nil))
	apiRoutes(h)
	tok, n := h.sdkLogin(kakaotest.UserMinji, testNativeKey)
	_, m, _ := h.signIn(body(tok, n))
	st := m["session_token"].(string)
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/private"}, {http.MethodGet, "/talk"}, {http.MethodGet, "/kakao/me"},
		{http.MethodGet, "/auth/kakao/login"}, {http.MethodPost, "/auth/kakao/logout"},
		{http.MethodPost, "/auth/kakao/logout/everywhere"}, {http.MethodPost, "/auth/kakao/unlink"},
		{http.MethodGet, "/auth/kakao/consent?scope=talk_message"},
	} {
		status, m, _ := h.call(r.method, r.path, st, "", nil)
		if status != http.StatusForbidden || m["error"] != string(CodeBearerNotAllowed) {
			t.Errorf("%s %s with a bearer token: %d %v, want 403 bearer_not_allowed", r.method, r.path, status, m)
		}
	}
	// The session is untouched by the refusals.
	if status, _, _ := h.call(http.MethodGet, "/api/me", st, "", nil); status != http.StatusOK {
		t.Fatalf("session gone after refusals: %d", status)
	}
	// A browser cannot use the bearer routes without CSRF: they need the
	// bearer token itself.
	br := h.browser()
	br.login("/")
	if status, _, _ := br.post("/auth/kakao/token/logout", nil, false); status != http.StatusUnauthorized || !br.loggedIn() {
		t.Fatalf("cookie request to token/logout: %d, logged in %v", status, br.loggedIn())
	}
}

func TestBearerSessionsEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(h *harness, st string)
	}{
		{"token logout", func(h *harness, st string) {
			if status, m, _ := h.call(http.MethodPost, "/auth/kakao/token/logout", st, "", nil); status != 200 || m["status"] != "logged_out" {
				t.Fatalf("token/logout: %d %v", status, m)
			}
		}},
		{"token logout everywhere", func(h *harness, st string) {
			if status, _, _ := h.call(http.MethodPost, "/auth/kakao/token/logout", st, "application/json", []byte(`{"everywhere":true}`)); status != 200 {
				t.Fatalf("token/logout everywhere: %d", status)
			}
		}},
		{"log out everywhere in a browser", func(h *harness, _ string) {
			br := h.browser()
			br.login("/")
			if status, _, _ := br.post("/auth/kakao/logout/everywhere", nil, true); status != http.StatusSeeOther {
				t.Fatalf("logout everywhere: %d", status)
			}
		}},
		{"LogoutEverywhere", func(h *harness, _ string) {
			if n, err := h.kg.LogoutEverywhere(context.Background(), kakaotest.UserMinji, ""); err != nil || n == 0 {
				t.Fatalf("LogoutEverywhere: %d %v", n, err)
			}
		}},
		{"token unlink", func(h *harness, st string) {
			if status, m, _ := h.call(http.MethodPost, "/auth/kakao/token/unlink", st, "", nil); status != 200 || m["status"] != "unlinked" {
				t.Fatalf("token/unlink: %d %v", status, m)
			}
		}},
		{"Kakao's unlink callback", func(h *harness, _ string) {
			if err := h.fake.UnlinkUser(kakaotest.UserMinji); err != nil {
				t.Fatal(err)
			}
			status, err := h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+"/auth/kakao/unlink/callback", kakaotest.UserMinji, "UNLINK_FROM_APPS")
			if err != nil || status != http.StatusOK {
				t.Fatalf("unlink callback: %d %v", status, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withSDK(t, nil))
			apiRoutes(h)
			tok, n := h.sdkLogin(kakaotest.UserMinji, testNativeKey)
			_, m, _ := h.signIn(body(tok, n))
			st, _ := m["session_token"].(string)
			if status, _, _ := h.call(http.MethodGet, "/api/me", st, "", nil); status != http.StatusOK {
				t.Fatalf("before: %d", status)
			}
			tc.end(h, st)
			status, m, _ := h.call(http.MethodGet, "/api/me", st, "", nil)
			if status != http.StatusUnauthorized || m["error"] != string(CodeLoginRequired) || m["login_url"] != nil {
				t.Fatalf("after %s: %d %v, want 401 login_required without a browser login URL", tc.name, status, m)
			}
		})
	}
}

func TestTokenSignInLinking(t *testing.T) {
	var f *storetest.Faulty
	var newUsers []NewUser
	var logins []Identity
	h := newHarness(t, withSDK(t, &f), withConfig(func(c *Config) {
		c.Linking.SignupURL = "/signup-form"
		c.Linking.OnNewUser = func(_ context.Context, nu NewUser) (string, error) {
			newUsers = append(newUsers, nu)
			if nu.KakaoID == kakaotest.UserSeoyeon {
				return "", ErrSignupRequired
			}
			return "host-" + strconv.FormatInt(nu.KakaoID, 10), nil
		}
		c.Login.OnLogin = func(_ context.Context, id Identity) error {
			logins = append(logins, id)
			if id.KakaoID == kakaotest.UserJunho {
				return errors.New("blocked account")
			}
			return nil
		}
	}))
	apiRoutes(h)

	// A new user: OnNewUser makes the host user, OnLogin runs.
	tok, n := h.sdkLogin(kakaotest.UserMinji, testNativeKey)
	status, m, _ := h.signIn(body(tok, n))
	user, _ := m["user"].(map[string]any)
	if status != http.StatusOK || user["user_id"] != "host-4012345678" || len(newUsers) != 1 || len(logins) != 1 {
		t.Fatalf("new user sign-in: %d %v, hooks %d %d", status, m, len(newUsers), len(logins))
	}

	// A signup the host needs first: a pending answer with a session the
	// app completes through the host's API.
	tok, n = h.sdkLogin(kakaotest.UserSeoyeon, testNativeKey)
	status, m, _ = h.signIn(body(tok, n))
	pending, _ := m["pending"].(map[string]any)
	st, _ := m["session_token"].(string)
	if status != http.StatusAccepted || m["status"] != "pending" || pending["kind"] != PendingSignup || pending["url"] != "/signup-form" || st == "" {
		t.Fatalf("pending sign-in: %d %v", status, m)
	}
	if status, _, _ := h.call(http.MethodGet, "/api/me", st, "", nil); status != http.StatusUnauthorized {
		t.Fatalf("a pending session is logged in: %d", status)
	}
	status, m, resp := h.call(http.MethodPost, "/api/complete?n=2", st, "", nil)
	renewed := resp.Header.Get(session.BearerTokenHeader)
	h.logs.add(renewed)
	if status != http.StatusOK || renewed == "" || renewed == st {
		t.Fatalf("completing the signup: %d %v, renewed token %v", status, m, renewed != "")
	}
	if status, m, _ := h.call(http.MethodGet, "/api/me", renewed, "", nil); status != http.StatusOK || m["user_id"] != "host-user-2" {
		t.Fatalf("after the signup: %d %v", status, m)
	}
	if status, _, _ := h.call(http.MethodGet, "/api/me", st, "", nil); status != http.StatusUnauthorized {
		t.Fatalf("the pending session's token still works: %d", status)
	}

	// OnLogin refuses: JSON error, no session.
	tok, n = h.sdkLogin(kakaotest.UserJunho, testNativeKey)
	status, m, _ = h.signIn(body(tok, n))
	if status != http.StatusInternalServerError || m["error"] != string(CodeHookFailed) || m["session_token"] != nil {
		t.Fatalf("refused by OnLogin: %d %v", status, m)
	}
}

func TestTokenSignInWithoutOIDC(t *testing.T) {
	var f *storetest.Faulty
	h := newHarness(t, withSDK(t, &f), withFake(kakaotest.WithBehavior(func(b *kakaotest.Behavior) { b.OIDC = false })), withConfig(func(c *Config) { c.Login.DisableOIDC = true; c.SDKKeys = nil }))
	apiRoutes(h)
	tok, err := h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, "")
	if err != nil {
		t.Fatal(err)
	}
	h.logs.add(tok.AccessToken, tok.RefreshToken)
	status, m, _ := h.signIn(map[string]string{"access_token": tok.AccessToken})
	if status != http.StatusOK || m["status"] != "logged_in" {
		t.Fatalf("sign-in without OIDC: %d %v", status, m)
	}
	// Another app's access token is refused by its app ID, with nothing
	// written.
	theirs, _ := h.fake.OtherAppSDKLogin(kakaotest.UserMinji, "")
	f.ResetCalls()
	status, m, _ = h.signIn(map[string]string{"access_token": theirs.AccessToken})
	if status != http.StatusUnauthorized || m["error"] != string(CodeInvalidAccessToken) || storeWrites(f) != 0 {
		t.Fatalf("another app's token without OIDC: %d %v, %d writes", status, m, storeWrites(f))
	}
}

func TestTokenRoutesNeedAppID(t *testing.T) {
	h := newHarness(t)
	resp, err := http.Post(h.srv.URL+"/auth/kakao/token/nonce", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("token routes without AppID and SDKKeys: %d, want 404", resp.StatusCode)
	}
}

func FuzzParseTokenRequest(f *testing.F) {
	f.Add([]byte(`{"access_token":"a","id_token":"b","refresh_token":"c","nonce":"d"}`))
	f.Add([]byte(`{"access_token":"a","expires_in":3600,"scopes":["x"]}`))
	f.Add([]byte(`{"access_token":"a","access_token":"b"}`))
	f.Add([]byte(`{"access_token":null} x`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := parseTokenRequest(b)
		if err != nil {
			return
		}
		if !json.Valid(b) {
			t.Fatalf("accepted invalid JSON %q", b)
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			t.Fatalf("accepted a non-object %q", b)
		}
		if s, ok := m["access_token"].(string); ok && s != req.AccessToken {
			t.Fatalf("access_token %q, decoded %q", req.AccessToken, s)
		}
	})
}
