package kakaotest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func decodeClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("ID token has %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func fetchJWKS(t *testing.T, s *Server) jose.JSONWebKeySet {
	t.Helper()
	resp, err := http.Get(s.URL + PathJWKS)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ks jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&ks); err != nil {
		t.Fatal(err)
	}
	return ks
}

// verify checks an ID token the way a relying party must (§3.3), using
// go-jose and the published JWKS only.
func verify(t *testing.T, s *Server, tok, nonce string, now time.Time) error {
	t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return err
	}
	ks := fetchJWKS(t, s)
	kid := parsed.Headers[0].KeyID
	keys := ks.Key(kid)
	if len(keys) == 0 {
		return errString("no published key for kid " + kid)
	}
	var std jwt.Claims
	var extra struct {
		Nonce string `json:"nonce"`
	}
	if err := parsed.Claims(keys[0].Key, &std, &extra); err != nil {
		return err
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: s.URL, AnyAudience: jwt.Audience{s.ClientID}, Time: now}, 0); err != nil {
		return err
	}
	if extra.Nonce != nonce {
		return errString("nonce mismatch")
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }

func TestDiscoveryPointsAtTheFake(t *testing.T) {
	s := newFake(t, WithPathPrefix("/_fake-kakao"))
	_, d := get(t, s, PathDiscovery, nil, "")
	if d["issuer"] != s.URL || d["jwks_uri"] != s.URL+PathJWKS || d["token_endpoint"] != s.URL+PathToken ||
		d["userinfo_endpoint"] != s.URL+PathOIDCUserInfo || !strings.HasSuffix(s.URL, "/_fake-kakao") {
		t.Fatalf("discovery %v for URL %s", d, s.URL)
	}
}

func TestIDTokenVerifiesAgainstJWKS(t *testing.T) {
	s := newFake(t)
	tok := login(t, s, browser(t), "v", "login_hint", "minji@example.com")
	id := tok["id_token"].(string)
	if err := verify(t, s, id, "n-v", time.Now()); err != nil {
		t.Fatalf("correct ID token rejected: %v", err)
	}
	c := decodeClaims(t, id)
	if c["sub"] != "4012345678" || c["nickname"] != "민지" || c["email"] != "minji@example.com" || c["picture"] == nil {
		t.Fatalf("claims %v", c)
	}
	iat, _ := c["iat"].(json.Number).Int64()
	exp, _ := c["exp"].(json.Number).Int64()
	if exp-iat != 21599 || c["auth_time"] == nil {
		t.Fatalf("exp-iat = %d, want expires_in 21599", exp-iat)
	}
}

func TestIDTokenOmitsUnverifiedEmailAndUnconsentedClaims(t *testing.T) {
	u := DefaultUsers()[1] // 이준호: email not verified
	u.Decline = []string{"profile_image"}
	s := newFake(t, WithUsers(u))
	c := decodeClaims(t, login(t, s, browser(t), "e")["id_token"].(string))
	if c["email"] != nil || c["picture"] != nil || c["nickname"] != "준호" || c["sub"] != "1376016924429759243" {
		t.Fatalf("claims %v", c)
	}
}

func TestIDTokenFaultsBreakVerification(t *testing.T) {
	s := newFake(t)
	faults := map[string]IDTokenFault{
		"wrong key": IDTokenWrongKey, "unknown kid": IDTokenUnknownKid, "alg none": IDTokenAlgNone,
		"HS256": IDTokenHS256, "tampered": IDTokenTampered, "truncated sig": IDTokenTruncatedSig,
		"wrong aud": IDTokenWrongAud, "wrong iss": IDTokenWrongIss, "expired": IDTokenExpired,
		"wrong nonce": IDTokenWrongNonce, "no nonce": IDTokenNoNonce,
	}
	for name, f := range faults {
		t.Run(name, func(t *testing.T) {
			s.FailIDToken(f)
			defer s.FailIDToken(IDTokenOK)
			tok := login(t, s, browser(t), "f")
			if err := verify(t, s, tok["id_token"].(string), "n-f", time.Now()); err == nil {
				t.Fatal("broken ID token verified")
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		s.FailIDToken(IDTokenMissing)
		defer s.FailIDToken(IDTokenOK)
		if tok := login(t, s, browser(t), "m"); tok["id_token"] != nil {
			t.Fatal("id_token present")
		}
	})
	t.Run("no kid still verifies with the single key", func(t *testing.T) {
		s.FailIDToken(IDTokenNoKid)
		defer s.FailIDToken(IDTokenOK)
		tok := login(t, s, browser(t), "k")
		parsed, err := jwt.ParseSigned(tok["id_token"].(string), []jose.SignatureAlgorithm{jose.RS256})
		if err != nil || parsed.Headers[0].KeyID != "" {
			t.Fatalf("parse: %v kid %q", err, parsed.Headers[0].KeyID)
		}
	})
	t.Run("claim mutator", func(t *testing.T) {
		s.MutateIDTokenClaims(func(c map[string]any) { c["aud"] = []string{s.ClientID, "other"} })
		defer s.MutateIDTokenClaims(nil)
		c := decodeClaims(t, login(t, s, browser(t), "a")["id_token"].(string))
		if _, ok := c["aud"].([]any); !ok {
			t.Fatalf("aud %v not an array", c["aud"])
		}
	})
}

func TestKeyRotation(t *testing.T) {
	clk := newClock()
	s := newFake(t, WithClock(clk.Now))
	oldKid := s.SigningKeyID()
	before := login(t, s, browser(t), "a")["id_token"].(string)
	newKid := s.RotateKeyTo(otherKey())
	after := login(t, s, browser(t), "b")["id_token"].(string)
	if newKid == oldKid || len(fetchJWKS(t, s).Keys) != 2 {
		t.Fatal("rotation did not publish a second key")
	}
	for _, tok := range []string{before, after} {
		if err := verify(t, s, tok, decodeClaims(t, tok)["nonce"].(string), clk.Now()); err != nil {
			t.Fatalf("token fails during overlap: %v", err)
		}
	}
	clk.Add(25 * time.Hour)
	if ks := fetchJWKS(t, s); len(ks.Keys) != 1 || ks.Keys[0].KeyID != newKid {
		t.Fatalf("retired key still published after its lifetime: %d keys", len(ks.Keys))
	}
	s.RotateKeyTo(otherKey())
	s.DropRetiredKeys()
	if len(fetchJWKS(t, s).Keys) != 1 {
		t.Fatal("DropRetiredKeys kept old keys")
	}
	s.AddJWK(map[string]any{"kty": "AKP", "kid": "junk"})
	_, raw := get(t, s, PathJWKS, nil, "")
	if keys := raw["keys"].([]any); len(keys) != 2 || keys[1].(map[string]any)["kid"] != "junk" {
		t.Fatalf("extra JWK not published: %v", raw)
	}
}

func TestTokenInfoAndUserInfo(t *testing.T) {
	s := newFake(t)
	tok := login(t, s, browser(t), "t")
	st, info := postForm(t, s, PathTokenInfo, url.Values{"id_token": {tok["id_token"].(string)}}, "")
	if st != 200 || info["sub"] != "4012345678" || info["nonce"] != "n-t" {
		t.Fatalf("tokeninfo %d %v", st, info)
	}
	st, bad := postForm(t, s, PathTokenInfo, url.Values{"id_token": {"a.b.c"}}, "")
	wantKauthErr(t, st, bad, 400, "invalid_token", "KOE400")

	_, ui := get(t, s, PathOIDCUserInfo, nil, bearer(tok["access_token"]))
	if ui["sub"] != "4012345678" || ui["email_verified"] != true || ui["birthdate"] != "1991-02-14" ||
		ui["gender"] != "female" || ui["phone_number_verified"] != true {
		t.Fatalf("userinfo %v", ui)
	}
	resp, err := http.Get(s.URL + PathOIDCUserInfo + "?access_token=" + url.QueryEscape(tok["access_token"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("token in query accepted: %d", resp.StatusCode)
	}
}
