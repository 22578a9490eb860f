package idtoken

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// ErrInvalid is matched (errors.Is) by every ID-token validation failure.
// Its text never contains the token.
var ErrInvalid = errors.New("kakaogin: invalid ID token")

// clockLeeway is the clock skew tolerated for exp, iat, nbf and auth_time.
const clockLeeway = 60 * time.Second

// MaxExchangeAge is how old an ID token returned by a code exchange may be
// (Checks.MaxAge): such a token was issued moments ago, so a much older one
// is stale or replayed.
const MaxExchangeAge = 10 * time.Minute

// Claims are the verified claims of a Kakao ID token.
type Claims struct {
	Subject  string // Kakao service user ID, digits only
	KakaoID  int64
	IssuedAt time.Time
	Expiry   time.Time
	AuthTime time.Time // zero when absent
	Nickname string
	Picture  string
	Email    string // never a proof of anything by itself
}

// Verifier checks Kakao ID tokens: go-oidc checks the signature (through
// the cached key set), iss and that aud contains the client ID; Verify makes
// the other checks of OpenID Connect Core, section 3.1.3.7, that go-oidc
// leaves to its callers, and every time check (exp, iat, nbf, auth_time),
// since go-oidc's expiry check, which also covers nbf, is off so that one
// leeway applies to all of them. The package doc lists them all. Get one from
// Provider.Verifier; it is safe for concurrent use.
type Verifier struct {
	issuer   string
	clientID string
	ks       oidc.KeySet
	cfg      oidc.Config
	now      func() time.Time
}

// newVerifier checks tokens of issuer for clientID, signed by keys of ks
// (issuer, audience, subject, the time claims, nonce, auth_time). Of
// go-oidc's skip flags only SkipExpiryCheck is set; checkClaims makes the
// exp and nbf checks it turns off.
func newVerifier(issuer, clientID string, ks oidc.KeySet, now func() time.Time) *Verifier {
	return &Verifier{
		issuer: issuer, clientID: clientID, ks: ks, now: now,
		cfg: oidc.Config{
			ClientID:             clientID,
			SupportedSigningAlgs: []string{oidc.RS256},
			SkipExpiryCheck:      true, // checked below, with the documented leeway
			Now:                  now,
		},
	}
}

// recordingKeySet remembers the key set's error, which go-oidc flattens to
// text, so that callers can still branch on ErrUnknownSigningKey.
type recordingKeySet struct {
	oidc.KeySet
	err error
}

func (r *recordingKeySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	p, err := r.KeySet.VerifySignature(ctx, jwt)
	r.err = err
	return p, err
}

// Checks says what, beyond the signature and the standard claims, an ID
// token must satisfy.
type Checks struct {
	// Nonce is the login attempt's nonce; empty means no nonce check, for
	// ID tokens returned by a token refresh, which belong to no login
	// attempt.
	Nonce string
	// MaxAge bounds how long ago the token was issued; 0 means no bound.
	MaxAge time.Duration
	// AuthAfter, when not zero, requires auth_time at or after it (minus
	// the clock leeway): the user must have authenticated again, not been
	// let through on an older Kakao session.
	AuthAfter time.Time
	// AccessToken, when not empty, is checked against at_hash if present.
	AccessToken string
	// Audiences, when not empty, replaces the client ID as what aud (and
	// azp, when present) must be exactly one of: the app keys its SDKs are
	// initialised with, for ID tokens an app obtained through an SDK.
	Audiences []string
}

// Verify validates raw and returns its claims. Every failure matches
// ErrInvalid; a failure to get the signing key also matches
// ErrUnknownSigningKey or ErrKeySetUnavailable. No error text contains the
// token.
func (t *Verifier) Verify(ctx context.Context, raw string, want Checks) (*Claims, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: missing", ErrInvalid)
	}
	if err := precheckJWT(raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	rec := &recordingKeySet{KeySet: t.ks}
	cfg := &t.cfg
	if len(want.Audiences) > 0 {
		// go-oidc knows one client ID; checkClaims checks aud against
		// the whole list.
		c := t.cfg
		c.ClientID, c.SkipClientIDCheck = "", true
		cfg = &c
	}
	tok, err := oidc.NewVerifier(t.issuer, rec, cfg).Verify(ctx, raw)
	if err != nil {
		if errors.Is(rec.err, ErrUnknownSigningKey) || errors.Is(rec.err, ErrKeySetUnavailable) {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, rec.err)
		}
		return nil, fmt.Errorf("%w: %s", ErrInvalid, redactJWT(err.Error(), raw))
	}
	var payload json.RawMessage
	if err := tok.Claims(&payload); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrInvalid, err)
	}
	if name, dup := duplicateClaim(payload); dup {
		return nil, fmt.Errorf("%w: claim %q appears twice", ErrInvalid, name)
	}
	var raws map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raws); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrInvalid, err)
	}
	c, err := t.checkClaims(raws, tok, want)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return c, nil
}

// checkClaims applies the checks go-oidc does not make.
func (t *Verifier) checkClaims(raws map[string]json.RawMessage, tok *oidc.IDToken, want Checks) (*Claims, error) {
	now := t.now()

	// aud: exactly our client ID (or one of the SDK keys asked for), as a
	// string or a one-element array, so a token issued to another app
	// cannot log in here.
	if len(want.Audiences) > 0 {
		if len(tok.Audience) != 1 || !slices.Contains(want.Audiences, tok.Audience[0]) {
			return nil, errors.New("aud must be exactly one of this app's SDK keys")
		}
	} else if len(tok.Audience) != 1 || tok.Audience[0] != t.clientID {
		return nil, errors.New("aud must be exactly this app's client ID")
	}
	if azp, ok := raws["azp"]; ok {
		var s string
		if json.Unmarshal(azp, &s) != nil || s != tok.Audience[0] {
			return nil, errors.New("azp is not the token's audience")
		}
	}

	// sub: a JSON string of 1–19 digits that fits an int64, so one Kakao
	// user has exactly one spelling.
	var sub string
	if err := json.Unmarshal(raws["sub"], &sub); err != nil {
		return nil, errors.New("sub must be a string")
	}
	id, err := ParseKakaoID(sub)
	if err != nil {
		return nil, fmt.Errorf("sub: %w", err)
	}

	// The registered time claims, each with leeway for clock skew: exp
	// and iat are required, nbf and auth_time are checked when present.
	// go-oidc's own expiry and nbf checks are off (SkipExpiryCheck), so
	// these are the only ones.
	times, err := readTimeClaims(raws)
	if err != nil {
		return nil, err
	}
	if now.After(times.exp.Add(clockLeeway)) {
		return nil, errors.New("expired")
	}
	if times.iat.After(now.Add(clockLeeway)) {
		return nil, errors.New("iat in the future")
	}
	if want.MaxAge > 0 && now.Sub(times.iat) > want.MaxAge {
		return nil, errors.New("issued too long ago")
	}
	if !times.nbf.IsZero() && times.nbf.After(now.Add(clockLeeway)) {
		return nil, errors.New("not valid yet (nbf in the future)")
	}
	if !times.authTime.IsZero() && times.authTime.After(now.Add(clockLeeway)) {
		return nil, errors.New("auth_time in the future")
	}

	// nonce, compared in constant time: the token belongs to this login
	// attempt and cannot be replayed into another.
	if want.Nonce != "" {
		if subtle.ConstantTimeCompare([]byte(tok.Nonce), []byte(want.Nonce)) != 1 {
			return nil, errors.New("nonce does not match this login attempt")
		}
	}

	c := &Claims{Subject: sub, KakaoID: id, IssuedAt: times.iat, Expiry: times.exp, AuthTime: times.authTime}
	var extra struct {
		Nickname string `json:"nickname"`
		Picture  string `json:"picture"`
		Email    string `json:"email"`
	}
	if err := tok.Claims(&extra); err != nil {
		return nil, fmt.Errorf("claims: %v", err)
	}
	c.Nickname, c.Picture, c.Email = extra.Nickname, extra.Picture, extra.Email

	// auth_time when the user had to authenticate again, so a
	// re-authentication cannot be satisfied by an old login.
	if !want.AuthAfter.IsZero() && (c.AuthTime.IsZero() || c.AuthTime.Before(want.AuthAfter.Add(-clockLeeway))) {
		return nil, errors.New("auth_time is older than this re-authentication")
	}

	// at_hash, when present (OpenID Connect Core 3.1.3.8): the access
	// token came with this ID token.
	if want.AccessToken != "" && tok.AccessTokenHash != "" {
		sum := sha256.Sum256([]byte(want.AccessToken))
		exp := base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
		if subtle.ConstantTimeCompare([]byte(exp), []byte(tok.AccessTokenHash)) != 1 {
			return nil, errors.New("at_hash does not match the access token")
		}
	}
	return c, nil
}

// timeClaims are a token's registered time claims; nbf and authTime are
// zero when absent.
type timeClaims struct {
	exp, iat, nbf, authTime time.Time
}

// maxNumericDate is the last second of the year 9999: a time claim beyond
// it is refused rather than converted, since time.Unix would overflow for
// values near the int64 limit and turn a far-future time into a past one.
const maxNumericDate = 253402300799

// readTimeClaims parses exp, iat, nbf and auth_time from the payload
// ourselves, so that every one is checked the same strict way: a JSON
// number (fractions are cut to whole seconds) from 0 to maxNumericDate.
// exp and iat must be present.
func readTimeClaims(raws map[string]json.RawMessage) (timeClaims, error) {
	var tc timeClaims
	for _, f := range []struct {
		name     string
		dst      *time.Time
		required bool
	}{
		{"exp", &tc.exp, true},
		{"iat", &tc.iat, true},
		{"nbf", &tc.nbf, false},
		{"auth_time", &tc.authTime, false},
	} {
		raw, ok := raws[f.name]
		if !ok {
			if f.required {
				return tc, fmt.Errorf("%s missing", f.name)
			}
			continue
		}
		t, err := NumericDate(raw)
		if err != nil {
			return tc, fmt.Errorf("%s: %w", f.name, err)
		}
		*f.dst = t
	}
	return tc, nil
}

// NumericDate parses a JWT NumericDate (RFC 7519, section 2): seconds since
// the Unix epoch as a JSON number from 0 to the end of the year 9999
// (fractions are cut to whole seconds); a string holding digits is
// refused. Security event tokens use it too.
func NumericDate(raw json.RawMessage) (time.Time, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return time.Time{}, errors.New("not a number")
	}
	if _, err := dec.Token(); err != io.EOF {
		return time.Time{}, errors.New("not a number")
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, errors.New("not a number")
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || f > maxNumericDate {
		return time.Time{}, errors.New("out of range")
	}
	return time.Unix(int64(f), 0), nil
}

// maxIDToken bounds the size of an ID token, so no parser sees a huge one.
const maxIDToken = 16 << 10

// precheckJWT checks the shape of a compact JWS before any parser sees it:
// at most 16 KiB, exactly three parts of base64url characters, no JWE and
// no JSON serialization.
func precheckJWT(raw string) error {
	if len(raw) > maxIDToken {
		return errors.New("larger than 16 KiB")
	}
	dots := 0
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '.':
			dots++
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return errors.New("not a compact JWS")
		}
	}
	if dots != 2 {
		return errors.New("not a compact JWS")
	}
	return nil
}

// duplicateClaim reports the first of the security-relevant claims that
// appears more than once in a JSON object, so that two parsers cannot read
// different values from one token (parser-differential hardening, §E).
func duplicateClaim(payload []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		key, _ := tok.(string)
		switch key {
		case "iss", "aud", "sub", "nonce", "exp", "iat", "nbf", "auth_time", "azp":
			if seen[key] {
				return key, true
			}
			seen[key] = true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}

// redactJWT removes the token from an error text, should a library ever put
// it there: tokens never reach logs.
func redactJWT(msg, raw string) string {
	if raw != "" && len(raw) > 16 {
		msg = string(bytes.ReplaceAll([]byte(msg), []byte(raw), []byte("[id_token]")))
	}
	return msg
}

// ready makes sure the verifier's key set is cached, fetching it within
// the key set's limits when it is not. A key set of another kind (tests)
// is taken as ready.
func (t *Verifier) ready(ctx context.Context) error {
	ks, ok := t.ks.(*keySet)
	if !ok {
		return nil
	}
	_, err := ks.cached(ctx)
	return err
}
