package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// TestRunCheck: the -check flag's core reports on the configured Kakao in
// the chosen language and fails (exit 1) exactly when Kakao would refuse
// logins, here an unregistered redirect URI; the report shows no key or
// secret (issue 16, point 6; SECURITY C116).
func TestRunCheck(t *testing.T) {
	const public = "http://localhost:8080"
	tests := []struct {
		name    string
		fake    func() *kakaotest.Server // nil: runCheck's own demo fake
		lang    string
		wantErr error
		want    []string
	}{
		{name: "demo, Korean", lang: "", want: []string{"client.ok", "redirect.ok", "admin_key.ok", "결과: 정상"}},
		{name: "demo, English", lang: "en", want: []string{"client.ok", "Result: OK"}},
		{name: "redirect URI not registered", lang: "ko", wantErr: errCheckFailed,
			fake: func() *kakaotest.Server { return kakaotest.NewServer() },
			want: []string{"redirect.not_registered", "제품 설정 > 카카오 로그인 > Redirect URI", public + "/auth/kakao/callback", "결과: 실패"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := appConfig{DataDir: t.TempDir(), StoreURL: "memory:", PublicURL: public, Logger: slog.New(slog.DiscardHandler)}
			var secrets []string
			if tc.fake != nil {
				f := tc.fake()
				t.Cleanup(f.Close)
				cfg.Fake = f
				secrets = append(secrets, f.ClientID, f.ClientSecret, f.AdminKey)
			}
			var out bytes.Buffer
			err := runCheck(context.Background(), cfg, checkLang(tc.lang), &out)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("runCheck: %v, want %v\n%s", err, tc.wantErr, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out.String())
				}
			}
			for _, s := range secrets {
				if strings.Contains(out.String(), s) {
					t.Errorf("C116: report contains a key or secret:\n%s", out.String())
				}
			}
		})
	}
}

// TestCheckLang: -lang picks English only for "en"; anything else is
// Korean, the default.
func TestCheckLang(t *testing.T) {
	for in, want := range map[string]kakaogin.Lang{"": kakaogin.Korean, "ko": kakaogin.Korean, "en": kakaogin.English, " EN ": kakaogin.English, "fr": kakaogin.Korean} {
		if got := checkLang(in); got != want {
			t.Errorf("checkLang(%q) = %q, want %q", in, got, want)
		}
	}
}
