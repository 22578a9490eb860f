package main

import (
	"net/url"
	"strings"
)

// maxNextLen bounds a next path the site passes on.
const maxNextLen = 512

// sitePath returns next when it is a path on this site (absolute path, no
// scheme or host, not "//…" or "/\…", which browsers read as another
// host, no control characters), else def. The site's own steps (link,
// signup, connect) carry next with it, so that a login started on one
// page ends there.
func sitePath(next, def string) string {
	if next == "" || len(next) > maxNextLen || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return def
	}
	for i := 0; i < len(next); i++ {
		if next[i] < 0x20 || next[i] == 0x7f || next[i] == '\\' {
			return def
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return def
	}
	return next
}
