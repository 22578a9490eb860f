package secevent

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/internal/idtoken"
)

const (
	iss      = "https://kauth.kakao.com"
	restKey  = "4f1c0a9b2e7d44c3a1b2c3d4e5f60718"
	jsKey    = "js-0a1b2c3d4e5f"
	unlinked = "https://schemas.openid.net/secevent/oauth/event-type/user-unlinked"
)

var now = time.Unix(1_767_225_600, 0)

func checks() Checks {
	return Checks{Issuer: iss, Audiences: []string{restKey, jsKey}, Now: now, MaxAge: 15 * time.Minute, Leeway: time.Minute}
}

// claims is a valid SET payload, with changes.
func claims(change func(m map[string]any)) []byte {
	m := map[string]any{
		"iss": iss, "aud": restKey, "iat": now.Unix(), "jti": "3d0c3cf797584bd193bd0fb1bd4e7d30",
		"events": map[string]any{unlinked: map[string]any{
			"subject": map[string]any{"subject_type": "iss-sub", "iss": iss, "sub": "4012345678"},
			"reason":  "UNLINK_FROM_APPS",
		}},
	}
	if change != nil {
		change(m)
	}
	b, _ := json.Marshal(m)
	return b
}

func event(m map[string]any) map[string]any {
	return m["events"].(map[string]any)[unlinked].(map[string]any)
}

// TestParse is C113's claim checks, each refusal with its RFC 8935 code.
func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		payload []byte
		code    Code // "" = accepted
		source  string
	}{
		{"valid, subject in the event", claims(nil), "", "event"},
		{"top-level sub", claims(func(m map[string]any) { delete(event(m), "subject"); m["sub"] = "4012345678" }), "", "sub"},
		{"sub_id", claims(func(m map[string]any) {
			delete(event(m), "subject")
			m["sub_id"] = map[string]any{"format": "iss_sub", "iss": iss, "sub": "4012345678"}
		}), "", "sub_id"},
		{"all agree", claims(func(m map[string]any) { m["sub"] = "4012345678" }), "", "event+sub"},
		{"opaque subject", claims(func(m map[string]any) {
			event(m)["subject"] = map[string]any{"format": "opaque", "id": "4012345678"}
		}), "", "event"},
		{"aud array", claims(func(m map[string]any) { m["aud"] = []string{"x", jsKey} }), "", "event"},
		{"iat a minute ahead (leeway)", claims(func(m map[string]any) { m["iat"] = now.Add(time.Minute).Unix() }), "", "event"},
		{"iat 15 minutes ago", claims(func(m map[string]any) { m["iat"] = now.Add(-15 * time.Minute).Unix() }), "", "event"},
		{"exp in the future", claims(func(m map[string]any) { m["exp"] = now.Add(time.Hour).Unix() }), "", "event"},

		{"not JSON", []byte("nope"), InvalidRequest, ""},
		{"repeated claim", []byte(`{"iss":"` + iss + `","iss":"x"}`), InvalidRequest, ""},
		{"trailing data", append(claims(nil), []byte(`{}`)...), InvalidRequest, ""},
		{"no iss", claims(func(m map[string]any) { delete(m, "iss") }), InvalidIssuer, ""},
		{"iss with a trailing slash", claims(func(m map[string]any) { m["iss"] = iss + "/" }), InvalidIssuer, ""},
		{"iss http", claims(func(m map[string]any) { m["iss"] = "http://kauth.kakao.com" }), InvalidIssuer, ""},
		{"iss array", claims(func(m map[string]any) { m["iss"] = []string{iss} }), InvalidIssuer, ""},
		{"no aud", claims(func(m map[string]any) { delete(m, "aud") }), InvalidAudience, ""},
		{"another app's aud", claims(func(m map[string]any) { m["aud"] = "other" }), InvalidAudience, ""},
		{"aud empty array", claims(func(m map[string]any) { m["aud"] = []string{} }), InvalidAudience, ""},
		{"aud number", claims(func(m map[string]any) { m["aud"] = 1 }), InvalidAudience, ""},
		{"no iat", claims(func(m map[string]any) { delete(m, "iat") }), InvalidRequest, ""},
		{"iat string", claims(func(m map[string]any) { m["iat"] = fmt.Sprint(now.Unix()) }), InvalidRequest, ""},
		{"iat too old", claims(func(m map[string]any) { m["iat"] = now.Add(-17 * time.Minute).Unix() }), InvalidRequest, ""},
		{"iat in the future", claims(func(m map[string]any) { m["iat"] = now.Add(2 * time.Minute).Unix() }), InvalidRequest, ""},
		{"iat huge", claims(func(m map[string]any) { m["iat"] = 1e300 }), InvalidRequest, ""},
		{"expired", claims(func(m map[string]any) { m["exp"] = now.Add(-time.Hour).Unix() }), InvalidRequest, ""},
		{"no jti", claims(func(m map[string]any) { delete(m, "jti") }), InvalidRequest, ""},
		{"empty jti", claims(func(m map[string]any) { m["jti"] = "" }), InvalidRequest, ""},
		{"jti with a newline", claims(func(m map[string]any) { m["jti"] = "a\nb" }), InvalidRequest, ""},
		{"long jti", claims(func(m map[string]any) { m["jti"] = strings.Repeat("j", 300) }), InvalidRequest, ""},
		{"no events", claims(func(m map[string]any) { delete(m, "events") }), InvalidRequest, ""},
		{"empty events", claims(func(m map[string]any) { m["events"] = map[string]any{} }), InvalidRequest, ""},
		{"events array", claims(func(m map[string]any) { m["events"] = []any{} }), InvalidRequest, ""},
		{"event type not a URI", claims(func(m map[string]any) {
			m["events"] = map[string]any{"user-unlinked": event(m)}
		}), InvalidRequest, ""},
		{"event not an object", claims(func(m map[string]any) { m["events"] = map[string]any{unlinked: "x"} }), InvalidRequest, ""},
		{"no subject", claims(func(m map[string]any) { delete(event(m), "subject") }), InvalidRequest, ""},
		{"subject of another issuer", claims(func(m map[string]any) {
			event(m)["subject"].(map[string]any)["iss"] = "https://evil.example"
		}), InvalidIssuer, ""},
		{"subject of an unknown format", claims(func(m map[string]any) {
			event(m)["subject"] = map[string]any{"format": "email", "email": "a@b"}
		}), InvalidRequest, ""},
		{"subjects disagree", claims(func(m map[string]any) { m["sub"] = "2984711002" }), InvalidRequest, ""},
		{"sub not canonical", claims(func(m map[string]any) { event(m)["subject"].(map[string]any)["sub"] = "04012345678" }), InvalidRequest, ""},
		{"sub negative", claims(func(m map[string]any) { event(m)["subject"].(map[string]any)["sub"] = "-1" }), InvalidRequest, ""},
		{"sub number", claims(func(m map[string]any) { delete(event(m), "subject"); m["sub"] = 4012345678 }), InvalidRequest, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, e := Parse(tc.payload, checks())
			if tc.code != "" {
				if e == nil || e.Code != tc.code {
					t.Fatalf("got %v, want %s", e, tc.code)
				}
				return
			}
			if e != nil {
				t.Fatalf("refused: %v", e)
			}
			if tok.KakaoID != 4012345678 || tok.SubjectSource != tc.source || len(tok.Events) != 1 ||
				tok.Events[0].Type != unlinked || tok.Events[0].Reason != "UNLINK_FROM_APPS" {
				t.Errorf("token %+v", tok)
			}
			if _, ok := tok.Events[0].Fields["subject"]; ok {
				t.Error("the subject is passed on as a field")
			}
		})
	}
}

func seg(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestParseHeader: shape, alg and typ, before any signature check.
func TestParseHeader(t *testing.T) {
	body := seg(map[string]any{"iss": iss})
	sig := "c2ln"
	cases := []struct {
		name string
		raw  string
		code Code
	}{
		{"secevent+jwt", seg(map[string]any{"alg": "RS256", "typ": "secevent+jwt", "kid": "k"}) + "." + body + "." + sig, ""},
		{"media type form", seg(map[string]any{"alg": "RS256", "typ": "application/secevent+JWT"}) + "." + body + "." + sig, ""},
		{"JWT", seg(map[string]any{"alg": "RS256", "typ": "JWT"}) + "." + body + "." + sig, ""},
		{"no typ", seg(map[string]any{"alg": "RS256"}) + "." + body + "." + sig, ""},
		{"empty", "", InvalidRequest},
		{"two parts", seg(map[string]any{"alg": "RS256"}) + "." + body, InvalidRequest},
		{"JWE", "a.b.c.d.e", InvalidRequest},
		{"padding", seg(map[string]any{"alg": "RS256"}) + "=." + body + "." + sig, InvalidRequest},
		{"JSON serialization", `{"payload":"x"}`, InvalidRequest},
		{"oversized", seg(map[string]any{"alg": "RS256"}) + "." + strings.Repeat("A", MaxSize) + "." + sig, InvalidRequest},
		{"header not JSON", "bm9wZQ." + body + "." + sig, InvalidRequest},
		{"header repeats alg", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","alg":"RS256"}`)) + "." + body + "." + sig, InvalidRequest},
		{"alg none", seg(map[string]any{"alg": "none"}) + "." + body + ".", InvalidKey},
		{"alg None", seg(map[string]any{"alg": "None"}) + "." + body + "." + sig, InvalidKey},
		{"alg HS256", seg(map[string]any{"alg": "HS256"}) + "." + body + "." + sig, InvalidKey},
		{"alg RS512", seg(map[string]any{"alg": "RS512"}) + "." + body + "." + sig, InvalidKey},
		{"alg number", seg(map[string]any{"alg": 1}) + "." + body + "." + sig, InvalidRequest},
		{"no signature", seg(map[string]any{"alg": "RS256"}) + "." + body + ".", InvalidKey},
		{"typ of an access token", seg(map[string]any{"alg": "RS256", "typ": "at+jwt"}) + "." + body + "." + sig, InvalidRequest},
		{"typ of a logout token", seg(map[string]any{"alg": "RS256", "typ": "logout+jwt"}) + "." + body + "." + sig, InvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseHeader(tc.raw)
			var e *Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (!errors.As(err, &e) || e.Code != tc.code):
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}

// keysFunc is a SignatureVerifier.
type keysFunc func(ctx context.Context, raw string) ([]byte, error)

func (f keysFunc) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	return f(ctx, raw)
}

// TestVerifySignatureErrors: the key set's verdicts become invalid_key,
// except an unavailable key set, which is not the sender's fault.
func TestVerifySignatureErrors(t *testing.T) {
	raw := seg(map[string]any{"alg": "RS256", "typ": "secevent+jwt"}) + "." + base64.RawURLEncoding.EncodeToString(claims(nil)) + ".c2ln"
	cases := []struct {
		name   string
		err    error
		code   Code
		plain  bool
		accept bool
	}{
		{"verified", nil, "", false, true},
		{"bad signature", errors.New("bad signature"), InvalidKey, false, false},
		{"unknown key", idtoken.ErrUnknownSigningKey, InvalidKey, false, false},
		{"key set unavailable", fmt.Errorf("%w: down", idtoken.ErrKeySetUnavailable), "", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys := keysFunc(func(_ context.Context, r string) ([]byte, error) {
				if tc.err != nil {
					return nil, tc.err
				}
				p, _ := base64.RawURLEncoding.DecodeString(strings.Split(r, ".")[1])
				return p, nil
			})
			tok, err := Verify(context.Background(), raw, keys, checks())
			var e *Error
			switch {
			case tc.accept:
				if err != nil || tok.Typ != "secevent+jwt" || tok.KakaoID != 4012345678 {
					t.Fatalf("%+v %v", tok, err)
				}
			case tc.plain:
				if !errors.Is(err, ErrKeysUnavailable) || errors.As(err, &e) {
					t.Fatalf("got %v, want ErrKeysUnavailable", err)
				}
			default:
				if !errors.As(err, &e) || e.Code != tc.code {
					t.Fatalf("got %v, want %s", err, tc.code)
				}
			}
		})
	}
}

// TestErrorsQuoteNothing: no refusal's text contains a claim value.
func TestErrorsQuoteNothing(t *testing.T) {
	secret := "SECRET-VALUE-123"
	for _, change := range []func(m map[string]any){
		func(m map[string]any) { m["iss"] = secret },
		func(m map[string]any) { m["aud"] = secret },
		func(m map[string]any) { m["jti"] = secret + "\n" },
		func(m map[string]any) { event(m)["subject"].(map[string]any)["sub"] = secret },
		func(m map[string]any) { m["events"] = map[string]any{secret: map[string]any{}} },
	} {
		if _, e := Parse(claims(change), checks()); e == nil || strings.Contains(e.Error(), secret) {
			t.Errorf("error %v", e)
		}
	}
}
