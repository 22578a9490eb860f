package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kakaologin/kakaologin/example/appclient"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// Issue 14 point 5: the app client runs against the demo site: SDK login
// on the fake, token sign-in (a new user signs up through the JSON API),
// the JSON API with the bearer session, logout; a second run of the same
// user signs in directly.
func TestAppClient(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	for i, wantSignup := range []bool{true, false} {
		var log bytes.Buffer
		c := &appclient.Client{Base: base, SDK: appclient.DemoSDK(nil, base, strconv.FormatInt(kakaotest.UserSeoyeon, 10)), Name: "서연", Log: &log}
		res, err := c.Run(context.Background())
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, log.String())
		}
		user, _ := res.Me["user"].(map[string]any)
		if res.Signup != wantSignup || res.Me["kakao_id"] != strconv.FormatInt(kakaotest.UserSeoyeon, 10) || user["name"] != "서연" {
			t.Fatalf("run %d: signup %v, /api/me %v", i+1, res.Signup, res.Me)
		}
		if _, ok := res.Email["email"]; !ok {
			t.Fatalf("run %d: /api/kakao/email %v", i+1, res.Email)
		}
		if res.AfterLogout != http.StatusUnauthorized {
			t.Fatalf("run %d: /api/me after logout: %d", i+1, res.AfterLogout)
		}
	}
}

// The site's own pages stay cookie-only: a bearer token there is refused
// with JSON, and the JSON API refuses an app's request without a session.
func TestAPIBearerRefusals(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/profile"}, {http.MethodPost, "/auth/kakao/logout"},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, nil)
		req.Header.Set("Authorization", "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s with a bearer token: %d %s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /api/me with an unknown session token: %d", resp.StatusCode)
	}
}

// An app's unlink goes through the site's own middlewares on /auth/kakao
// (the notices one asks who is logged in before the library's route
// loads the bearer session): a signed-in app unlinks its user, and the
// session token is dead afterwards.
func TestAppUnlink(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	ctx := context.Background()
	// The first run signs the user up; the session it leaves is logged out.
	c := &appclient.Client{Base: base, SDK: appclient.DemoSDK(nil, base, strconv.FormatInt(kakaotest.UserSeoyeon, 10)), Name: "서연"}
	if _, err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	post := func(path, bearer string, in any) (int, map[string]any) {
		t.Helper()
		var b []byte
		if in != nil {
			b, _ = json.Marshal(in)
		}
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	_, m := post("/auth/kakao/token/nonce", "", nil)
	nonce, _ := m["nonce"].(string)
	tok, err := c.SDK(ctx, nonce)
	if err != nil {
		t.Fatal(err)
	}
	status, m := post("/auth/kakao/token", "", map[string]string{"access_token": tok.AccessToken, "id_token": tok.IDToken, "refresh_token": tok.RefreshToken, "nonce": nonce})
	session, _ := m["session_token"].(string)
	if status != http.StatusOK || m["status"] != "logged_in" || session == "" {
		t.Fatalf("second sign-in: %d %v", status, m)
	}
	if status, m := post("/auth/kakao/token/unlink", session, nil); status != http.StatusOK || m["status"] != "unlinked" {
		t.Fatalf("token unlink: %d %v", status, m)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+session)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /api/me after the unlink: %d", resp.StatusCode)
	}
}

// An app's signup with a name the site refuses (empty, over 40
// characters) gets 400 bad_name and stores no site user; the same user's
// next sign-in signs up with a good name.
func TestAPISignupRefusesBadNames(t *testing.T) {
	a, base := startTestSite(t, appConfig{})
	kakaoID := strconv.FormatInt(kakaotest.UserSeoyeon, 10)
	for _, name := range []string{"", "   ", strings.Repeat("가", 41)} {
		c := &appclient.Client{Base: base, SDK: appclient.DemoSDK(nil, base, kakaoID), Name: name}
		_, err := c.Run(context.Background())
		var se *appclient.StatusError
		if !errors.As(err, &se) || se.Status != http.StatusBadRequest || se.Code != "bad_name" {
			t.Fatalf("signup as %q: %v, want 400 bad_name", name, err)
		}
	}
	var n int
	if err := a.users.db.QueryRow(`SELECT count(*) FROM site_users`).Scan(&n); err != nil || n != 1 { // the seeded account only
		t.Fatalf("%d site users after refused signups (%v)", n, err)
	}
	c := &appclient.Client{Base: base, SDK: appclient.DemoSDK(nil, base, kakaoID), Name: "서연"}
	if res, err := c.Run(context.Background()); err != nil || !res.Signup {
		t.Fatalf("signup with a good name: %v", err)
	}
}
