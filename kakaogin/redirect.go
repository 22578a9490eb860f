package kakaogin

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxReturnTo is the longest return-to value accepted.
const maxReturnTo = 2048

// returnToPolicy decides where a browser may be sent after login, consent or
// logout. A destination is accepted only if it is a same-origin path outside
// the library's own routes, or an absolute URL whose origin is on an explicit
// allowlist; anything else becomes the default, so that next can neither
// redirect off-site nor loop through the library's own routes.
type returnToPolicy struct {
	base     *url.URL        // the app's own origin (scheme://host[:port])
	origins  map[string]bool // extra allowed origins, lower-case "scheme://host[:port]"
	selfPath string          // the mount prefix, e.g. "/auth/kakao"
	fallback string          // default destination, itself a valid path
}

// newReturnToPolicy builds a policy. base is the app's public origin (taken
// from the configured redirect URL, never from request headers), allowed
// lists extra absolute origins, selfPath is the mount prefix and fallback the
// default destination.
func newReturnToPolicy(base *url.URL, allowed []string, selfPath, fallback string) returnToPolicy {
	p := returnToPolicy{
		base:     &url.URL{Scheme: strings.ToLower(base.Scheme), Host: strings.ToLower(base.Host)},
		origins:  make(map[string]bool, len(allowed)),
		selfPath: strings.TrimSuffix(selfPath, "/"),
		fallback: "/",
	}
	for _, o := range allowed {
		if u, err := url.Parse(o); err == nil && u.Scheme != "" && u.Host != "" {
			p.origins[origin(u)] = true
		}
	}
	if v, ok := p.check(fallback); ok {
		p.fallback = v
	}
	return p
}

// resolve returns raw if it is an acceptable destination, in canonical form,
// and the default destination otherwise.
func (p returnToPolicy) resolve(raw string) string {
	if v, ok := p.check(raw); ok {
		return v
	}
	return p.fallback
}

// check reports whether raw is an acceptable destination (bounded, valid
// UTF-8, no forbidden characters, a same-origin path or an allowed absolute
// URL) and returns its canonical form.
func (p returnToPolicy) check(raw string) (string, bool) {
	if raw == "" || len(raw) > maxReturnTo || !utf8.ValidString(raw) || hasForbiddenRune(raw) {
		return "", false
	}
	if raw[0] == '/' {
		return p.checkPath(raw)
	}
	return p.checkAbsolute(raw)
}

// checkPath accepts "/x…" but not "//x…": a second slash would make the
// browser read the rest as a host name.
func (p returnToPolicy) checkPath(raw string) (string, bool) {
	if len(raw) > 1 && raw[1] == '/' {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	// The decoded path must pass the same rules, so that a host which decodes
	// it once more cannot be led off-site ("/%2F/evil", "/%09/evil").
	if hasForbiddenRune(u.Path) || strings.HasPrefix(u.Path, "//") {
		return "", false
	}
	// Resolve against our own origin and demand that it stays there.
	abs := p.base.ResolveReference(u)
	if origin(abs) != origin(p.base) || p.isSelf(abs.Path) {
		return "", false
	}
	out := u.String()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") {
		return "", false
	}
	return out, true
}

// checkAbsolute accepts an absolute URL only when its exact origin is the
// app's own or on the allowlist.
func (p returnToPolicy) checkAbsolute(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" || u.Host == "" {
		return "", false
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", false
	}
	o := origin(u)
	if o == origin(p.base) {
		if p.isSelf(u.Path) {
			return "", false
		}
		return u.String(), true
	}
	if !p.origins[o] {
		return "", false
	}
	return u.String(), true
}

// isSelf reports whether path is inside the library's own routes, where a
// return-to would loop.
func (p returnToPolicy) isSelf(path string) bool {
	if p.selfPath == "" {
		return false
	}
	path = strings.ToLower(path)
	self := strings.ToLower(p.selfPath)
	return path == self || strings.HasPrefix(path, self+"/")
}

// origin returns "scheme://host[:port]" in lower case, with default ports
// made explicit so that "https://a" and "https://a:443" compare equal.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host + ":" + port
}

// hasForbiddenRune reports a backslash, a control character or white space
// anywhere in s. Browsers read a backslash as a slash and drop tabs and
// newlines, which could turn a path into another host.
func hasForbiddenRune(s string) bool {
	for _, r := range s {
		if r == '\\' || r < 0x20 || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r) ||
			unicode.Is(unicode.Bidi_Control, r) {
			return true
		}
	}
	return false
}
