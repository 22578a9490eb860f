package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzParseSiteCookie: the site_user cookie comes from the browser; any
// value must be refused without a panic unless it carries our MAC.
func FuzzParseSiteCookie(f *testing.F) {
	a := &app{sec: &secrets{SiteKey: make([]byte, 32)}}
	now := time.Unix(1_800_000_000, 0)
	payload := "site-demo.0.1800003600"
	f.Add(payload + "." + a.siteMAC(payload))
	f.Add("")
	f.Add("....")
	f.Add("site-demo.x.1.abc")
	f.Fuzz(func(t *testing.T, v string) {
		id, _, err := a.parseSiteCookie(v, now)
		if err != nil {
			return
		}
		i := strings.LastIndexByte(v, '.')
		if a.siteMAC(v[:i]) != v[i+1:] || !strings.HasPrefix(v, id+".") {
			t.Fatalf("accepted %q without a valid MAC", v)
		}
	})
}

// TestSiteCookie: a fresh cookie parses; a tampered, expired or foreign
// one does not.
func TestSiteCookie(t *testing.T) {
	a := &app{sec: &secrets{SiteKey: []byte("0123456789abcdef0123456789abcdef")}}
	now := time.Unix(1_800_000_000, 0)
	good := "site-1.3.1800000100"
	other := &app{sec: &secrets{SiteKey: make([]byte, 32)}}
	for name, tc := range map[string]struct {
		value string
		ok    bool
	}{
		"valid":        {good + "." + a.siteMAC(good), true},
		"tampered id":  {"site-2.3.1800000100." + a.siteMAC(good), false},
		"expired":      {"site-1.3.1799999999." + a.siteMAC("site-1.3.1799999999"), false},
		"other key":    {good + "." + other.siteMAC(good), false},
		"no mac":       {good, false},
		"extra fields": {"a.b.1.1800000100." + a.siteMAC("a.b.1.1800000100"), false},
	} {
		t.Run(name, func(t *testing.T) {
			id, epoch, err := a.parseSiteCookie(tc.value, now)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (id != "site-1" || epoch != 3) {
				t.Fatalf("got %q %d", id, epoch)
			}
		})
	}
}

// FuzzPageLang: any Accept-Language or lang cookie gives "ko" or "en".
func FuzzPageLang(f *testing.F) {
	f.Add("en-US,en;q=0.9", "")
	f.Add("ko-KR", "en")
	f.Add("*;q=0", "xx")
	f.Fuzz(func(t *testing.T, accept, cookie string) {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", accept)
		r.Header.Set("Cookie", "lang="+cookie)
		if l := pageLang(r); l != "ko" && l != "en" {
			t.Fatalf("pageLang = %q", l)
		}
	})
}

// TestPageLang: the cookie wins, then Accept-Language, then Korean.
func TestPageLang(t *testing.T) {
	for _, tc := range []struct{ accept, cookie, want string }{
		{"", "", "ko"},
		{"en-US,en;q=0.9", "", "en"},
		{"fr,en;q=0.5", "", "en"},
		{"en", "ko", "ko"},
		{"ko", "en", "en"},
		{"de", "", "ko"},
		{"en", "xx", "en"},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		if tc.cookie != "" {
			r.AddCookie(&http.Cookie{Name: "lang", Value: tc.cookie})
		}
		if got := pageLang(r); got != tc.want {
			t.Errorf("Accept-Language %q, cookie %q: %q, want %q", tc.accept, tc.cookie, got, tc.want)
		}
	}
}
