package kakaotest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Event types of the account status change webhook (security events), as
// FireSecurityEvent sends them. The profile-changed URI of Kakao's own
// KAKAO category is a best guess.
const (
	EventUserLinked               = "https://schemas.openid.net/secevent/oauth/event-type/user-linked"
	EventUserUnlinked             = "https://schemas.openid.net/secevent/oauth/event-type/user-unlinked"
	EventTokensRevoked            = "https://schemas.openid.net/secevent/oauth/event-type/token-revoked"
	EventSessionRevoked           = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
	EventCredentialChange         = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
	EventAccountDisabled          = "https://schemas.openid.net/secevent/risc/event-type/account-disabled"
	EventAccountEnabled           = "https://schemas.openid.net/secevent/risc/event-type/account-enabled"
	EventAccountPurged            = "https://schemas.openid.net/secevent/risc/event-type/account-purged"
	EventCredentialChangeRequired = "https://schemas.openid.net/secevent/risc/event-type/account-credential-change-required"
	EventProfileChanged           = "https://schemas.kakao.com/secevent/kakao/event-type/profile-changed"
)

// SecurityEvent is one event for FireSecurityEvent.
type SecurityEvent struct {
	// Type is the event type URI.
	Type string
	// UserID is the Kakao user the event is about.
	UserID int64
	// Reason, when set, is the event's reason (for user-unlinked, one of
	// the unlink callback's referrer types).
	Reason string
	// Fields are more members of the event (for profile-changed, the
	// changed items, such as "nickname").
	Fields map[string]any
}

// SETFault makes FireSecurityEvent send a SET wrong in one way.
type SETFault int

// SET faults. Each breaks exactly one property a receiver checks.
const (
	SETOK             SETFault = iota
	SETBadSignature            // signed by an unpublished key, header kid of the real key
	SETUnknownKid              // signed by an unpublished key with an unknown kid
	SETAlgNone                 // alg "none", no signature
	SETHS256                   // HS256 with the REST API key as HMAC key
	SETTampered                // payload changed after signing
	SETWrongIssuer             // iss is not the fake's issuer
	SETWrongAudience           // aud is another app's key
	SETOld                     // iat two hours ago
	SETFuture                  // iat an hour ahead
	SETNoJTI                   // no jti
	SETWrongTyp                // header typ "at+jwt"
	SETNoEvents                // no events claim (an ordinary JWT)
	SETWrongMediaType          // Content-Type application/json
	SETOversized               // body over 16 KiB (padded claim)
)

type setConfig struct {
	fault    SETFault
	jti      string
	aud      string
	typ      *string
	subject  string
	ctype    string
	timeout  time.Duration
	client   *http.Client
	iat      *time.Time
	mutate   func(header, claims map[string]any)
	extraEvs []SecurityEvent
}

// SETOption adjusts FireSecurityEvent.
type SETOption func(*setConfig)

// SETWith sends the SET wrong in the way f says.
func SETWith(f SETFault) SETOption { return func(c *setConfig) { c.fault = f } }

// SETJTI sets the jti (default a random one), to send the same SET twice.
func SETJTI(jti string) SETOption { return func(c *setConfig) { c.jti = jti } }

// SETAudience sets aud (default the REST API key), e.g. an SDK key.
func SETAudience(aud string) SETOption { return func(c *setConfig) { c.aud = aud } }

// SETTyp sets the header typ (default "secevent+jwt"); "" omits it.
func SETTyp(typ string) SETOption { return func(c *setConfig) { c.typ = &typ } }

// SETIssuedAt sets iat (default the fake's now).
func SETIssuedAt(t time.Time) SETOption { return func(c *setConfig) { c.iat = &t } }

// SETSubject says where the subject goes: "event" (default: the event's
// subject object, subject_type "iss-sub", as Kakao's receivers assume),
// "sub" (a top-level sub claim), "sub_id" (a top-level sub_id object,
// format "iss_sub", as the Shared Signals Framework puts it) or "all".
func SETSubject(where string) SETOption { return func(c *setConfig) { c.subject = where } }

// SETContentType sets the Content-Type (default application/secevent+jwt).
func SETContentType(ct string) SETOption { return func(c *setConfig) { c.ctype = ct } }

// SETTimeout sets the deadline (default 3 s, Kakao's limit).
func SETTimeout(d time.Duration) SETOption { return func(c *setConfig) { c.timeout = d } }

// SETClient sets the HTTP client (default: a plain client). Redirects are
// never followed.
func SETClient(hc *http.Client) SETOption { return func(c *setConfig) { c.client = hc } }

// SETMutate edits the header and claims before signing.
func SETMutate(fn func(header, claims map[string]any)) SETOption {
	return func(c *setConfig) { c.mutate = fn }
}

// SETAlso adds more events to the same SET.
func SETAlso(evs ...SecurityEvent) SETOption {
	return func(c *setConfig) { c.extraEvs = append(c.extraEvs, evs...) }
}

// SETAnswer is the receiver's answer to a SET.
type SETAnswer struct {
	Status int
	// Body is the answer's body (RFC 8935's error object on a 400).
	Body string
	// JTI is the jti the SET carried.
	JTI string
	// Header is the answer's header.
	Header http.Header
}

// SignSecurityEvent returns a SET for ev as Kakao's account status change
// webhook sends it (best knowledge: header alg RS256, typ secevent+jwt,
// kid of the signing key; claims iss, aud the REST API key, iat, jti, and
// events keyed by type URI, each with a subject object and a reason),
// signed by the fake's current key, broken as the options say, and its
// jti.
func (s *Server) SignSecurityEvent(ev SecurityEvent, opts ...SETOption) (tok, jti string) {
	cfg := setConfig{jti: "set-" + randomHex(16), subject: "event"}
	for _, o := range opts {
		o(&cfg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := s.keys[len(s.keys)-1]
	hdr := map[string]any{"alg": "RS256", "typ": "secevent+jwt", "kid": key.kid}
	if cfg.typ != nil {
		if *cfg.typ == "" {
			delete(hdr, "typ")
		} else {
			hdr["typ"] = *cfg.typ
		}
	}
	now := s.now()
	if cfg.iat != nil {
		now = *cfg.iat
	}
	aud := s.ClientID
	if cfg.aud != "" {
		aud = cfg.aud
	}
	claims := map[string]any{"iss": s.iss(), "aud": aud, "iat": now.Unix(), "jti": cfg.jti,
		"txn": "txn-" + randomHex(8)}
	events := map[string]any{}
	for _, e := range append([]SecurityEvent{ev}, cfg.extraEvs...) {
		body := map[string]any{}
		for k, v := range e.Fields {
			body[k] = v
		}
		sub := strconv.FormatInt(e.UserID, 10)
		if cfg.subject == "event" || cfg.subject == "all" {
			body["subject"] = map[string]any{"subject_type": "iss-sub", "iss": s.iss(), "sub": sub}
		}
		if cfg.subject == "sub" || cfg.subject == "all" {
			claims["sub"] = sub
		}
		if cfg.subject == "sub_id" || cfg.subject == "all" {
			claims["sub_id"] = map[string]any{"format": "iss_sub", "iss": s.iss(), "sub": sub}
		}
		if e.Reason != "" {
			body["reason"] = e.Reason
		}
		events[e.Type] = body
	}
	claims["events"] = events
	s.breakSET(cfg.fault, hdr, claims)
	if cfg.mutate != nil {
		cfg.mutate(hdr, claims)
	}
	return s.signSET(cfg.fault, key, hdr, claims), cfg.jti
}

// breakSET applies the claim and header faults. Hold s.mu.
func (s *Server) breakSET(f SETFault, hdr, claims map[string]any) {
	switch f {
	case SETUnknownKid:
		hdr["kid"] = randomHex(15)
	case SETWrongIssuer:
		claims["iss"] = "https://evil.example"
	case SETWrongAudience:
		claims["aud"] = randomHex(16)
	case SETOld:
		claims["iat"] = s.now().Add(-2 * time.Hour).Unix()
	case SETFuture:
		claims["iat"] = s.now().Add(time.Hour).Unix()
	case SETNoJTI:
		delete(claims, "jti")
	case SETWrongTyp:
		hdr["typ"] = "at+jwt"
	case SETNoEvents:
		delete(claims, "events")
		claims["sub"] = "4012345678"
	case SETOversized:
		claims["padding"] = strings.Repeat("x", 17<<10)
	}
}

// signSET signs the SET, applying the signature faults. Hold s.mu.
func (s *Server) signSET(f SETFault, key *signingKey, hdr, claims map[string]any) string {
	switch f {
	case SETAlgNone:
		hdr["alg"] = "none"
		return encodeSegment(hdr) + "." + encodeSegment(claims) + "."
	case SETHS256:
		hdr["alg"] = "HS256"
		return hs256(s.ClientID, hdr, claims)
	case SETBadSignature, SETUnknownKid:
		return signRS256(otherKey(), hdr, claims)
	}
	tok := signRS256(key.priv, hdr, claims)
	if f == SETTampered {
		parts := strings.Split(tok, ".")
		claims["iss"] = claims["iss"].(string) + "/"
		parts[1] = encodeSegment(claims)
		tok = strings.Join(parts, ".")
	}
	return tok
}

// FireSecurityEvent signs a SET for ev (see SignSecurityEvent) and pushes it
// to rawURL as Kakao's account status change webhook does: POST, the token
// as the body, Content-Type application/secevent+jwt, Accept
// application/json, within 3 s, no redirects followed. It returns the
// receiver's answer; an error only when no answer came.
func (s *Server) FireSecurityEvent(ctx context.Context, rawURL string, ev SecurityEvent, opts ...SETOption) (SETAnswer, error) {
	tok, jti := s.SignSecurityEvent(ev, opts...)
	return PushSET(ctx, rawURL, tok, jti, opts...)
}

// PushSET pushes an already signed token (for example one from
// SignSecurityEvent, to send it again) to rawURL. jti is only returned in
// the answer.
func PushSET(ctx context.Context, rawURL, tok, jti string, opts ...SETOption) (SETAnswer, error) {
	cfg := setConfig{ctype: "application/secevent+jwt", timeout: 3 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.fault == SETWrongMediaType {
		cfg.ctype = "application/json"
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, strings.NewReader(tok))
	if err != nil {
		return SETAnswer{}, fmt.Errorf("kakaotest: security event: %w", err)
	}
	req.Header.Set("Content-Type", cfg.ctype)
	req.Header.Set("Accept", "application/json")
	resp, err := sendOnce(cfg.client, req)
	if err != nil {
		return SETAnswer{}, fmt.Errorf("kakaotest: security event: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return SETAnswer{Status: resp.StatusCode, Body: string(b), JTI: jti, Header: resp.Header}, nil
}

// hs256 signs with HMAC-SHA256 under secret: a forgery, since Kakao signs
// with RSA only.
func hs256(secret string, hdr, claims map[string]any) string {
	in := encodeSegment(hdr) + "." + encodeSegment(claims)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
