package kakaogin

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store/memory"
)

// checkSetup is a fake Kakao and a Kakao configured against it, set up
// wrong in one way by the test case.
type checkSetup struct {
	fake *kakaotest.Server
	cfg  Config
}

const checkRedirect = "https://svc.example/auth/kakao/callback"

func newCheckSetup(t *testing.T, fopts ...kakaotest.Option) *checkSetup {
	t.Helper()
	fake := kakaotest.NewServer(append([]kakaotest.Option{kakaotest.WithSigningKey(sharedKey())}, fopts...)...)
	t.Cleanup(fake.Close)
	mem := memory.New()
	t.Cleanup(func() { mem.Close() })
	sm, err := session.New(mem, session.Config{SealKeys: [][]byte{testSealKey}, InsecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	return &checkSetup{fake: fake, cfg: Config{
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, AdminKey: fake.AdminKey,
		RedirectURL: checkRedirect, Scopes: []string{"profile_nickname", "account_email"},
		ExtraScopes: []string{"talk_message"}, Sessions: sm,
		Endpoint:          Endpoint{AuthURL: fake.URL, APIURL: fake.URL},
		AllowInsecureHTTP: true,
	}}
}

// TestCheckConfig sets the fake Kakao and the configuration up wrong in
// each way CheckConfig explains (issue 16, point 6) and asserts the
// finding codes, the console menu the fix names in both languages, and
// (SECURITY C116) that no key, secret or code is in the rendered report.
func TestCheckConfig(t *testing.T) {
	registered := kakaotest.WithRedirectURI(checkRedirect)
	tests := []struct {
		name   string
		fake   []kakaotest.Option
		setup  func(*checkSetup)
		want   []CheckCode // findings that must be there
		absent []CheckCode // findings that must not be there
		koe    kakaoapi.KOE
		ok     bool
		menuKo string // in the fix of the first wanted finding
		menuEn string
	}{
		{name: "all good", fake: []kakaotest.Option{registered},
			want: []CheckCode{CheckDiscoveryOK, CheckKeySetOK, CheckClientOK, CheckRedirectOK, CheckAdminKeyOK},
			ok:   true},
		{name: "wrong client ID", fake: []kakaotest.Option{registered},
			setup: func(s *checkSetup) { s.cfg.ClientID = "0123456789abcdef0123456789abcdef" },
			want:  []CheckCode{CheckClientIDWrong}, absent: []CheckCode{CheckClientOK, CheckRedirectOK}, koe: kakaoapi.KOE101,
			menuKo: "앱 설정 > 앱 키", menuEn: "App settings > App keys"},
		{name: "wrong client secret", fake: []kakaotest.Option{registered},
			setup: func(s *checkSetup) { s.cfg.ClientSecret = "wrong-secret-wrong-secret-1234" },
			want:  []CheckCode{CheckClientSecretWrong, CheckRedirectOK}, absent: []CheckCode{CheckClientOK}, koe: kakaoapi.KOE010,
			menuKo: "제품 설정 > 카카오 로그인 > 보안 > Client Secret", menuEn: "Product settings > Kakao Login > Security > Client Secret"},
		{name: "missing client secret", fake: []kakaotest.Option{registered},
			setup: func(s *checkSetup) { s.cfg.ClientSecret = "" },
			want:  []CheckCode{CheckClientSecretMissing}, absent: []CheckCode{CheckClientOK, CheckClientSecretWrong}, koe: kakaoapi.KOE010,
			menuKo: "제품 설정 > 카카오 로그인 > 보안 > Client Secret", menuEn: "Product settings > Kakao Login > Security > Client Secret"},
		{name: "redirect URI not registered",
			want: []CheckCode{CheckRedirectNotRegistered, CheckClientOK, CheckScopeAdvice}, absent: []CheckCode{CheckRedirectOK},
			koe:    kakaoapi.KOE006,
			menuKo: "제품 설정 > 카카오 로그인 > Redirect URI", menuEn: "Product settings > Kakao Login > Redirect URI"},
		{name: "consent item not set up",
			fake: []kakaotest.Option{registered, kakaotest.WithConsentItems(
				kakaotest.ConsentItem{ID: "profile_nickname", DisplayName: "닉네임", Type: "PRIVACY", Required: true},
				kakaotest.ConsentItem{ID: "talk_message", DisplayName: "메시지", Type: "SERVICE", OnDemand: true})},
			want: []CheckCode{CheckScopeNotConfigured}, absent: []CheckCode{CheckRedirectOK}, koe: kakaoapi.KOE205,
			menuKo: "제품 설정 > 카카오 로그인 > 동의항목", menuEn: "Product settings > Kakao Login > Consent items"},
		{name: "wrong admin key", fake: []kakaotest.Option{registered},
			setup: func(s *checkSetup) { s.cfg.AdminKey = "fedcba9876543210fedcba9876543210" },
			want:  []CheckCode{CheckAdminKeyWrong, CheckClientOK}, absent: []CheckCode{CheckAdminKeyOK},
			menuKo: "앱 설정 > 앱 키", menuEn: "App settings > App keys"},
		{name: "no admin key", fake: []kakaotest.Option{registered},
			setup: func(s *checkSetup) { s.cfg.AdminKey = "" },
			want:  []CheckCode{CheckClientOK}, absent: []CheckCode{CheckAdminKeyOK, CheckAdminKeyWrong}, ok: true},
		{name: "discovery unreachable", fake: []kakaotest.Option{registered},
			setup: func(s *checkSetup) {
				s.fake.Fail(kakaotest.PathDiscovery, kakaotest.Fault{Status: http.StatusServiceUnavailable})
			},
			want: []CheckCode{CheckDiscoveryFailed, CheckClientOK}, absent: []CheckCode{CheckDiscoveryOK, CheckKeySetOK},
			menuKo: "OpenID Connect 활성화 설정", menuEn: "OpenID Connect"},
		{name: "key set unreachable", fake: []kakaotest.Option{registered},
			setup: func(s *checkSetup) {
				s.fake.Fail(kakaotest.PathJWKS, kakaotest.Fault{Status: http.StatusServiceUnavailable})
			},
			want: []CheckCode{CheckKeySetFailed, CheckDiscoveryOK}, absent: []CheckCode{CheckKeySetOK},
			menuKo: "kauth.kakao.com", menuEn: "kauth.kakao.com"},
		{name: "token endpoint down", fake: []kakaotest.Option{registered},
			setup: func(s *checkSetup) {
				s.fake.Fail(kakaotest.PathToken, kakaotest.KauthFault(http.StatusServiceUnavailable, "server_error", "KOE003", "temporary"))
			},
			want: []CheckCode{CheckUnreachable, CheckRedirectOK}, absent: []CheckCode{CheckClientOK}, koe: kakaoapi.KOE003,
			menuKo: "kauth.kakao.com", menuEn: "kauth.kakao.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newCheckSetup(t, tc.fake...)
			if s.fake.ClientSecret == "" {
				t.Fatal("the fake must check the client secret")
			}
			if tc.setup != nil {
				tc.setup(s)
			}
			secrets := []string{s.fake.ClientID, s.fake.ClientSecret, s.fake.AdminKey, s.cfg.ClientID, s.cfg.ClientSecret, s.cfg.AdminKey, checkCode}
			k, err := New(s.cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := k.CheckConfig(context.Background())
			var got []CheckCode
			for _, f := range r.Findings {
				got = append(got, f.Code)
			}
			for _, c := range tc.want {
				if !r.Has(c) {
					t.Errorf("findings %v lack %s", got, c)
				}
			}
			for _, c := range tc.absent {
				if r.Has(c) {
					t.Errorf("findings %v have %s", got, c)
				}
			}
			if r.OK() != tc.ok {
				t.Errorf("OK() = %v, want %v; findings %v", r.OK(), tc.ok, got)
			}
			i := slices.IndexFunc(r.Findings, func(f Finding) bool { return f.Code == tc.want[0] })
			if i < 0 {
				t.Fatalf("no %s in %v", tc.want[0], got)
			}
			first := r.Findings[i]
			if first.KOE != tc.koe {
				t.Errorf("%s: KOE %q, want %q", first.Code, first.KOE, tc.koe)
			}
			for _, lc := range []struct {
				lang Lang
				menu string
			}{{Korean, tc.menuKo}, {English, tc.menuEn}} {
				_, fix := first.Text(lc.lang, s.cfg.RedirectURL)
				if !strings.Contains(fix, lc.menu) {
					t.Errorf("%s in %s: fix %q does not name %q", first.Code, lc.lang, fix, lc.menu)
				}
				text := r.Text(lc.lang)
				if !strings.Contains(text, string(tc.want[0])) {
					t.Errorf("report in %s lacks %s:\n%s", lc.lang, tc.want[0], text)
				}
				for _, sec := range secrets {
					if sec != "" && strings.Contains(text, sec) {
						t.Errorf("C116: report in %s contains a key, secret or code %q:\n%s", lc.lang, sec, text)
					}
				}
			}
		})
	}
}

// TestCheckConfigNamesRefusedScopes: the KOE205 finding names the consent
// items Kakao refuses, and only those, so the operator knows which to set
// up or drop (issue 16, point 6).
func TestCheckConfigNamesRefusedScopes(t *testing.T) {
	s := newCheckSetup(t, kakaotest.WithRedirectURI(checkRedirect), kakaotest.WithConsentItems(
		kakaotest.ConsentItem{ID: "profile_nickname", DisplayName: "닉네임", Type: "PRIVACY", Required: true}))
	s.cfg.Scopes = []string{"profile_nickname", "account_email", "phone_number"}
	s.cfg.ExtraScopes = []string{"talk_message"}
	k, err := New(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := k.CheckConfig(context.Background())
	i := slices.IndexFunc(r.Findings, func(f Finding) bool { return f.Code == CheckScopeNotConfigured })
	if i < 0 {
		t.Fatalf("no %s in %+v", CheckScopeNotConfigured, r.Findings)
	}
	if want := []string{"account_email", "phone_number", "talk_message"}; !slices.Equal(r.Findings[i].Scopes, want) {
		t.Errorf("refused scopes %v, want %v", r.Findings[i].Scopes, want)
	}
	for _, l := range []Lang{Korean, English} {
		if _, fix := r.Findings[i].Text(l, ""); !strings.Contains(fix, "account_email, phone_number, talk_message") {
			t.Errorf("fix in %s does not list the items: %q", l, fix)
		}
	}
}

// locationRecorder records the Location headers of the answers it passes
// on.
type locationRecorder struct {
	mu   sync.Mutex
	locs []string
}

func (l *locationRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		l.mu.Lock()
		l.locs = append(l.locs, resp.Header.Get("Location"))
		l.mu.Unlock()
	}
	return resp, err
}

// TestCheckConfigIssuesNothing: the check's calls are harmless: Kakao
// (here the fake, which logs its default user in without a screen) never
// answers with an authorization code, only with login_required, and the
// made-up code goes to the token endpoint once (issue 16, point 6).
func TestCheckConfigIssuesNothing(t *testing.T) {
	s := newCheckSetup(t, kakaotest.WithRedirectURI(checkRedirect))
	rec := &locationRecorder{}
	s.cfg.HTTPClient = &http.Client{Transport: rec}
	k, err := New(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r := k.CheckConfig(context.Background()); !r.OK() {
		t.Fatalf("report not OK:\n%s", r.Text(English))
	}
	if n := s.fake.Hits(kakaotest.PathToken); n != 1 {
		t.Errorf("token endpoint called %d times, want 1", n)
	}
	sawRedirect := false
	for _, loc := range rec.locs {
		u, err := url.Parse(loc)
		if loc == "" || err != nil {
			continue
		}
		sawRedirect = true
		if q := u.Query(); q.Has("code") || q.Get("error") != "login_required" {
			t.Errorf("authorize answered with %v, want only error=login_required", q)
		}
	}
	if !sawRedirect {
		t.Error("the authorize page was not asked")
	}
}

// FuzzAuthorizeKOE: whatever Kakao's authorize page answers, the check
// takes out of it nothing but a well-formed KOE code (SECURITY C116: the
// report can only ever name a code, never echo the page), and a redirect
// back to the app's own redirect URI is never read as an error.
func FuzzAuthorizeKOE(f *testing.F) {
	f.Add(302, "https://app.test/auth/kakao/callback?error=login_required", true, []byte(""))
	f.Add(302, "https://kauth.kakao.com/error?code=KOE006", false, []byte(""))
	f.Add(400, "", false, []byte("<p>KOE205</p> secret-token"))
	f.Add(200, "", false, []byte("<form>login</form>"))
	f.Add(500, "", false, []byte("KOE101"))
	f.Fuzz(func(t *testing.T, status int, loc string, toRedirect bool, body []byte) {
		koe, err := authorizeKOE(status, loc, toRedirect, body)
		if err != nil && koe != "" {
			t.Fatalf("both a code %q and an error", koe)
		}
		if koe != "" && !regexp.MustCompile(`^KOE[0-9]{3}$`).MatchString(string(koe)) {
			t.Fatalf("code %q is not a KOE code", koe)
		}
		if status >= 300 && status < 400 && toRedirect && koe != "" {
			t.Fatalf("a redirect to the app read as %q", koe)
		}
		if err != nil && strings.Contains(err.Error(), string(body)) && len(body) > 8 {
			t.Fatal("the error echoes the page")
		}
	})
}

// Every finding code has its explanation in both languages, and every
// code that is not "ok" says how to fix it.
func TestEveryCheckCodeIsExplained(t *testing.T) {
	src, err := os.ReadFile("configcheck.go")
	if err != nil {
		t.Fatal(err)
	}
	codes := regexp.MustCompile(`(?m)^\s*(Check\w+)\s+CheckCode = "([^"]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(codes) < 10 {
		t.Fatalf("found %d CheckCode constants; the pattern is stale", len(codes))
	}
	table := checkTextTable()
	for _, m := range codes {
		txt, ok := table[CheckCode(m[2])]
		switch {
		case !ok:
			t.Errorf("%s has no explanation", m[1])
		case txt.ko == "" || txt.en == "":
			t.Errorf("%s: explanation missing in a language", m[1])
		case !strings.HasSuffix(m[2], ".ok") && (txt.koFix == "" || txt.enFix == ""):
			t.Errorf("%s: no fix in a language", m[1])
		}
	}
}
