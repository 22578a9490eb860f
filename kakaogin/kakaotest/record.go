package kakaotest

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Request is one call the fake received. Secret values (client_secret,
// code, code_verifier, tokens, keys) are replaced by "[redacted]" but their
// presence is kept, so tests can assert where a secret travelled.
type Request struct {
	Time       time.Time
	Method     string
	Path       string     // relative to URL, e.g. "/oauth/token"
	Query      url.Values // redacted
	Form       url.Values // redacted body fields (POST form only)
	AuthScheme string     // "Bearer", "KakaoAK", "Basic", other scheme or ""
	Header     http.Header
}

// isSecretParam reports the parameters redacted in the record.
func isSecretParam(name string) bool {
	switch name {
	case "client_secret", "code", "code_verifier", "refresh_token", "access_token", "id_token":
		return true
	}
	return false
}

func redact(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		if isSecretParam(k) {
			vals = slices.Repeat([]string{"[redacted]"}, len(vals))
		}
		out[k] = slices.Clone(vals)
	}
	return out
}

func (s *Server) record(r *http.Request, p string) {
	h := r.Header.Clone()
	scheme := ""
	if a := h.Get("Authorization"); a != "" {
		scheme, _, _ = strings.Cut(a, " ")
		h.Set("Authorization", scheme+" [redacted]")
	}
	h.Del("Cookie")
	req := Request{
		Method: r.Method, Path: p, Query: redact(r.URL.Query()), Form: redact(r.PostForm),
		AuthScheme: scheme, Header: h,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req.Time = s.now()
	s.calls = append(s.calls, req)
	s.hits[p]++
}

// Requests returns a copy of every call received since construction or the
// last Reset, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.calls))
	for i, c := range s.calls {
		c.Query, c.Form, c.Header = maps.Clone(c.Query), maps.Clone(c.Form), c.Header.Clone()
		out[i] = c
	}
	return out
}

// Hits returns how many calls path (e.g. PathToken) received since
// construction or the last Reset.
func (s *Server) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// Reset clears the call record, the hit counts, every injected fault, the
// ID-token fault and claim mutator. Users, tokens and keys are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.hits = nil, map[string]int{}
	s.faults = map[string]*faultState{}
	s.idFault, s.idMutate = IDTokenOK, nil
}
