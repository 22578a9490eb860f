package kakaotest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func rawPost(t *testing.T, c *http.Client, s *Server, path string, form url.Values) (*http.Response, []byte, error) {
	t.Helper()
	resp, err := c.PostForm(s.URL+path, form)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b, nil
}

func TestInjectedFaults(t *testing.T) {
	s := newFake(t)
	tokForm := url.Values{"grant_type": {"refresh_token"}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}, "refresh_token": {"x"}}
	t.Run("documented error body, twice then back to normal", func(t *testing.T) {
		s.Fail(PathToken, KauthFault(400, "invalid_grant", "KOE322", "expired_or_invalid_refresh_token"))
		s.Fail(PathMe, Fault{Times: 2, Status: 503, Body: `{"msg":"maintenance","code":-9798}`})
		for range 2 {
			st, body := get(t, s, PathMe, nil, "")
			wantKapiErr(t, st, body, 503, "-9798")
		}
		st, body := get(t, s, PathMe, nil, "")
		wantKapiErr(t, st, body, 401, "-401")
		s.ClearFault(PathToken)
	})
	t.Run("-402 with scopes", func(t *testing.T) {
		s.Fail(PathMe, InsufficientScopesFault([]string{"talk_message"}, []string{"profile_nickname"}))
		defer s.ClearFault(PathMe)
		st, body := get(t, s, PathMe, nil, "")
		wantKapiErr(t, st, body, 403, "-402")
		if body["required_scopes"].([]any)[0] != "talk_message" {
			t.Fatalf("%v", body)
		}
	})
	t.Run("rate limit with Retry-After", func(t *testing.T) {
		s.Fail(AllEndpoints, RateLimitFault(429, 7))
		defer s.ClearFault(AllEndpoints)
		resp, b, err := rawPost(t, http.DefaultClient, s, PathUnlink, nil)
		if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || !strings.Contains(string(b), "-10") {
			t.Fatalf("%v %v %s", err, resp, b)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		s.Fail(PathToken, Fault{Malformed: true})
		defer s.ClearFault(PathToken)
		_, b, _ := rawPost(t, http.DefaultClient, s, PathToken, tokForm)
		if json.Valid(b) {
			t.Fatalf("body is valid JSON: %s", b)
		}
	})
	t.Run("truncated real response", func(t *testing.T) {
		s.Fail(PathDiscovery, Fault{Truncate: true, Times: 1})
		short, _ := newReq(s, PathDiscovery, nil, "")
		full, _ := newReq(s, PathDiscovery, nil, "")
		if json.Valid(short) || !json.Valid(full) || len(short) >= len(full) {
			t.Fatalf("truncated %d bytes valid=%v; full %d", len(short), json.Valid(short), len(full))
		}
	})
	t.Run("delay beyond the client timeout", func(t *testing.T) {
		s.Fail(PathToken, Fault{Delay: 5 * time.Second, Times: 1})
		c := &http.Client{Timeout: 100 * time.Millisecond}
		start := time.Now()
		_, _, err := rawPost(t, c, s, PathToken, tokForm)
		if err == nil || time.Since(start) > 2*time.Second {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
	})
}

func TestRecordRedactsSecretsAndCounts(t *testing.T) {
	s := newFake(t)
	login(t, s, browser(t), "r")
	if s.Hits(PathAuthorize) != 1 || s.Hits(PathToken) != 1 {
		t.Fatalf("hits authorize %d token %d", s.Hits(PathAuthorize), s.Hits(PathToken))
	}
	var tokReq *Request
	for _, r := range s.Requests() {
		if r.Path == PathToken {
			tokReq = &r
		}
	}
	if tokReq == nil || tokReq.Method != "POST" || tokReq.Form.Get("client_secret") != "[redacted]" ||
		tokReq.Form.Get("code") != "[redacted]" || tokReq.Form.Get("code_verifier") != "[redacted]" ||
		tokReq.Form.Get("redirect_uri") != testRedirect || tokReq.Query.Has("client_secret") || tokReq.Time.IsZero() {
		t.Fatalf("token request record %+v", tokReq)
	}
	tok, _ := s.IssueTokens(UserMinji)
	get(t, s, PathMe, nil, "Bearer "+tok.AccessToken)
	last := s.Requests()[len(s.Requests())-1]
	if last.AuthScheme != "Bearer" || strings.Contains(last.Header.Get("Authorization"), tok.AccessToken) {
		t.Fatalf("me record %+v", last)
	}
	s.Reset()
	if s.Hits(PathToken) != 0 || len(s.Requests()) != 0 {
		t.Fatal("Reset kept records")
	}
}

func TestFireUnlinkCallback(t *testing.T) {
	s := newFake(t)
	type got struct {
		method, authz, app, user, ref, ctype string
	}
	seen := make(chan got, 4)
	status := http.StatusOK
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		seen <- got{r.Method, r.Header.Get("Authorization"), r.Form.Get("app_id"), r.Form.Get("user_id"),
			r.Form.Get("referrer_type"), r.Header.Get("Content-Type")}
		if r.URL.Path == "/slow" {
			time.Sleep(300 * time.Millisecond)
		}
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(recv.Close)
	ctx := context.Background()

	code, err := s.FireUnlinkCallback(ctx, recv.URL+"/cb", UserJunho, ReferrerUnlinkFromApps)
	g := <-seen
	if err != nil || code != 200 || g.method != "GET" || g.authz != "KakaoAK "+s.AdminKey || g.app != "1158231" ||
		g.user != "1376016924429759243" || g.ref != "UNLINK_FROM_APPS" {
		t.Fatalf("GET callback: %d %v %+v", code, err, g)
	}
	if _, err := s.FireUnlinkCallback(ctx, recv.URL+"/cb", UserMinji, ReferrerAccountDelete, CallbackPOST()); err != nil {
		t.Fatal(err)
	}
	if g = <-seen; g.method != "POST" || !strings.HasPrefix(g.ctype, "application/x-www-form-urlencoded") || g.ref != "ACCOUNT_DELETE" {
		t.Fatalf("POST callback %+v", g)
	}
	code, err = s.FireUnlinkCallback(ctx, recv.URL+"/redirect", UserMinji, ReferrerAccountDelete)
	<-seen
	var ce *CallbackError
	if !errors.As(err, &ce) || code != 302 {
		t.Fatalf("redirect answer: %d %v, want a CallbackError with 302", code, err)
	}
	_, err = s.FireUnlinkCallback(ctx, recv.URL+"/slow", UserMinji, ReferrerAccountDelete, CallbackTimeout(50*time.Millisecond))
	<-seen
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow receiver: %v, want deadline exceeded", err)
	}
}

func TestHandlerMountedAtBaseURL(t *testing.T) {
	fake := NewUnstartedServer(WithSigningKey(testKey), WithBaseURL("http://127.0.0.1:1/_fake-kakao"))
	mux := http.NewServeMux()
	mux.Handle("/_fake-kakao/", fake.Handler())
	host := httptest.NewServer(mux)
	t.Cleanup(host.Close)
	resp, err := http.Get(host.URL + "/_fake-kakao" + PathDiscovery)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&d)
	if resp.StatusCode != 200 || d["issuer"] != "http://127.0.0.1:1/_fake-kakao" ||
		d["authorization_endpoint"] != "http://127.0.0.1:1/_fake-kakao/oauth/authorize" {
		t.Fatalf("%d %v", resp.StatusCode, d)
	}
	resp2, err := http.Get(host.URL + "/_fake-kakao/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 404 {
		t.Fatalf("unknown path: %d", resp2.StatusCode)
	}
}
