package idtoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func TestVerifyAccepts(t *testing.T) {
	f := newFixture(t)
	c, err := f.v.Verify(context.Background(), sign(t, f.key, jose.RS256, f.claims(), nil),
		Checks{Nonce: "n-1", MaxAge: MaxExchangeAge})
	if err != nil {
		t.Fatalf("C34: valid token rejected: %v", err)
	}
	if c.KakaoID != 4242 || c.Nickname != "라이언" || c.AuthTime.IsZero() {
		t.Fatalf("claims = %+v", c)
	}
}

// TestVerifyRejects is the ID-token rejection table of SECURITY.md §E.
func TestVerifyRejects(t *testing.T) {
	f := newFixture(t)
	attacker := rsaKey(t, "k1") // same kid as the real key, unpublished
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	with := func(mut func(m map[string]any)) map[string]any {
		m := f.claims()
		mut(m)
		return m
	}
	good := sign(t, f.key, jose.RS256, f.claims(), nil)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+testIssuer+`","aud":"`+testClientID+`","sub":"1","iat":1799999990,"exp":1800003600,"nonce":"n-1"}`)) + "." + parts[2]
	noneHeader := func(alg string) string {
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","typ":"JWT"}`))
		p, _ := json.Marshal(f.claims())
		return h + "." + base64.RawURLEncoding.EncodeToString(p) + "."
	}
	hmacKey := jose.JSONWebKey{Key: []byte("client-secret-client-secret-32by"), KeyID: "k1"}
	cases := []struct {
		name, token string
		checks      Checks
	}{
		{"C35 signed by unpublished key with published kid", sign(t, attacker, jose.RS256, f.claims(), nil), Checks{}},
		{"C35 payload altered after signing", tampered, Checks{}},
		{"C35 signature truncated", good[:len(good)-10], Checks{}},
		{"C36 HS256 over the client secret", sign(t, hmacKey, jose.HS256, f.claims(), nil), Checks{}},
		{"C36 ES256", sign(t, jose.JSONWebKey{Key: ecKey, KeyID: "k1"}, jose.ES256, f.claims(), nil), Checks{}},
		{"C36 RS512", sign(t, f.key, jose.RS512, f.claims(), nil), Checks{}},
		{"C36 PS256", sign(t, f.key, jose.PS256, f.claims(), nil), Checks{}},
		{"C37 alg none", noneHeader("none"), Checks{}},
		{"C37 alg NONE", noneHeader("NONE"), Checks{}},
		{"C37 alg None", noneHeader("None"), Checks{}},
		{"C38 iss trailing slash", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iss"] = testIssuer + "/" }), nil), Checks{}},
		{"C38 iss http", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iss"] = "http://kauth.kakao.com" }), nil), Checks{}},
		{"C38 iss upper case", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iss"] = "https://KAUTH.kakao.com" }), nil), Checks{}},
		{"C38 iss missing", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "iss") }), nil), Checks{}},
		{"C38 iss array", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iss"] = []string{testIssuer} }), nil), Checks{}},
		{"C39 aud missing", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "aud") }), nil), Checks{}},
		{"C39/C47 aud other app", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["aud"] = "other-app" }), nil), Checks{}},
		{"C39 aud ours plus another", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["aud"] = []string{testClientID, "other"} }), nil), Checks{}},
		{"C39 azp other", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["azp"] = "other" }), nil), Checks{}},
		{"C40 sub missing", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "sub") }), nil), Checks{}},
		{"C40 sub empty", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["sub"] = "" }), nil), Checks{}},
		{"C40 sub number", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["sub"] = 1234 }), nil), Checks{}},
		{"C40 sub leading space", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["sub"] = " 1234" }), nil), Checks{}},
		{"C40 sub NUL", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["sub"] = "1234\x00" }), nil), Checks{}},
		{"C40 sub too long", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["sub"] = strings.Repeat("9", 256) }), nil), Checks{}},
		{"C41 nonce missing", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "nonce") }), nil), Checks{Nonce: "n-1"}},
		{"C41 nonce other", sign(t, f.key, jose.RS256, f.claims(), nil), Checks{Nonce: "n-2"}},
		{"C42 iat missing", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "iat") }), nil), Checks{}},
		{"C42 iat 5 min ahead", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iat"] = f.now.Unix() + 300 }), nil), Checks{}},
		{"C42 iat a day old", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["iat"] = f.now.Unix() - 86400 }), nil), Checks{MaxAge: MaxExchangeAge}},
		{"C42 expired beyond leeway", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["exp"] = f.now.Unix() - 61 }), nil), Checks{}},
		{"C43 embedded jwk of attacker", sign(t, attacker, jose.RS256, f.claims(), map[jose.HeaderKey]any{"jwk": attacker.Public()}), Checks{}},
		{"C43 jku header", sign(t, f.key, jose.RS256, f.claims(), map[jose.HeaderKey]any{"jku": "https://attacker.example/jwks"}), Checks{}},
		{"C43 crit header", sign(t, f.key, jose.RS256, f.claims(), map[jose.HeaderKey]any{"crit": []string{"exp"}}), Checks{}},
		{"C48 auth_time older than re-auth", sign(t, f.key, jose.RS256, f.claims(), nil), Checks{AuthAfter: f.now.Add(2 * time.Minute)}},
		{"C48 auth_time missing on re-auth", sign(t, f.key, jose.RS256, with(func(m map[string]any) { delete(m, "auth_time") }), nil), Checks{AuthAfter: f.now}},
		{"at_hash mismatch", sign(t, f.key, jose.RS256, with(func(m map[string]any) { m["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }), nil), Checks{AccessToken: "access"}},
		{"duplicate sub", sign(t, f.key, jose.RS256, `{"iss":"`+testIssuer+`","aud":"`+testClientID+`","sub":"1","sub":"2","iat":1799999995,"exp":1800003600}`, nil), Checks{}},
		{"empty token", "", Checks{}},
		{"C33 a megabyte of dots", strings.Repeat(".", 1<<20), Checks{}},
		{"C33 over 16 KiB", good + strings.Repeat("A", 16<<10), Checks{}},
		{"C33 JWE (five parts)", "a.b.c.d.e", Checks{}},
		{"C33 JSON serialization", `{"payload":"x","signatures":[]}`, Checks{}},
		{"garbage", "a.b.c", Checks{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), tc.token, tc.checks)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Fatal("C101: error text contains the token")
			}
		})
	}
}

func TestVerifyAcceptsWithinLeeway(t *testing.T) {
	f := newFixture(t)
	for name, mut := range map[string]func(map[string]any){
		"C42 iat 30 s old":          func(m map[string]any) { m["iat"] = f.now.Unix() - 30 },
		"C42 iat 30 s ahead":        func(m map[string]any) { m["iat"] = f.now.Unix() + 30 },
		"exp 30 s ago":              func(m map[string]any) { m["exp"] = f.now.Unix() - 30 },
		"C39 aud one-element array": func(m map[string]any) { m["aud"] = []string{testClientID} },
		"C40 sub above 2^53":        func(m map[string]any) { m["sub"] = "9007199254740993" },
		"at_hash correct": func(m map[string]any) {
			sum := sha256.Sum256([]byte("access"))
			m["at_hash"] = base64.RawURLEncoding.EncodeToString(sum[:16])
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := f.claims()
			mut(m)
			c, err := f.v.Verify(context.Background(), sign(t, f.key, jose.RS256, m, nil),
				Checks{Nonce: "n-1", MaxAge: MaxExchangeAge, AccessToken: "access"})
			if err != nil {
				t.Fatal(err)
			}
			if name == "C40 sub above 2^53" && c.KakaoID != 9007199254740993 {
				t.Fatalf("KakaoID = %d", c.KakaoID)
			}
		})
	}
}

func FuzzDuplicateClaim(f *testing.F) {
	f.Add([]byte(`{"sub":"1","sub":"2"}`))
	f.Add([]byte(`{"a":{"sub":1},"sub":"2"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		name, dup := duplicateClaim(b)
		if dup && name == "" {
			t.Fatal("duplicate without a name")
		}
	})
}

// TestIDTokenTimeClaims: every registered time claim is checked with the
// one clock leeway (C42 and the exp rule at the end of SECURITY.md §E, C48
// for auth_time; issue 11, point 1). go-oidc's expiry check, which also
// covers nbf, is switched off, so nbf and auth_time were not checked at all:
// a token Kakao's key signed with nbf an hour ahead logged the user in.
func TestIDTokenTimeClaims(t *testing.T) {
	f := newFixture(t)
	now := f.now.Unix()
	cases := []struct {
		name   string
		mut    func(m map[string]any)
		claims string // raw payload instead of mut, for duplicate keys
		ok     bool
	}{
		{name: "nbf an hour ahead", mut: func(m map[string]any) { m["nbf"] = now + 3600 }},
		{name: "nbf just beyond the leeway", mut: func(m map[string]any) { m["nbf"] = now + 61 }},
		{name: "nbf within the leeway", mut: func(m map[string]any) { m["nbf"] = now + 30 }, ok: true},
		{name: "nbf past", mut: func(m map[string]any) { m["nbf"] = now - 5 }, ok: true},
		{name: "nbf absent", mut: func(m map[string]any) { delete(m, "nbf") }, ok: true},
		{name: "nbf a string", mut: func(m map[string]any) { m["nbf"] = strconv.FormatInt(now-5, 10) }},
		{name: "nbf beyond int64", mut: func(m map[string]any) { m["nbf"] = 1e19 }},
		{name: "nbf at int64's limit", claims: `{"iss":"` + testIssuer + `","aud":"` + testClientID + `","sub":"4242","iat":` + strconv.FormatInt(now, 10) + `,"exp":` + strconv.FormatInt(now+3600, 10) + `,"nbf":9223372036854775807}`},
		{name: "nbf twice, the last one past", claims: `{"iss":"` + testIssuer + `","aud":"` + testClientID + `","sub":"4242","iat":` + strconv.FormatInt(now, 10) + `,"exp":` + strconv.FormatInt(now+3600, 10) + `,"nbf":` + strconv.FormatInt(now+3600, 10) + `,"nbf":` + strconv.FormatInt(now-5, 10) + `}`},
		{name: "C48 auth_time an hour ahead", mut: func(m map[string]any) { m["auth_time"] = now + 3600 }},
		{name: "C48 auth_time just beyond the leeway", mut: func(m map[string]any) { m["auth_time"] = now + 61 }},
		{name: "C48 auth_time within the leeway", mut: func(m map[string]any) { m["auth_time"] = now + 30 }, ok: true},
		{name: "C48 auth_time absent", mut: func(m map[string]any) { delete(m, "auth_time") }, ok: true},
		{name: "C48 auth_time at int64's limit", claims: `{"iss":"` + testIssuer + `","aud":"` + testClientID + `","sub":"4242","iat":` + strconv.FormatInt(now, 10) + `,"exp":` + strconv.FormatInt(now+3600, 10) + `,"auth_time":9223372036854775807}`},
		{name: "exp missing", mut: func(m map[string]any) { delete(m, "exp") }},
		{name: "exp a string", mut: func(m map[string]any) { m["exp"] = strconv.FormatInt(now+3600, 10) }},
		{name: "exp at int64's limit", claims: `{"iss":"` + testIssuer + `","aud":"` + testClientID + `","sub":"4242","iat":` + strconv.FormatInt(now, 10) + `,"exp":9223372036854775807}`},
		{name: "exp fractional, ahead", mut: func(m map[string]any) { m["exp"] = float64(now) + 3600.5 }, ok: true},
		{name: "C42 iat a string", mut: func(m map[string]any) { m["iat"] = strconv.FormatInt(now, 10) }},
		{name: "C42 iat negative", mut: func(m map[string]any) { m["iat"] = -1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var claims any = tc.claims
			if tc.claims == "" {
				m := f.claims()
				tc.mut(m)
				claims = m
			}
			// No nonce and no MaxAge: the checks a refreshed token gets,
			// so that nothing but the time claim under test can refuse it.
			_, err := f.v.Verify(context.Background(), sign(t, f.key, jose.RS256, claims, nil), Checks{})
			switch {
			case tc.ok && err != nil:
				t.Fatalf("refused: %v", err)
			case !tc.ok && err == nil:
				t.Fatal("accepted")
			case !tc.ok && !errors.Is(err, ErrInvalid):
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
		})
	}
}

// TestVerifierSkipsOnlyExpiry: of go-oidc's skip flags only SkipExpiryCheck
// is set, and Verify makes the exp and nbf checks it turns off
// (TestIDTokenTimeClaims); the signature, issuer and audience checks stay
// go-oidc's (C35–C39).
func TestVerifierSkipsOnlyExpiry(t *testing.T) {
	f := newFixture(t)
	c := f.v.cfg
	if c.InsecureSkipSignatureCheck || c.SkipIssuerCheck || c.SkipClientIDCheck || c.ClientID != testClientID {
		t.Fatalf("go-oidc config turns off a check Verify does not make: %+v", c)
	}
	if len(c.SupportedSigningAlgs) != 1 || c.SupportedSigningAlgs[0] != "RS256" {
		t.Fatalf("C36: algorithms %v", c.SupportedSigningAlgs)
	}
}

// FuzzNumericDate: the time-claim parser never panics, and what it accepts
// is a JSON number between the epoch and the year 9999.
func FuzzNumericDate(f *testing.F) {
	for _, s := range []string{`1800000000`, `1800000000.5`, `-1`, `1e19`, `9223372036854775807`, `"1800000000"`, `null`, `[1]`, ` 1 `, `1 2`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tm, err := NumericDate(b)
		if err != nil {
			return
		}
		if s := tm.Unix(); s < 0 || s > maxNumericDate {
			t.Fatalf("%q accepted as %d", b, s)
		}
		var n float64
		if json.Unmarshal(b, &n) != nil {
			t.Fatalf("%q accepted but is not a JSON number", b)
		}
	})
}
