package negotiate

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWantsJSON(t *testing.T) {
	tests := []struct {
		name   string
		accept string
		xhr    bool
		want   bool
	}{
		{"no Accept", "", false, false},
		{"a browser's navigation", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false, false},
		{"anything", "*/*", false, false},
		{"JSON only", "application/json", false, true},
		{"a +json type", "application/problem+json", false, true},
		{"JSON listed first, HTML ranked higher", "application/json;q=0.5, text/html", false, false},
		{"HTML listed first, JSON ranked higher", "text/html;q=0.1, application/json", false, true},
		{"equal ranks", "application/json, text/html", false, false},
		{"JSON refused", "application/json;q=0", false, false},
		{"a q out of range counts as 1", "application/json;q=7, text/html;q=0.5", false, true},
		{"unreadable parts skipped", "\x00;;, application/json", false, true},
		{"an XHR", "", true, true},
		{"an XHR asking for HTML", "text/html", true, true},
		{"oversized", "application/json," + strings.Repeat("x/y,", 300), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			if tt.xhr {
				r.Header.Set("X-Requested-With", "XMLHttpRequest")
			}
			if got := WantsJSON(r); got != tt.want {
				t.Fatalf("WantsJSON(Accept %q, XHR %v) = %v, want %v", tt.accept, tt.xhr, got, tt.want)
			}
		})
	}
}

// FuzzWantsJSON: no Accept header panics, and one that names no JSON type
// never asks for JSON.
func FuzzWantsJSON(f *testing.F) {
	f.Add("application/json;q=0.5, text/html")
	f.Add("*/*")
	f.Add("text/html;q=0.1, application/json")
	f.Fuzz(func(t *testing.T, accept string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", accept)
		if WantsJSON(r) && !strings.Contains(strings.ToLower(accept), "json") {
			t.Fatalf("JSON for Accept %q", accept)
		}
	})
}
