package kakaotest

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// signedByFake reports whether tok carries an RS256 signature by one of
// the fake's published keys.
func signedByFake(s *Server, tok string) bool {
	parts := strings.Split(tok, ".")
	sig, err := base64.RawURLEncoding.DecodeString(parts[len(parts)-1])
	if len(parts) != 3 || err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.publishedKeys() {
		if rsa.VerifyPKCS1v15(&k.priv.PublicKey, crypto.SHA256, sum[:], sig) == nil {
			return true
		}
	}
	return false
}

// decodeSET returns a SET's header and claims, unverified.
func decodeSET(t *testing.T, tok string) (hdr, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&hdr, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, dst) != nil {
			t.Fatalf("part %d: %v", i, err)
		}
	}
	return hdr, claims
}

// TestSignSecurityEvent: a correct SET verifies with the published keys
// and has the claims Kakao's receivers assume; each fault breaks what it
// says and nothing else that is checked before it.
func TestSignSecurityEvent(t *testing.T) {
	s := newFake(t)
	ev := SecurityEvent{Type: EventUserUnlinked, UserID: UserMinji, Reason: ReferrerUnlinkFromApps}
	tok, jti := s.SignSecurityEvent(ev)
	if !signedByFake(s, tok) {
		t.Fatal("the SET does not verify")
	}
	hdr, c := decodeSET(t, tok)
	body := c["events"].(map[string]any)[EventUserUnlinked].(map[string]any)
	subject := body["subject"].(map[string]any)
	if hdr["typ"] != "secevent+jwt" || hdr["alg"] != "RS256" || hdr["kid"] != s.SigningKeyID() ||
		c["iss"] != s.iss() || c["aud"] != s.ClientID || c["jti"] != jti || body["reason"] != ReferrerUnlinkFromApps ||
		subject["sub"] != "4012345678" || subject["subject_type"] != "iss-sub" {
		t.Errorf("header %v claims %v", hdr, c)
	}

	checks := map[SETFault]func(hdr, c map[string]any) bool{
		SETAlgNone:       func(h, _ map[string]any) bool { return h["alg"] == "none" },
		SETHS256:         func(h, _ map[string]any) bool { return h["alg"] == "HS256" },
		SETUnknownKid:    func(h, _ map[string]any) bool { return h["kid"] != s.SigningKeyID() },
		SETWrongIssuer:   func(_, c map[string]any) bool { return c["iss"] != s.iss() },
		SETWrongAudience: func(_, c map[string]any) bool { return c["aud"] != s.ClientID },
		SETOld:           func(_, c map[string]any) bool { return c["iat"].(float64) < float64(time.Now().Add(-time.Hour).Unix()) },
		SETFuture: func(_, c map[string]any) bool {
			return c["iat"].(float64) > float64(time.Now().Add(30*time.Minute).Unix())
		},
		SETNoJTI:    func(_, c map[string]any) bool { return c["jti"] == nil },
		SETWrongTyp: func(h, _ map[string]any) bool { return h["typ"] == "at+jwt" },
		SETNoEvents: func(_, c map[string]any) bool { return c["events"] == nil },
	}
	for f, ok := range checks {
		tok, _ := s.SignSecurityEvent(ev, SETWith(f))
		if hdr, c := decodeSET(t, tok); !ok(hdr, c) {
			t.Errorf("fault %d: header %v claims %v", f, hdr, c)
		}
	}
	for _, f := range []SETFault{SETBadSignature, SETTampered} {
		tok, _ := s.SignSecurityEvent(ev, SETWith(f))
		if signedByFake(s, tok) {
			t.Errorf("fault %d: the SET verifies", f)
		}
	}
	if tok, _ := s.SignSecurityEvent(ev, SETWith(SETOversized)); len(tok) <= 16<<10 {
		t.Errorf("oversized SET is %d bytes", len(tok))
	}
}

// TestFireSecurityEvent: the push is a POST of the token with the SET
// media type, and the answer comes back as received.
func TestFireSecurityEvent(t *testing.T) {
	s := newFake(t)
	var gotCT, gotBody string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotCT, gotBody = r.Header.Get("Content-Type"), string(b)
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(rcv.Close)
	a, err := s.FireSecurityEvent(context.Background(), rcv.URL, SecurityEvent{Type: EventSessionRevoked, UserID: UserMinji})
	if err != nil || a.Status != http.StatusAccepted || gotCT != "application/secevent+jwt" || strings.Count(gotBody, ".") != 2 || a.JTI == "" {
		t.Fatalf("answer %+v %v; sent %q %q", a, err, gotCT, gotBody)
	}
	if _, err := s.FireSecurityEvent(context.Background(), rcv.URL, SecurityEvent{Type: EventSessionRevoked, UserID: UserMinji},
		SETWith(SETWrongMediaType)); err != nil || gotCT != "application/json" {
		t.Fatalf("wrong media type: %q %v", gotCT, err)
	}
}
