// Package secevent verifies the Security Event Tokens (RFC 8417) that
// Kakao's account status change webhook pushes (RFC 8935). Verify checks a
// token's shape and header, has its signature checked by Kakao's key set,
// and Parse checks the claims; every refusal is an *Error carrying the
// push-delivery error code to answer with. No error text contains the
// token or a claim value.
//
// Kakao's exact format is not fully documented, so where it is unconfirmed
// the parser accepts the plausible variants and reports which one arrived
// (Token.Typ, Token.SubjectSource) for the caller to log:
//
//   - header typ "secevent+jwt" (RFC 8417), its "application/" form, "JWT"
//     or none; any other typ is refused. The events claim, which an ID token
//     or access token never has, is what makes a JWT a SET here;
//   - the subject as a top-level sub, as a top-level sub_id object
//     (Shared Signals Framework: format "iss_sub"), or as a subject object in
//     the event (subject_type or format "iss-sub"/"iss_sub", or "opaque" with
//     id); all that are present must name the same user;
//   - aud as a string or an array.
package secevent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/internal/idtoken"
)

// Code is an RFC 8935 push-delivery error code.
type Code string

// The error codes of RFC 8935, section 2.4, that a receiver uses.
const (
	InvalidRequest  Code = "invalid_request"
	InvalidKey      Code = "invalid_key"
	InvalidIssuer   Code = "invalid_issuer"
	InvalidAudience Code = "invalid_audience"
)

// Error is a refused SET: the code and a description that quotes nothing
// from the token.
type Error struct {
	Code        Code
	Description string
}

func (e *Error) Error() string { return "secevent: " + string(e.Code) + ": " + e.Description }

func refuse(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Description: fmt.Sprintf(format, args...)}
}

// ErrKeysUnavailable is returned (wrapped) when the signature could not be
// checked because Kakao's key set could not be had: not the sender's
// fault, so not answered with a push-delivery error.
var ErrKeysUnavailable = errors.New("secevent: Kakao's key set is unavailable")

// Limits on what is parsed at all.
const (
	// MaxSize bounds a SET; Kakao's are well under 2 KiB.
	MaxSize = 16 << 10
	// maxEvents bounds the events of one SET (RFC 8417 allows several
	// related ones; the Shared Signals Framework sends one).
	maxEvents = 8
	// maxJTI bounds the jti.
	maxJTI = 256
	// maxURI bounds an event type URI.
	maxURI = 512
	// maxReason bounds a reason code.
	maxReason = 64
	// maxFields bounds the members of one event.
	maxFields = 64
)

// Checks are what a SET must satisfy besides its signature.
type Checks struct {
	// Issuer is the only accepted iss (and iss of a subject).
	Issuer string
	// Audiences are the accepted aud values (the app's keys).
	Audiences []string
	// Now is the time of the check.
	Now time.Time
	// MaxAge bounds how long ago iat may be; Leeway how far in the future
	// (clock skew).
	MaxAge, Leeway time.Duration
}

// Token is a verified SET.
type Token struct {
	// Typ is the header typ as received ("" when absent).
	Typ string
	// KeyID is the header kid.
	KeyID    string
	Issuer   string
	Audience []string
	IssuedAt time.Time
	JTI      string
	// TXN is the transaction claim (RFC 8417), "" when absent.
	TXN string
	// KakaoID is the user the events are about.
	KakaoID int64
	// SubjectSource says where the subject was found: "sub", "sub_id" or
	// "event" (several joined by "+" when they agreed).
	SubjectSource string
	// Events are the SET's events, ordered by type.
	Events []Event
}

// Event is one event of a SET.
type Event struct {
	// Type is the event type URI as received.
	Type string
	// Reason is the event's reason code when it has one of a plausible
	// shape (upper-case words, Kakao's unlink reasons), else "".
	Reason string
	// Fields are the event's members other than subject, as received.
	Fields map[string]json.RawMessage
}

// SignatureVerifier checks a compact JWS and returns its payload: Kakao's
// key set (RS256 only, published keys only).
type SignatureVerifier interface {
	VerifySignature(ctx context.Context, raw string) ([]byte, error)
}

// Header is the decoded protected header of a SET.
type Header struct {
	Alg string
	Typ string
	Kid string
}

// Verify checks raw completely: its shape, its header, its signature (by
// keys; an error matching idtoken.ErrKeySetUnavailable becomes
// ErrKeysUnavailable and is returned as a plain error) and its claims
// (Parse). A refusal is an *Error.
func Verify(ctx context.Context, raw string, keys SignatureVerifier, want Checks) (*Token, error) {
	h, err := ParseHeader(raw)
	if err != nil {
		return nil, err
	}
	payload, serr := keys.VerifySignature(ctx, raw)
	switch {
	case serr != nil && errors.Is(serr, idtoken.ErrKeySetUnavailable):
		return nil, fmt.Errorf("%w: %w", ErrKeysUnavailable, serr)
	case serr != nil && ctx.Err() != nil:
		return nil, fmt.Errorf("secevent: signature check: %w", ctx.Err())
	case errors.Is(serr, idtoken.ErrUnknownSigningKey):
		return nil, refuse(InvalidKey, "signed with a key that is not in Kakao's key set")
	case serr != nil:
		return nil, refuse(InvalidKey, "signature does not verify with Kakao's key set")
	}
	t, perr := Parse(payload, want)
	if perr != nil {
		return nil, perr
	}
	t.Typ, t.KeyID = h.Typ, h.Kid
	return t, nil
}

// ParseHeader checks the shape of raw (at most MaxSize, a compact JWS of
// three base64url parts, no JWE) and its protected header: alg RS256 and
// nothing else, a security-event typ or one of the tolerated variants. It
// returns an *Error on refusal.
func ParseHeader(raw string) (*Header, error) {
	if raw == "" {
		return nil, refuse(InvalidRequest, "empty body")
	}
	if len(raw) > MaxSize {
		return nil, refuse(InvalidRequest, "larger than %d bytes", MaxSize)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, refuse(InvalidRequest, "not a compact JWS (three dot-separated parts)")
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return nil, refuse(InvalidRequest, "not a compact JWS (base64url)")
			}
		}
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, refuse(InvalidRequest, "header is not base64url")
	}
	fields, err := object(hb)
	if err != nil {
		return nil, refuse(InvalidRequest, "header is not a JSON object")
	}
	var h Header
	for name, dst := range map[string]*string{"alg": &h.Alg, "typ": &h.Typ, "kid": &h.Kid} {
		if v, ok := fields[name]; ok {
			if json.Unmarshal(v, dst) != nil {
				return nil, refuse(InvalidRequest, "header %s is not a string", name)
			}
		}
	}
	if h.Alg != "RS256" {
		return nil, refuse(InvalidKey, "alg must be RS256")
	}
	if !TypAccepted(h.Typ) {
		return nil, refuse(InvalidRequest, "typ is not secevent+jwt")
	}
	if len(parts[2]) == 0 {
		return nil, refuse(InvalidKey, "unsigned")
	}
	return &h, nil
}

// TypAccepted reports whether a header typ is accepted: "secevent+jwt"
// (RFC 8417; "application/secevent+jwt" is the same media type), "JWT" or
// none, both of which Kakao may send (unconfirmed).
func TypAccepted(typ string) bool {
	t := strings.ToLower(typ)
	t = strings.TrimPrefix(t, "application/")
	return t == "secevent+jwt" || t == "jwt" || typ == ""
}

// TypStandard reports whether typ is RFC 8417's own.
func TypStandard(typ string) bool {
	return strings.TrimPrefix(strings.ToLower(typ), "application/") == "secevent+jwt"
}

// Parse checks the claims of a SET whose signature was verified: a JSON
// object with no claim given twice; iss exactly want.Issuer
// (InvalidIssuer); aud naming one of want.Audiences (InvalidAudience); iat
// within [Now-MaxAge-Leeway, Now+Leeway]; exp, when present, not past; a
// jti; one to eight events, each keyed by an absolute URI and an object; and
// exactly one subject, a Kakao user ID.
func Parse(payload []byte, want Checks) (*Token, *Error) {
	claims, err := object(payload)
	if err != nil {
		return nil, refuse(InvalidRequest, "claims are not a JSON object without repeated names")
	}
	t := &Token{}
	if e := t.checkIssuer(claims, want.Issuer); e != nil {
		return nil, e
	}
	if e := t.checkAudience(claims, want.Audiences); e != nil {
		return nil, e
	}
	if e := t.checkTimes(claims, want); e != nil {
		return nil, e
	}
	if e := t.readJTI(claims); e != nil {
		return nil, e
	}
	if v, ok := claims["txn"]; ok {
		if json.Unmarshal(v, &t.TXN) != nil || len(t.TXN) > maxJTI {
			return nil, refuse(InvalidRequest, "txn is not a short string")
		}
	}
	subjects, e := t.readEvents(claims, want.Issuer)
	if e != nil {
		return nil, e
	}
	if e := t.readSubject(claims, subjects, want.Issuer); e != nil {
		return nil, e
	}
	return t, nil
}

func (t *Token) checkIssuer(claims map[string]json.RawMessage, issuer string) *Error {
	v, ok := claims["iss"]
	if !ok || json.Unmarshal(v, &t.Issuer) != nil || t.Issuer != issuer || issuer == "" {
		return refuse(InvalidIssuer, "iss is not Kakao's issuer")
	}
	return nil
}

func (t *Token) checkAudience(claims map[string]json.RawMessage, accepted []string) *Error {
	v, ok := claims["aud"]
	if !ok {
		return refuse(InvalidAudience, "aud missing")
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		t.Audience = []string{one}
	} else if json.Unmarshal(v, &t.Audience) != nil || len(t.Audience) > 16 {
		return refuse(InvalidAudience, "aud is neither a string nor a short array of strings")
	}
	for _, a := range t.Audience {
		if a != "" && slices.Contains(accepted, a) {
			return nil
		}
	}
	return refuse(InvalidAudience, "aud names none of this app's keys")
}

func (t *Token) checkTimes(claims map[string]json.RawMessage, want Checks) *Error {
	v, ok := claims["iat"]
	if !ok {
		return refuse(InvalidRequest, "iat missing")
	}
	iat, err := idtoken.NumericDate(v)
	if err != nil {
		return refuse(InvalidRequest, "iat is not a NumericDate")
	}
	switch {
	case iat.After(want.Now.Add(want.Leeway)):
		return refuse(InvalidRequest, "iat is in the future")
	case iat.Before(want.Now.Add(-want.MaxAge - want.Leeway)):
		return refuse(InvalidRequest, "iat is older than %s", want.MaxAge)
	}
	t.IssuedAt = iat
	if v, ok := claims["exp"]; ok {
		exp, err := idtoken.NumericDate(v)
		if err != nil {
			return refuse(InvalidRequest, "exp is not a NumericDate")
		}
		if !exp.After(want.Now.Add(-want.Leeway)) {
			return refuse(InvalidRequest, "expired")
		}
	}
	return nil
}

func (t *Token) readJTI(claims map[string]json.RawMessage) *Error {
	v, ok := claims["jti"]
	if !ok || json.Unmarshal(v, &t.JTI) != nil || t.JTI == "" || len(t.JTI) > maxJTI || !printable(t.JTI) {
		return refuse(InvalidRequest, "jti missing or not a short printable string")
	}
	return nil
}

// subjectRef is one statement of whom a SET is about.
type subjectRef struct {
	source string
	sub    string
}

// readEvents reads the events claim and returns the subjects the events
// name.
func (t *Token) readEvents(claims map[string]json.RawMessage, issuer string) ([]subjectRef, *Error) {
	v, ok := claims["events"]
	if !ok {
		return nil, refuse(InvalidRequest, "events missing: not a security event token")
	}
	events, err := object(v)
	if err != nil || len(events) == 0 || len(events) > maxEvents {
		return nil, refuse(InvalidRequest, "events is not an object of 1 to %d events", maxEvents)
	}
	var subjects []subjectRef
	for typ, body := range events {
		if !eventURI(typ) {
			return nil, refuse(InvalidRequest, "an event type is not an absolute URI")
		}
		fields, err := object(body)
		if err != nil || len(fields) > maxFields {
			return nil, refuse(InvalidRequest, "an event is not a JSON object")
		}
		ev := Event{Type: typ, Fields: fields}
		if s, ok := fields["subject"]; ok {
			sub, e := parseSubject(s, issuer)
			if e != nil {
				return nil, e
			}
			subjects = append(subjects, subjectRef{"event", sub})
			delete(fields, "subject")
		}
		if r, ok := fields["reason"]; ok {
			var reason string
			if json.Unmarshal(r, &reason) == nil && reasonShape(reason) {
				ev.Reason = reason
			}
		}
		t.Events = append(t.Events, ev)
	}
	slices.SortFunc(t.Events, func(a, b Event) int { return strings.Compare(a.Type, b.Type) })
	return subjects, nil
}

// readSubject finds the user: top-level sub, top-level sub_id, and the
// events' subjects must agree, and at least one must be present.
func (t *Token) readSubject(claims map[string]json.RawMessage, refs []subjectRef, issuer string) *Error {
	if v, ok := claims["sub"]; ok {
		var sub string
		if json.Unmarshal(v, &sub) != nil {
			return refuse(InvalidRequest, "sub is not a string")
		}
		refs = append(refs, subjectRef{"sub", sub})
	}
	if v, ok := claims["sub_id"]; ok {
		sub, e := parseSubject(v, issuer)
		if e != nil {
			return e
		}
		refs = append(refs, subjectRef{"sub_id", sub})
	}
	if len(refs) == 0 {
		return refuse(InvalidRequest, "no subject")
	}
	var sources []string
	for _, r := range refs {
		if r.sub != refs[0].sub {
			return refuse(InvalidRequest, "the subjects of the SET disagree")
		}
		if !slices.Contains(sources, r.source) {
			sources = append(sources, r.source)
		}
	}
	id, err := idtoken.ParseKakaoID(refs[0].sub)
	if err != nil {
		return refuse(InvalidRequest, "the subject is not a Kakao user ID")
	}
	slices.Sort(sources)
	t.KakaoID, t.SubjectSource = id, strings.Join(sources, "+")
	return nil
}

// parseSubject reads a subject identifier object: {subject_type|format:
// "iss-sub"|"iss_sub", iss, sub} or {subject_type|format: "opaque", id}.
// An iss in it must be the issuer.
func parseSubject(raw json.RawMessage, issuer string) (string, *Error) {
	f, err := object(raw)
	if err != nil {
		return "", refuse(InvalidRequest, "a subject is not a JSON object")
	}
	str := func(name string) (string, bool) {
		var s string
		v, ok := f[name]
		return s, ok && json.Unmarshal(v, &s) == nil
	}
	kind, ok := str("subject_type")
	if !ok {
		kind, _ = str("format")
	}
	switch strings.ReplaceAll(kind, "-", "_") {
	case "iss_sub":
		if iss, ok := str("iss"); ok && iss != issuer {
			return "", refuse(InvalidIssuer, "a subject names another issuer")
		}
		if sub, ok := str("sub"); ok {
			return sub, nil
		}
	case "opaque":
		if id, ok := str("id"); ok {
			return id, nil
		}
	}
	return "", refuse(InvalidRequest, "a subject is not of a known format")
}

// object decodes a JSON object into its members, refusing a repeated
// member name (two parsers must not read different values from one token)
// and trailing data.
func object(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("not an object")
		}
		if _, dup := out[key]; dup {
			return nil, errors.New("repeated member")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	return out, nil
}

// eventURI accepts an absolute URI of printable ASCII without spaces.
func eventURI(s string) bool {
	if s == "" || len(s) > maxURI || !printable(s) || strings.Contains(s, " ") {
		return false
	}
	scheme, rest, ok := strings.Cut(s, ":")
	return ok && scheme != "" && rest != "" && !strings.ContainsAny(scheme, "/?#")
}

// reasonShape accepts upper-case words joined by underscores.
func reasonShape(s string) bool {
	if s == "" || len(s) > maxReason {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// printable reports whether s is printable ASCII.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
