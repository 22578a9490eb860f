// Package negotiate chooses between the HTML and the JSON form of an
// answer, so that every page the library writes (kakaogin's error pages,
// the session middleware's store-unavailable answer) picks the same form
// for the same request.
package negotiate

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxAccept bounds the Accept header read; a longer one counts as absent.
const maxAccept = 1024

// WantsJSON reports whether the client prefers JSON to HTML: an XHR
// (X-Requested-With: XMLHttpRequest), or an Accept header that ranks
// application/json (or a */*+json type) above text/html by its q values.
// An absent, oversized or unreadable header, and */*, mean HTML, the form
// a browser navigating to the page expects.
func WantsJSON(r *http.Request) bool {
	if r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
		return true
	}
	accept := r.Header.Get("Accept")
	if accept == "" || len(accept) > maxAccept {
		return false
	}
	var jsonQ, htmlQ float64 = -1, -1
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		switch {
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			jsonQ = max(jsonQ, q)
		case mt == "text/html":
			htmlQ = max(htmlQ, q)
		}
	}
	return jsonQ > 0 && jsonQ > htmlQ
}
