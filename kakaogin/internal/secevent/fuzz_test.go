package secevent

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary claims to the SET claim parser: it never
// panics, and whatever it accepts names Kakao's issuer, one of the app's
// keys, a jti, a Kakao user and one to eight events with URI types.
func FuzzParse(f *testing.F) {
	f.Add(claims(nil))
	f.Add(claims(func(m map[string]any) { delete(event(m), "subject"); m["sub"] = "4012345678" }))
	f.Add(claims(func(m map[string]any) {
		delete(event(m), "subject")
		m["sub_id"] = map[string]any{"format": "iss_sub", "iss": iss, "sub": "4012345678"}
	}))
	f.Add(claims(func(m map[string]any) { m["aud"] = []string{"x", jsKey} }))
	f.Add([]byte(`{"iss":"https://kauth.kakao.com","iss":"x"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		tok, e := Parse(payload, checks())
		if e != nil {
			if tok != nil || e.Code == "" || e.Description == "" {
				t.Fatalf("refusal %v with token %+v", e, tok)
			}
			return
		}
		if tok.Issuer != iss || tok.JTI == "" || tok.KakaoID <= 0 || len(tok.Events) == 0 || len(tok.Events) > maxEvents {
			t.Fatalf("accepted %+v", tok)
		}
		ok := false
		for _, a := range tok.Audience {
			ok = ok || a == restKey || a == jsKey
		}
		if !ok {
			t.Fatalf("accepted audience %q", tok.Audience)
		}
		for _, ev := range tok.Events {
			if !eventURI(ev.Type) {
				t.Fatalf("accepted event type %q", ev.Type)
			}
		}
	})
}

// FuzzVerify feeds arbitrary bodies to the whole check, with a key set
// that takes every signature: no panic, and every refusal is an *Error.
func FuzzVerify(f *testing.F) {
	good := seg(map[string]any{"alg": "RS256", "typ": "secevent+jwt"}) + "." +
		base64.RawURLEncoding.EncodeToString(claims(nil)) + ".c2ln"
	f.Add(good)
	f.Add(seg(map[string]any{"alg": "none"}) + "." + base64.RawURLEncoding.EncodeToString(claims(nil)) + ".")
	f.Add("a.b.c")
	f.Add("")
	keys := keysFunc(func(_ context.Context, r string) ([]byte, error) {
		return base64.RawURLEncoding.DecodeString(strings.Split(r, ".")[1])
	})
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := Verify(context.Background(), raw, keys, checks())
		if err == nil && (tok == nil || tok.KakaoID <= 0) {
			t.Fatalf("accepted %+v", tok)
		}
	})
}
