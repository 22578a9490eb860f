package kakaotest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// authCode is an issued authorization code.
type authCode struct {
	req      authRequest
	userID   int64
	items    []string // consent items agreed on the way
	terms    []string // service terms agreed on the way
	authTime time.Time
	expires  time.Time
}

type accessToken struct {
	userID  int64
	expires time.Time
	refresh string // paired refresh token
	appID   int64  // the app it was issued to; 0 is this fake's app
}

type refreshToken struct {
	userID   int64
	expires  time.Time
	openid   bool // issued together with an ID token
	authTime time.Time
}

type issue struct {
	at      time.Time
	refresh bool
}

// Tokens is what IssueTokens and the token endpoint hand out.
type Tokens struct {
	AccessToken           string `json:"access_token"`
	TokenType             string `json:"token_type"`
	ExpiresIn             int    `json:"expires_in"`
	RefreshToken          string `json:"refresh_token,omitempty"`
	RefreshTokenExpiresIn int    `json:"refresh_token_expires_in,omitempty"`
	IDToken               string `json:"id_token,omitempty"`
	Scope                 string `json:"scope,omitempty"`
}

func randomToken(n int) string {
	return strings.TrimRight(base64.RawURLEncoding.EncodeToString([]byte(randomHex(n))), "=")[:n]
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		kauthError(w, 400, "invalid_request", "KOE001", "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") == "" || f.Get("client_id") == "" {
		kauthError(w, 400, "invalid_request", "KOE207", "grant_type and client_id are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Get("client_id") != s.ClientID {
		kauthError(w, 401, "invalid_client", "KOE101", "Not exist client_id ["+f.Get("client_id")+"]")
		return
	}
	if s.ClientSecret != "" && subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(s.ClientSecret)) != 1 {
		kauthError(w, 401, "invalid_client", "KOE010", "Bad client credentials")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		s.exchangeCode(w, r)
	case "refresh_token":
		s.refreshGrant(w, r)
	default:
		kauthError(w, 400, "unsupported_grant_type", "KOE001", "unsupported grant_type: "+f.Get("grant_type"))
	}
}

// exchangeCode serves the authorization-code grant. Hold s.mu.
func (s *Server) exchangeCode(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	raw := f.Get("code")
	c, ok := s.codes[raw]
	delete(s.codes, raw) // single use, whatever happens next
	if !ok || !s.now().Before(c.expires) {
		kauthError(w, 400, "invalid_grant", "KOE320", "authorization code not found for code="+raw)
		return
	}
	if f.Get("redirect_uri") != c.req.redirectURI {
		kauthError(w, 400, s.beh.RedirectMismatchError, s.beh.RedirectMismatchCode,
			"redirect_uri mismatch: "+f.Get("redirect_uri"))
		return
	}
	if msg := checkPKCE(c.req, f.Get("code_verifier"), s.beh.PKCERequireVerifier); msg != "" {
		kauthError(w, 400, "invalid_grant", "KOE320", msg)
		return
	}
	st, ok := s.users[c.userID]
	if !ok {
		kauthError(w, 400, "invalid_grant", "KOE320", "authorization code not found for code="+raw)
		return
	}
	if s.rateLimited(st.ID, false) {
		kauthError(w, 429, "invalid_request", "KOE237", "token request rate limit exceeded")
		return
	}
	s.agree(st, c.items, c.terms, "KAUTH")
	withID := s.beh.OIDC && (!c.req.scopeParam || c.req.openid)
	writeJSON(w, http.StatusOK, s.issueTokens(st, withID, c.req.nonce, c.authTime))
}

// checkPKCE returns "" when the verifier matches the code's challenge.
func checkPKCE(a authRequest, verifier string, require bool) string {
	if a.challenge == "" {
		return ""
	}
	if verifier == "" {
		if require {
			return "code_verifier is required"
		}
		return ""
	}
	got := verifier
	if a.method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		got = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(a.challenge)) != 1 {
		return "code_verifier mismatch"
	}
	return ""
}

// agree links st if needed and records new agreements. Hold s.mu.
func (s *Server) agree(st *userState, items, terms []string, by string) {
	now := s.now()
	if !st.linked {
		st.linked, st.connectedAt = true, now
		st.signedUp = false
		if len(s.terms) > 0 {
			st.synchedAt = now
		}
	}
	for _, it := range s.scopes {
		if it.Required {
			if _, ok := st.consents[it.ID]; !ok {
				st.consents[it.ID] = agreement{at: now}
			}
		}
	}
	for _, id := range items {
		st.consents[id] = agreement{at: now}
	}
	for _, tag := range terms {
		st.terms[tag] = agreement{at: now, by: by}
	}
}

// issueTokens creates a token pair (and ID token). Hold s.mu.
func (s *Server) issueTokens(st *userState, withID bool, nonce string, authTime time.Time) Tokens {
	now := s.now()
	at, rt := randomToken(54), randomToken(54)
	s.access[at] = &accessToken{userID: st.ID, expires: now.Add(s.beh.AccessTokenLifetime), refresh: rt}
	s.refresh[rt] = &refreshToken{userID: st.ID, expires: now.Add(s.beh.RefreshTokenLifetime), openid: withID, authTime: authTime}
	t := Tokens{
		AccessToken: at, TokenType: "bearer", ExpiresIn: seconds(s.beh.AccessTokenLifetime),
		RefreshToken: rt, RefreshTokenExpiresIn: seconds(s.beh.RefreshTokenLifetime),
	}
	scopes := slices.Sorted(maps.Keys(st.consents))
	if withID {
		t.IDToken = s.idToken(st, nonce, authTime)
		scopes = append(scopes, "openid")
	}
	t.Scope = strings.Join(scopes, " ")
	s.issued[st.ID] = append(s.issued[st.ID], issue{at: now})
	return t
}

// seconds is a lifetime as Kakao reports it: one second short.
func seconds(d time.Duration) int { return max(int(d/time.Second)-1, 0) }

// refreshGrant serves the refresh-token grant. Hold s.mu.
func (s *Server) refreshGrant(w http.ResponseWriter, r *http.Request) {
	raw := r.PostForm.Get("refresh_token")
	if raw == "" {
		kauthError(w, 400, "invalid_request", "KOE319", "refresh_token is required")
		return
	}
	rt, ok := s.refresh[raw]
	now := s.now()
	if !ok || !now.Before(rt.expires) {
		delete(s.refresh, raw)
		kauthError(w, 400, "invalid_grant", "KOE322", "expired_or_invalid_refresh_token")
		return
	}
	st := s.users[rt.userID]
	if s.rateLimited(st.ID, true) {
		kauthError(w, 429, "invalid_request", "KOE237", "token request rate limit exceeded")
		return
	}
	at := randomToken(54)
	s.access[at] = &accessToken{userID: st.ID, expires: now.Add(s.beh.AccessTokenLifetime), refresh: raw}
	t := Tokens{AccessToken: at, TokenType: "bearer", ExpiresIn: seconds(s.beh.AccessTokenLifetime)}
	if rt.expires.Sub(now) < s.beh.RefreshRotateWithin {
		nrt := randomToken(54)
		delete(s.refresh, raw)
		s.refresh[nrt] = &refreshToken{userID: st.ID, expires: now.Add(s.beh.RefreshTokenLifetime), openid: rt.openid, authTime: rt.authTime}
		s.access[at].refresh = nrt
		t.RefreshToken, t.RefreshTokenExpiresIn = nrt, seconds(s.beh.RefreshTokenLifetime)
	}
	if rt.openid && s.beh.OIDC {
		t.IDToken = s.idToken(st, "", rt.authTime)
	}
	if s.beh.RefreshScope {
		t.Scope = strings.Join(slices.Sorted(maps.Keys(st.consents)), " ")
	}
	s.issued[st.ID] = append(s.issued[st.ID], issue{at: now, refresh: true})
	writeJSON(w, http.StatusOK, t)
}

// rateLimited applies KOE237 (20 access tokens / 10 min, 30 refreshes /
// 60 min per user) when Behavior.TokenRateLimit is on. Hold s.mu.
func (s *Server) rateLimited(userID int64, refresh bool) bool {
	if !s.beh.TokenRateLimit {
		return false
	}
	now := s.now()
	n := 0
	window, limit := 10*time.Minute, 20
	if refresh {
		window, limit = time.Hour, 30
	}
	for _, is := range s.issued[userID] {
		if now.Sub(is.at) < window && (!refresh || is.refresh) {
			n++
		}
	}
	return n >= limit
}

// IssueTokens links userID, records consent to the required items and
// scopes, and returns fresh tokens (with an ID token when OIDC is on),
// skipping the browser dance.
func (s *Server) IssueTokens(userID int64, scopes ...string) (Tokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.loginDirectly("issue tokens", userID, scopes)
	if err != nil {
		return Tokens{}, err
	}
	return s.issueTokens(st, s.beh.OIDC, "", s.now()), nil
}

// loginDirectly is a login without the browser: userID must exist and
// scopes be known items; the user agrees to them and is linked. s.mu is
// held.
func (s *Server) loginDirectly(what string, userID int64, scopes []string) (*userState, error) {
	st, ok := s.users[userID]
	if !ok {
		return nil, fmt.Errorf("kakaotest: %s: %w: %d", what, ErrUnknownUser, userID)
	}
	for _, sc := range scopes {
		if _, ok := s.scopeByID(sc); !ok {
			return nil, fmt.Errorf("kakaotest: %s: %w: %q", what, ErrUnknownScope, sc)
		}
	}
	s.agree(st, scopes, nil, "KAUTH")
	if !s.beh.AutoLink {
		st.signedUp = true
	}
	return st, nil
}

// RevokeUserTokens kills every token of userID (as admin logout does).
func (s *Server) RevokeUserTokens(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeAll(userID)
}

// revokeAll deletes all tokens of userID. Hold s.mu.
func (s *Server) revokeAll(userID int64) {
	maps.DeleteFunc(s.access, func(_ string, t *accessToken) bool { return t.userID == userID })
	maps.DeleteFunc(s.refresh, func(_ string, t *refreshToken) bool { return t.userID == userID })
}

// UnlinkUser unlinks userID as if it happened outside the service (the
// user disconnected the app in Kakao): tokens die, consents, terms and
// properties are withdrawn. Follow it with FireUnlinkCallback.
func (s *Server) UnlinkUser(userID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("kakaotest: unlink: %w: %d", ErrUnknownUser, userID)
	}
	s.revokeAll(userID)
	st.unlink()
	return nil
}
