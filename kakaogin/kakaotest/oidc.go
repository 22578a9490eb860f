package kakaotest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// signingKey is one RSA key of the JWKS.
type signingKey struct {
	kid       string
	priv      *rsa.PrivateKey
	retiredAt time.Time // zero while it is the signing key
}

// IDTokenFault makes the fake issue broken ID tokens (FailIDToken).
type IDTokenFault int

// ID-token faults. Each breaks exactly one property a relying party checks.
const (
	IDTokenOK           IDTokenFault = iota // a correct token
	IDTokenWrongKey                         // signed by an unpublished key, header kid of the real key
	IDTokenUnknownKid                       // signed by an unpublished key with an unknown kid
	IDTokenNoKid                            // correctly signed, no kid header
	IDTokenAlgNone                          // alg "none", empty signature
	IDTokenHS256                            // HS256 with the client secret (or REST API key) as HMAC key
	IDTokenTampered                         // payload changed (sub) after signing
	IDTokenTruncatedSig                     // signature cut short
	IDTokenWrongAud                         // aud is another app's key
	IDTokenWrongIss                         // iss is not the fake's issuer
	IDTokenExpired                          // exp (and iat) in the past
	IDTokenWrongNonce                       // nonce differs from the authorize nonce
	IDTokenNoNonce                          // nonce omitted
	IDTokenMissing                          // no id_token in the token response
)

// FailIDToken makes every ID token issued from now on carry fault f until
// FailIDToken(IDTokenOK) or Reset.
func (s *Server) FailIDToken(f IDTokenFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idFault = f
}

// MutateIDTokenClaims sets fn to edit the claims of every ID token before
// signing (nil removes it), for cases no IDTokenFault covers (aud arrays,
// azp, numeric sub, old auth_time, another user's sub, …).
func (s *Server) MutateIDTokenClaims(fn func(claims map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idMutate = fn
}

// RotateKey makes a new RSA key the signing key and returns its kid. The
// old key stays in the JWKS for Behavior.RetiredKeyLifetime.
func (s *Server) RotateKey() string { return s.RotateKeyTo(mustKey()) }

// RotateKeyTo is RotateKey with a given key (fast in tests).
func (s *Server) RotateKeyTo(k *rsa.PrivateKey) string {
	kid := randomHex(15)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, old := range s.keys {
		if old.retiredAt.IsZero() {
			old.retiredAt = now
		}
	}
	s.keys = append(s.keys, &signingKey{kid: kid, priv: k})
	return kid
}

// DropRetiredKeys removes every key but the signing key from the JWKS.
func (s *Server) DropRetiredKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = s.keys[len(s.keys)-1:]
}

// SigningKeyID returns the kid of the current signing key.
func (s *Server) SigningKeyID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1].kid
}

// AddJWK publishes an extra raw JWK (e.g. {"kty":"AKP"} or use "enc") next
// to the real keys, for key-set robustness tests.
func (s *Server) AddJWK(jwk map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extraJWKs = append(s.extraJWKs, jwk)
}

// idClaims builds the ID-token claims for st as consented. Hold s.mu.
func (s *Server) idClaims(st *userState, aud, nonce string, authTime time.Time) map[string]any {
	now := s.now()
	c := map[string]any{
		"iss": s.iss(), "aud": aud, "sub": strconv.FormatInt(st.ID, 10),
		"iat": now.Unix(), "exp": now.Add(s.beh.AccessTokenLifetime).Unix() - 1, "auth_time": authTime.Unix(),
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	legacy := st.agreed("profile")
	if (legacy || st.agreed("profile_nickname")) && st.Nickname != "" {
		c["nickname"] = st.Nickname
	}
	if (legacy || st.agreed("profile_image")) && st.ThumbnailImageURL != "" {
		c["picture"] = imageURL(st.ThumbnailImageURL, false) // http, as in Kakao's samples
	}
	if st.agreed("account_email") && st.Email != "" && st.EmailValid && st.EmailVerified {
		c["email"] = st.Email
	}
	return c
}

// idToken returns a signed ID token, or "" for IDTokenMissing. Hold s.mu.
func (s *Server) idToken(st *userState, nonce string, authTime time.Time) string {
	return s.idTokenFor(st, s.ClientID, nonce, authTime)
}

// idTokenFor is idToken with the audience aud (an SDK's key). Hold s.mu.
func (s *Server) idTokenFor(st *userState, aud, nonce string, authTime time.Time) string {
	c := s.idClaims(st, aud, nonce, authTime)
	key := s.keys[len(s.keys)-1]
	hdr := map[string]any{"alg": "RS256", "typ": "JWT", "kid": key.kid}
	priv := key.priv
	switch s.idFault {
	case IDTokenMissing:
		return ""
	case IDTokenWrongKey:
		priv = otherKey()
	case IDTokenUnknownKid:
		priv, hdr["kid"] = otherKey(), randomHex(15)
	case IDTokenNoKid:
		delete(hdr, "kid")
	case IDTokenWrongAud:
		c["aud"] = randomHex(16)
	case IDTokenWrongIss:
		c["iss"] = "https://evil.example"
	case IDTokenExpired:
		c["iat"] = s.now().Add(-2 * time.Hour).Unix()
		c["exp"] = s.now().Add(-time.Hour).Unix()
	case IDTokenWrongNonce:
		c["nonce"] = "wrong-" + randomHex(8)
	case IDTokenNoNonce:
		delete(c, "nonce")
	}
	if s.idMutate != nil {
		s.idMutate(c)
	}
	switch s.idFault {
	case IDTokenAlgNone:
		hdr["alg"] = "none"
		return encodeSegment(hdr) + "." + encodeSegment(c) + "."
	case IDTokenHS256:
		hdr["alg"] = "HS256"
		secret := s.ClientSecret
		if secret == "" {
			secret = s.ClientID
		}
		in := encodeSegment(hdr) + "." + encodeSegment(c)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	tok := signRS256(priv, hdr, c)
	switch s.idFault {
	case IDTokenTampered:
		parts := strings.Split(tok, ".")
		c["sub"] = c["sub"].(string) + "1"
		parts[1] = encodeSegment(c)
		tok = strings.Join(parts, ".")
	case IDTokenTruncatedSig:
		tok = tok[:len(tok)-10]
	}
	return tok
}

// otherKey is an RSA key nobody publishes. 1024 bits keeps it quick; it
// only has to produce a signature that does not verify.
func otherKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic("kakaotest: generate RSA key: " + err.Error())
	}
	return k
}

func encodeSegment(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func signRS256(k *rsa.PrivateKey, hdr, claims map[string]any) string {
	in := encodeSegment(hdr) + "." + encodeSegment(claims)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		return in + "." // cannot happen with a valid key
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

var errBadJWT = errors.New("invalid token")

// verifyJWT checks an RS256 token against the published keys and returns
// its claims. It backs /oauth/tokeninfo. Hold s.mu.
func (s *Server) verifyJWT(tok string) (map[string]any, error) {
	if len(tok) > 16<<10 {
		return nil, errBadJWT
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errBadJWT
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &hdr) != nil || hdr.Alg != "RS256" {
		return nil, errBadJWT
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errBadJWT
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	ok := false
	for _, k := range s.publishedKeys() {
		if (hdr.Kid == "" || hdr.Kid == k.kid) && rsa.VerifyPKCS1v15(&k.priv.PublicKey, crypto.SHA256, sum[:], sig) == nil {
			ok = true
			break
		}
	}
	if !ok {
		return nil, errBadJWT
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errBadJWT
	}
	var claims map[string]any
	dec := json.NewDecoder(strings.NewReader(string(pb)))
	dec.UseNumber()
	if dec.Decode(&claims) != nil {
		return nil, errBadJWT
	}
	if claims["iss"] != s.iss() {
		return nil, errBadJWT
	}
	exp, _ := claims["exp"].(json.Number)
	if e, err := exp.Int64(); err != nil || s.now().Unix() >= e {
		return nil, errBadJWT
	}
	return claims, nil
}

// publishedKeys are the keys in the JWKS now. Hold s.mu.
func (s *Server) publishedKeys() []*signingKey {
	var out []*signingKey
	now := s.now()
	for _, k := range s.keys {
		if k.retiredAt.IsZero() || s.beh.RetiredKeyLifetime == 0 || now.Sub(k.retiredAt) < s.beh.RetiredKeyLifetime {
			out = append(out, k)
		}
	}
	return out
}

func (s *Server) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := []any{}
	for _, k := range s.publishedKeys() {
		pub := k.priv.PublicKey
		keys = append(keys, map[string]string{
			"kid": k.kid, "kty": "RSA", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		})
	}
	for _, j := range s.extraJWKs {
		keys = append(keys, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func (s *Server) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.iss(),
		"authorization_endpoint":                s.URL + PathAuthorize,
		"token_endpoint":                        s.URL + PathToken,
		"userinfo_endpoint":                     s.URL + PathOIDCUserInfo,
		"jwks_uri":                              s.URL + PathJWKS,
		"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"request_uri_parameter_supported":       false,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported": []string{"iss", "aud", "sub", "auth_time", "exp", "iat", "nonce",
			"nickname", "picture", "email"},
	})
}

func (s *Server) handleSSE(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": s.iss(), "jwks_uri": s.URL + PathJWKS,
		"delivery_methods_supported": []string{"http://schemas.openid.net/secevent/risc/delivery-method/push"},
	})
}

func (s *Server) handleTokenInfo(w http.ResponseWriter, r *http.Request) {
	tok := r.PostForm.Get("id_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	claims, err := s.verifyJWT(tok)
	if err != nil {
		kauthError(w, 400, "invalid_token", "KOE400", "invalid id_token")
		return
	}
	writeJSON(w, http.StatusOK, claims)
}
