package kakaogin

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on profile values taken from Kakao into the session, which the
// user controls and the host may show.
const (
	maxNicknameRunes = 64
	maxImageURL      = 1024
)

// cleanText makes an untrusted display string safe to store and show:
// invalid UTF-8 replaced, control and bidirectional-override characters
// removed, surrounding space trimmed, at most max runes.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			break
		}
		if unicode.IsControl(r) || isBidiControl(r) || r == '\uFEFF' {
			continue
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// isBidiControl reports the Unicode bidirectional formatting characters,
// which can make a name display as something else ("Trojan Source").
func isBidiControl(r rune) bool {
	switch {
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069', r == '\u200E', r == '\u200F', r == '\u061C':
		return true
	}
	return false
}

// cleanImageURL keeps an image URL only if it is an absolute http(s) URL
// of sane length without user info; anything else becomes "".
func cleanImageURL(s string) string {
	if s == "" || len(s) > maxImageURL || !utf8.ValidString(s) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] == 0x7f {
			return ""
		}
	}
	return s
}
