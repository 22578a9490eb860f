package kakaogin

import (
	"net/url"
	"strings"
	"testing"
)

func testPolicy(t testing.TB) returnToPolicy {
	t.Helper()
	base, err := url.Parse("https://app.example/auth/kakao/callback")
	if err != nil {
		t.Fatal(err)
	}
	return newReturnToPolicy(base, []string{"https://shop.example", "https://App2.Example:8443"}, "/auth/kakao", "/home")
}

// TestReturnToRejectsOpenRedirects proves C68 (relative-only rules), C70
// (exact-origin allowlist) and C71 (no self-targets) against a broad list of
// open-redirect payloads.
func TestReturnToRejectsOpenRedirects(t *testing.T) {
	p := testPolicy(t)
	bad := []string{
		"", "//evil.com", "///evil.com", "////evil.com/x", "/\\evil.com", "\\\\evil.com", "/\\/evil.com",
		"https://evil.com", "HTTPS://evil.com", "http://evil.com", "javascript:alert(1)", "JavaScript:alert(1)",
		"data:text/html,<script>alert(1)</script>", "vbscript:x", "//evil.com/%2F..", "/%09/evil.com",
		"/\t/evil.com", "/\n/evil.com", "/ /evil.com", " /x", "/x ", "/x\x00", "/x\x7f", "/\u2028x",
		"/\u202eevil", "https://app.example.evil.com/", "https://evil.com/?https://app.example",
		"https://app.example@evil.com", "https://user:pw@app.example/x", "https://shop.example.evil.com",
		"https://evil.com#https://app.example", "//app.example", "http://app.example/x",
		"https://app.example:444/x", "https:evil.com", "https:/evil.com", "/auth/kakao/login",
		"/auth/kakao", "/AUTH/KAKAO/callback", "https://app.example/auth/kakao/logout",
		"https://app2.example/x", "ftp://shop.example/x", "\x00/x", strings.Repeat("/a", 1025),
		"/x\xff", "mailto:a@b", "//%5cevil.com", "https://[::1]/", "/%", "/%2F/evil.com", "/%5C/evil.com",
	}
	for _, raw := range bad {
		if got := p.resolve(raw); got != "/home" {
			t.Errorf("resolve(%q) = %q, want the default /home", raw, got)
		}
	}
}

// TestReturnToAcceptsSafeDestinations proves that C68–C71 keep legitimate
// destinations working, emitted in canonical (u.String()) form.
func TestReturnToAcceptsSafeDestinations(t *testing.T) {
	p := testPolicy(t)
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/profile", "/profile"},
		{"/profile?tab=1#top", "/profile?tab=1#top"},
		{"/a/../b", "/a/../b"},
		{"/검색?q=카카오", "/%EA%B2%80%EC%83%89?q=카카오"},
		{"/auth/kakaox", "/auth/kakaox"},
		{"https://app.example/x", "https://app.example/x"},
		{"https://APP.example:443/x", "https://APP.example:443/x"},
		{"https://shop.example/cart", "https://shop.example/cart"},
		{"https://app2.example:8443/x", "https://app2.example:8443/x"},
	}
	for _, tt := range tests {
		if got := p.resolve(tt.in); got != tt.want {
			t.Errorf("resolve(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestReturnToBadFallbackBecomesRoot: a misconfigured default is not trusted.
func TestReturnToBadFallbackBecomesRoot(t *testing.T) {
	base, _ := url.Parse("https://app.example/")
	p := newReturnToPolicy(base, nil, "/auth/kakao", "//evil.com")
	if got := p.resolve("//x"); got != "/" {
		t.Fatalf("resolve with bad fallback = %q, want /", got)
	}
}

// FuzzReturnTo checks the C68 property: whatever the input, the result is
// either a path that a browser resolves to our own origin, or a URL on an
// allowed origin — never anything that leaves them.
func FuzzReturnTo(f *testing.F) {
	for _, s := range []string{"/", "/x", "//evil", "/\\evil", "https://app.example/", "https://shop.example/a", "/%2F%2Fevil", "https:evil"} {
		f.Add(s)
	}
	p := testPolicy(f)
	base, _ := url.Parse("https://app.example/some/page")
	f.Fuzz(func(t *testing.T, raw string) {
		got := p.resolve(raw)
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("resolve(%q) = %q: unparseable: %v", raw, got, err)
		}
		if hasForbiddenRune(got) {
			t.Fatalf("resolve(%q) = %q contains forbidden characters", raw, got)
		}
		abs := base.ResolveReference(u)
		o := origin(abs)
		if o != origin(p.base) && !p.origins[o] {
			t.Fatalf("resolve(%q) = %q leaves the allowed origins (%s)", raw, got, o)
		}
		if abs.User != nil || p.isSelf(abs.Path) {
			t.Fatalf("resolve(%q) = %q is a self-target or carries userinfo", raw, got)
		}
	})
}
