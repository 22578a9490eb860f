package kakaogin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

func init() { gin.SetMode(gin.TestMode) }

// renderOnce serves one request whose handler fails with e.
func renderOnce(t *testing.T, e *Error, hdr map[string]string, custom func(*gin.Context, ErrorPage)) (*httptest.ResponseRecorder, string) {
	t.Helper()
	var logs bytes.Buffer
	r, err := newErrorRenderer(custom, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	eng := gin.New()
	eng.GET("/x", func(c *gin.Context) { r.render(c, e, "/auth/kakao/login") })
	req := httptest.NewRequest(http.MethodGet, "/x?q=%3Cscript%3E", nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	eng.ServeHTTP(w, req)
	return w, logs.String()
}

// TestErrorPageNegotiation covers C100 and C103: status, stable code,
// language by Accept-Language, JSON by Accept, security headers.
func TestErrorPageNegotiation(t *testing.T) {
	cause := errors.New("token endpoint said no")
	e := newError(http.StatusBadRequest, CodeStateMismatch, cause)
	cases := []struct {
		name     string
		hdr      map[string]string
		wantJSON bool
		wantText string
	}{
		{"no headers: Korean HTML", nil, false, "다시 로그인해 주세요"},
		{"English", map[string]string{"Accept-Language": "en-US,en;q=0.9"}, false, "Please log in again"},
		{"Korean preferred", map[string]string{"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}, false, "다시 로그인해 주세요"},
		{"English preferred by q", map[string]string{"Accept-Language": "ko;q=0.2,en;q=0.8"}, false, "Please log in again"},
		{"unsupported language falls back to Korean", map[string]string{"Accept-Language": "fr-FR"}, false, "다시 로그인해 주세요"},
		{"garbage Accept-Language", map[string]string{"Accept-Language": ";;;=,,"}, false, "다시 로그인해 주세요"},
		{"lang cookie wins", map[string]string{"Accept-Language": "ko", "Cookie": "lang=en"}, false, "Please log in again"},
		{"JSON by Accept", map[string]string{"Accept": "application/json"}, true, "다시 로그인해 주세요"},
		{"JSON English", map[string]string{"Accept": "application/json", "Accept-Language": "en"}, true, "Please log in again"},
		{"browser Accept is HTML", map[string]string{"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, false, "다시 로그인해 주세요"},
		{"HTML ranked above JSON", map[string]string{"Accept": "application/json;q=0.5, text/html"}, false, "다시 로그인해 주세요"},
		{"problem+json", map[string]string{"Accept": "application/problem+json"}, true, "다시 로그인해 주세요"},
		{"XHR", map[string]string{"X-Requested-With": "XMLHttpRequest"}, true, "다시 로그인해 주세요"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, logs := renderOnce(t, e, tc.hdr, nil)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status = %d", w.Code)
			}
			for h, want := range map[string]string{
				"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
			} {
				if got := w.Header().Get(h); got != want {
					t.Errorf("C103: %s = %q, want %q", h, got, want)
				}
			}
			if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("C103: CSP = %q", csp)
			}
			body := w.Body.String()
			if tc.wantJSON {
				var j struct{ Error, Message string }
				if err := json.Unmarshal(w.Body.Bytes(), &j); err != nil {
					t.Fatalf("not JSON: %q", body)
				}
				if j.Error != string(CodeStateMismatch) || !strings.Contains(j.Message, tc.wantText) {
					t.Fatalf("JSON = %+v", j)
				}
			} else {
				if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(body, tc.wantText) {
					t.Fatalf("HTML page missing %q: %s", tc.wantText, body)
				}
				if !strings.Contains(body, string(CodeStateMismatch)) {
					t.Fatal("C100: stable code not shown")
				}
			}
			if strings.Contains(body, "token endpoint said no") {
				t.Fatal("C100: cause shown to the user")
			}
			if strings.Contains(body, "<script>") {
				t.Fatal("request input reflected")
			}
			if !strings.Contains(logs, "token endpoint said no") || !strings.Contains(logs, "state_mismatch") {
				t.Fatalf("C102: cause not logged for the operator: %s", logs)
			}
		})
	}
}

func TestErrorPageCustom(t *testing.T) {
	var got ErrorPage
	w, _ := renderOnce(t, newError(http.StatusServiceUnavailable, CodeKakaoUnavailable, nil), map[string]string{"Accept-Language": "en"},
		func(c *gin.Context, p ErrorPage) { got = p; c.String(p.Status, "custom:%s", p.Code) })
	if w.Body.String() != "custom:kakao_unavailable" || got.Lang != English || got.Title != "Kakao is unavailable" {
		t.Fatalf("body %q, page %+v", w.Body.String(), got)
	}
}

func TestEveryCodeHasBothLanguages(t *testing.T) {
	codes := []ErrorCode{CodeBadRequest, CodeStateMismatch, CodeFlowExpired, CodeAccessDenied, CodeConsentRequired,
		CodeLoginRequired, CodeInsufficientScope, CodeForbidden, CodeInvalidIDToken, CodeIdentityMismatch, CodeLinkConflict,
		CodeKakaoError, CodeKakaoUnavailable, CodeSessionUnavailable, CodeReauthRequired, CodeInternal, CodeNotLinked,
		CodeSignupRequired, CodeMethodNotAllowed, CodeUnauthorizedCaller, CodeHookFailed, CodeTooManyAttempts, CodeTooManyLogins, CodeCookiesBlocked, CodeNoOtherLogin, CodeNotRevocable}
	for _, c := range codes {
		if _, ok := messageOf(c); !ok {
			t.Errorf("%s has no message", c)
			continue
		}
		for _, l := range []Lang{Korean, English} {
			title, text := Message(c, l)
			if title == "" || text == "" {
				t.Errorf("%s/%s: empty text", c, l)
			}
		}
	}
}

// TestKakaoErrorClassification maps kakaoapi errors to statuses (C100:
// 429/503 for upstream busy or down, 4xx for the user's own state).
func TestKakaoErrorClassification(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   ErrorCode
	}{
		{&kakaoapi.AuthError{Code: "invalid_grant", KOE: kakaoapi.KOE320, HTTPStatus: 400}, 400, CodeFlowExpired},
		{&kakaoapi.AuthError{Code: "invalid_client", KOE: kakaoapi.KOE010, HTTPStatus: 401}, 502, CodeKakaoError},
		{&kakaoapi.AuthError{Code: "invalid_grant", KOE: kakaoapi.KOE303, HTTPStatus: 400}, 502, CodeKakaoError},
		{&kakaoapi.AuthError{KOE: kakaoapi.KOE237, HTTPStatus: 429}, 503, CodeKakaoUnavailable},
		{&kakaoapi.AuthError{HTTPStatus: 502}, 503, CodeKakaoUnavailable},
		{&kakaoapi.TransportError{Err: errors.New("dial tcp: refused")}, 503, CodeKakaoUnavailable},
		{&kakaoapi.APIError{Code: kakaoapi.CodeNotLinked, HTTPStatus: 400}, 401, CodeNotLinked},
		{&kakaoapi.APIError{Code: kakaoapi.CodeInvalidToken, HTTPStatus: 401}, 401, CodeLoginRequired},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%T/%v", tc.err, tc.err), func(t *testing.T) {
			e := kakaoError(fmt.Errorf("wrapped: %w", tc.err))
			if e.Status != tc.status || e.Code != tc.code {
				t.Fatalf("got %d %s, want %d %s", e.Status, e.Code, tc.status, tc.code)
			}
		})
	}
	if h := operatorHint(&kakaoapi.AuthError{KOE: kakaoapi.KOE006}); !strings.Contains(h, "redirect URI") {
		t.Fatalf("KOE006 hint = %q", h)
	}
}

// FuzzRequestLang: any Accept-Language header gives Korean or English.
func FuzzRequestLang(f *testing.F) {
	f.Add("application/json;q=0.5, text/html")
	f.Add("*/*")
	f.Add("en-US,en;q=0.9,ko;q=0.8")
	f.Fuzz(func(t *testing.T, accept string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", accept)
		if l := requestLang(r); l != Korean && l != English {
			t.Fatalf("lang %q", l)
		}
	})
}
