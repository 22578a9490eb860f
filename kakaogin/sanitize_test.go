package kakaogin

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// TestCleanText is C53: hostile display names are cut and cleaned.
func TestCleanText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"라이언", "라이언"},
		{"  padded  ", "padded"},
		{"evil\u202Egnp.exe", "evilgnp.exe"},
		{"a\u2066b\u2069c\u200Fd", "abcd"},
		{"nul\x00bell\x07", "nulbell"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"\uFEFFbom", "bom"},
		{strings.Repeat("가", 10<<10), strings.Repeat("가", maxNicknameRunes)},
	}
	for _, tc := range cases {
		if got := cleanText(tc.in, maxNicknameRunes); got != tc.want {
			t.Errorf("cleanText(%.20q) = %.20q, want %.20q", tc.in, got, tc.want)
		}
	}
}

func TestCleanImageURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://k.kakaocdn.net/dn/a/img_110x110.jpg":         "https://k.kakaocdn.net/dn/a/img_110x110.jpg",
		"http://k.kakaocdn.net/img.jpg":                       "http://k.kakaocdn.net/img.jpg",
		"javascript:alert(1)":                                 "",
		"data:image/png;base64,AAAA":                          "",
		"https://user:pw@evil.example/x.png":                  "",
		"//evil.example/x.png":                                "",
		"https://evil.example/a b.png":                        "",
		"https://k.kakaocdn.net/" + strings.Repeat("a", 2000): "",
	} {
		if got := cleanImageURL(in); got != want {
			t.Errorf("cleanImageURL(%.40q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	f.Add("evil\u202Egnp.exe")
	f.Add("bad\xffutf8")
	f.Fuzz(func(t *testing.T, s string) {
		out := cleanText(s, maxNicknameRunes)
		if !utf8.ValidString(out) || utf8.RuneCountInString(out) > maxNicknameRunes {
			t.Fatalf("cleanText(%q) = %q", s, out)
		}
		for _, r := range out {
			if isBidiControl(r) || r < 0x20 {
				t.Fatalf("control rune %U kept", r)
			}
		}
	})
}

// TestHostileProfileStored is C53 end to end and C52: the session keeps a
// cleaned nickname, and two Kakao users with the same email are two
// identities.
func TestHostileProfileStored(t *testing.T) {
	users := kakaotest.DefaultUsers()
	users[0].Nickname = "\u202Eevil" + strings.Repeat("x", 10<<10)
	users[0].ThumbnailImageURL = "javascript:alert(1)"
	users[1].Email, users[1].EmailValid, users[1].EmailVerified = users[0].Email, true, true
	h := newHarness(t, withFake(kakaotest.WithUsers(users...)))
	b := h.browser()
	h.fake.SetLoginUser(users[0].ID)
	b.login("/")
	_, body, _ := b.get("/auth/kakao/me", "Accept", "application/json")
	if strings.Contains(body, "\u202E") || strings.Contains(body, "javascript") || len(body) > 2000 {
		t.Fatalf("C53: hostile profile stored: %.200s", body)
	}
	b2 := h.browser()
	h.fake.SetLoginUser(users[1].ID)
	b2.login("/")
	_, body2, _ := b2.get("/auth/kakao/me", "Accept", "application/json")
	if !strings.Contains(body2, strconv.FormatInt(users[1].ID, 10)) || strings.Contains(body2, strconv.FormatInt(users[0].ID, 10)) {
		t.Fatalf("C52: same email, identities %s / %s", body, body2)
	}
}
