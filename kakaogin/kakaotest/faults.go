package kakaotest

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Fault is a misbehaviour injected on one endpoint by Fail.
//
// The fake waits Delay first (ending early if the client gives up). Then,
// if Status, Body or Malformed is set, it answers with them instead of the
// real response (Status defaults to 200). Otherwise it serves the real
// response, cut to half its length when Truncate is set. A fault with only
// Delay slows the real response down.
type Fault struct {
	Status    int           // HTTP status of the canned answer
	Body      string        // canned body, sent as-is (any documented error body)
	Header    http.Header   // extra headers (e.g. Retry-After, Location)
	Delay     time.Duration // wait before answering
	Truncate  bool          // cut the body (canned or real) in half
	Malformed bool          // answer 200 with non-JSON garbage (HTML)
	Times     int           // apply to the next Times calls; 0 = until cleared
}

type faultState struct {
	f    Fault
	left int
}

// Fail injects f on endpoint (a Path* constant or AllEndpoints), replacing
// any fault already there.
func (s *Server) Fail(endpoint string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[endpoint] = &faultState{f: f, left: f.Times}
}

// ClearFault removes the fault on endpoint.
func (s *Server) ClearFault(endpoint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, endpoint)
}

// KauthFault is a kauth-style error answer, e.g.
// KauthFault(400, "invalid_grant", "KOE320", "authorization code not found").
func KauthFault(status int, errValue, code, desc string) Fault {
	b, _ := json.Marshal(map[string]string{"error": errValue, "error_description": desc, "error_code": code})
	return Fault{Status: status, Body: string(b), Header: jsonHeader()}
}

// KapiFault is a kapi-style error answer, e.g. KapiFault(400, -1, "internal error").
func KapiFault(status, code int, msg string) Fault {
	b, _ := json.Marshal(map[string]any{"msg": msg, "code": code})
	return Fault{Status: status, Body: string(b), Header: jsonHeader()}
}

// InsufficientScopesFault is the -402 answer (403) listing required and
// allowed scopes.
func InsufficientScopesFault(required, allowed []string) Fault {
	b, _ := json.Marshal(map[string]any{"msg": "insufficient scopes", "code": -402,
		"api_type": "KAKAOTEST", "required_scopes": required, "allowed_scopes": allowed})
	return Fault{Status: http.StatusForbidden, Body: string(b), Header: jsonHeader()}
}

// RateLimitFault is the -10 quota answer with status and a Retry-After of
// retryAfter seconds (omitted when 0).
func RateLimitFault(status, retryAfter int) Fault {
	f := KapiFault(status, -10, "API limit has been exceeded.")
	if retryAfter > 0 {
		f.Header.Set("Retry-After", strconv.Itoa(retryAfter))
	}
	return f
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json;charset=UTF-8"}}
}

// takeFault returns the fault for path (or AllEndpoints), consuming one use.
func (s *Server) takeFault(p string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := p
	fs, ok := s.faults[p]
	if !ok {
		key = AllEndpoints
		if fs, ok = s.faults[AllEndpoints]; !ok {
			return Fault{}, false
		}
	}
	if fs.left > 0 {
		fs.left--
		if fs.left == 0 {
			delete(s.faults, key)
		}
	}
	return fs.f, true
}

// applyFault plays the fault for path; it reports whether it answered.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, p string, h func(http.ResponseWriter, *http.Request)) bool {
	f, ok := s.takeFault(p)
	if !ok {
		return false
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true
		case <-t.C:
		}
	}
	maps.Copy(w.Header(), f.Header)
	switch {
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>{\"access_"))
	case f.Status != 0 || f.Body != "":
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		body := f.Body
		if f.Truncate {
			body = body[:len(body)/2]
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	case f.Truncate:
		rec := httptest.NewRecorder()
		h(rec, r)
		maps.Copy(w.Header(), rec.Header())
		body := rec.Body.Bytes()
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
	default:
		return false // delay only
	}
	return true
}
