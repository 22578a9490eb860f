package kakaogin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/internal/idtoken"
	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
)

// Token sign-in limits.
const (
	// tokenNonceLife is how long a nonce of POST token/nonce can be used:
	// long enough for the SDK's login, Kakao Talk and back.
	tokenNonceLife = 10 * time.Minute
	// maxTokenBody bounds the JSON of POST token: an ID token is at most
	// 16 KiB (longer ones are refused unread), the rest is small.
	maxTokenBody = 24 << 10
	// maxKakaoToken bounds an access or refresh token; Kakao's are under
	// a hundred characters.
	maxKakaoToken = 2048
	// maxNonce bounds a nonce; the ones issued here have 43 characters.
	maxNonce = 128
)

// Values of a token nonce's record in the store.
var (
	nonceIssued = []byte("issued")
	nonceUsed   = []byte("used")
)

// tokenRoutes reports whether POST token and its companions are served:
// they need the app ID (to check an access token's app) and, with OpenID
// Connect, the SDK keys (the audience of an SDK's ID token).
func (k *Kakao) tokenRoutes() bool {
	return k.cfg.AppID > 0 && (k.cfg.Login.DisableOIDC || len(k.cfg.SDKKeys) > 0)
}

// AllowBearer lets the route accept API clients' sessions: a request with
// "Authorization: Bearer <session token>" (the token POST token answered
// with) is then logged in as that session, and Middleware, RequireLogin,
// RequireScopes, CurrentUser, Client and RequireCSRF work for it as for a
// browser, except that it gets no cookie and needs no CSRF token (nothing
// of it is sent by a browser on its own, so a forged cross-site request
// cannot carry it). Install it after Middleware and before RequireLogin:
//
//	api := r.Group("/api", kg.AllowBearer())
//	api.GET("/me", kg.RequireLogin(), handler)
//
// Browsers' cookie sessions keep working on the same routes. Routes
// without it are cookie-only: there a bearer token is not looked at, and
// RequireLogin, RequireScopes and RequireCSRF refuse the request with the
// JSON error bearer_not_allowed.
func (k *Kakao) AllowBearer() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := k.sessions.AcceptBearer(c); err != nil {
			k.failJSON(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
			return
		}
		c.Next()
	}
}

// cookieOnly refuses API clients on the library's browser routes, which
// set cookies and redirect.
func (k *Kakao) cookieOnly(c *gin.Context) {
	if k.sessions.IsBearer(c) {
		k.refuseBearer(c)
		return
	}
	c.Next()
}

// refuseBearer answers a bearer request on a cookie-only route.
func (k *Kakao) refuseBearer(c *gin.Context) {
	k.event(c.Request.Context(), "bearer token refused", "reason", "cookie-only route", "path", c.FullPath())
	k.failJSON(c, newError(http.StatusForbidden, CodeBearerNotAllowed, errors.New("bearer token on a cookie-only route")))
}

// failJSON answers c with e as JSON whatever the Accept header says: API
// clients' routes.
func (k *Kakao) failJSON(c *gin.Context, e *Error) {
	setOutcome(c, string(e.Code))
	k.errors.renderJSON(c, e, "")
}

// nonceKey is a token nonce's key in the session store: namespaced, and
// hashed, so that the store holds no usable nonce.
func nonceKey(nonce string) string {
	return "kakaologin:token-nonce:" + hashState(nonce)
}

// handleTokenNonce is POST token/nonce: a fresh nonce for an app's SDK
// login, single use, valid for tokenNonceLife on every instance sharing
// the store. Each one stores a small record, so a client gets at most
// Login.NewSessionsPerMinute of them a minute.
func (k *Kakao) handleTokenNonce(c *gin.Context) {
	if err := k.sessions.StartBearer(c); err != nil {
		k.failJSON(c, newError(http.StatusInternalServerError, CodeInternal, err))
		return
	}
	if !k.allowNewSession(c) {
		k.event(c.Request.Context(), "token nonce refused", "reason", "too many from this client")
		k.failJSON(c, newError(http.StatusTooManyRequests, CodeTooManyLogins, errors.New("too many token nonces from this client")))
		return
	}
	nonce := randomToken()
	ok, err := k.sessions.Store().CompareAndSwap(c.Request.Context(), nonceKey(nonce), nil, nonceIssued, k.cfg.Now().Add(tokenNonceLife))
	if err == nil && !ok {
		err = errors.New("a fresh nonce is already stored")
	}
	if err != nil {
		k.failJSON(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	setPageHeaders(c.Writer.Header(), "")
	c.JSON(http.StatusOK, gin.H{"nonce": nonce, "expires_in": int(tokenNonceLife / time.Second)})
}

// tokenRequest is the JSON of POST token: what Kakao's SDK gave the app.
type tokenRequest struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	Nonce        string `json:"nonce"`
}

// tokenAnswer is the JSON answer of POST token.
type tokenAnswer struct {
	// Status is "logged_in" or "pending".
	Status string `json:"status"`
	// SessionToken is sent back as "Authorization: Bearer <it>".
	SessionToken string `json:"session_token"`
	TokenType    string `json:"token_type"`
	// User is the identity, when logged in.
	User *meJSON `json:"user,omitempty"`
	// Pending describes a pending signup or proof.
	Pending *pendingJSON `json:"pending,omitempty"`
}

// pendingJSON tells an app what the host needs before the login completes.
type pendingJSON struct {
	Kind           string   `json:"kind"`
	URL            string   `json:"url,omitempty"`
	KakaoID        int64    `json:"kakao_id,string"`
	Nickname       string   `json:"nickname,omitempty"`
	Email          string   `json:"email,omitempty"`
	EmailVerified  bool     `json:"email_verified"`
	NeedsAgreement []string `json:"needs_agreement,omitempty"`
	ExpiresIn      int      `json:"expires_in"`
}

// handleTokenSignIn is POST token: an app signs in with the tokens Kakao's
// SDK gave it. Every check that needs no Kakao call comes first (the body,
// the ID token's signature, issuer, time claims, audience and nonce
// claim, the nonce's record); then exactly one access-token-info call
// (the token must be this app's and live) and one user-info call (the
// same user as the ID token and the token info). The nonce is consumed,
// once, just before the session is written, so a refused sign-in writes
// nothing and a transient failure does not burn it. Linking, hooks and
// the session are then those of the web login; the answer is JSON, never
// a cookie or a redirect.
func (k *Kakao) handleTokenSignIn(c *gin.Context) {
	rec := k.beginFlow(c, "kakaologin.token_sign_in")
	rec.flow = flowToken
	defer k.countCallback(c, rec)
	// Failed sign-ins count against the client as failed callbacks do
	// (see clientGuard for what the client is).
	client := c.ClientIP()
	if k.tokenFails.blocked(client) {
		k.event(c.Request.Context(), "token sign-in rejected", "reason", "too many failures from this client")
		k.failJSON(c, newError(http.StatusTooManyRequests, CodeTooManyAttempts, errors.New("too many failed token sign-ins from this client")))
		return
	}
	defer func() {
		if s := c.Writer.Status(); s >= 400 && s < 500 {
			k.tokenFails.fail(client)
		}
	}()
	if err := k.sessions.StartBearer(c); err != nil {
		k.failJSON(c, newError(http.StatusInternalServerError, CodeInternal, err))
		return
	}
	req, ok := k.readSignIn(c)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), callbackBudget)
	defer cancel()
	claims, ok := k.verifySDKIDToken(ctx, c, req)
	if !ok {
		return
	}
	info, user, ok := k.checkSDKAccessToken(ctx, c, req, claims)
	if !ok {
		return
	}
	k.signIn(ctx, c, req, claims, info, user)
}

// refuseSignIn answers a token sign-in refused for reason (logged, never
// with the tokens).
func (k *Kakao) refuseSignIn(c *gin.Context, status int, code ErrorCode, reason string, err error) {
	k.event(c.Request.Context(), "token sign-in rejected", "reason", reason)
	k.failJSON(c, newError(status, code, err))
}

// readSignIn reads the sign-in request and checks the shape of its tokens
// and nonce; when it reports false it has answered.
func (k *Kakao) readSignIn(c *gin.Context) (*tokenRequest, bool) {
	req, e := readTokenRequest(c)
	if e != nil {
		k.refuseSignIn(c, e.Status, e.Code, "malformed request", e.Err)
		return nil, false
	}
	oidc := !k.cfg.Login.DisableOIDC
	switch {
	case req.AccessToken == "" || len(req.AccessToken) > maxKakaoToken || !printableASCII(req.AccessToken):
		k.refuseSignIn(c, http.StatusBadRequest, CodeBadRequest, "access_token missing or malformed", errors.New("access_token missing or malformed"))
	case req.RefreshToken != "" && (len(req.RefreshToken) > maxKakaoToken || !printableASCII(req.RefreshToken)):
		k.refuseSignIn(c, http.StatusBadRequest, CodeBadRequest, "refresh_token malformed", errors.New("refresh_token malformed"))
	case oidc && req.IDToken == "":
		k.refuseSignIn(c, http.StatusBadRequest, CodeInvalidIDToken, "id_token missing", errors.New("id_token missing (the app uses OpenID Connect)"))
	case oidc && (req.Nonce == "" || len(req.Nonce) > maxNonce || !printableASCII(req.Nonce)):
		k.refuseSignIn(c, http.StatusBadRequest, CodeInvalidNonce, "nonce missing or malformed", errors.New("nonce missing or malformed"))
	default:
		return req, true
	}
	return nil, false
}

// verifySDKIDToken verifies the app's ID token (issued for one of the SDK
// keys, bound to the access token by at_hash) and that its nonce is one
// this server issued and nobody used; it returns nil claims when the app
// does not use OpenID Connect. When it reports false it has answered.
func (k *Kakao) verifySDKIDToken(ctx context.Context, c *gin.Context, req *tokenRequest) (*idtoken.Claims, bool) {
	if k.cfg.Login.DisableOIDC {
		return nil, true
	}
	v, err := k.oidc.Verifier(ctx)
	if err != nil {
		k.failJSON(c, newError(http.StatusServiceUnavailable, CodeKakaoUnavailable, err))
		return nil, false
	}
	claims, err := v.Verify(ctx, req.IDToken, idtoken.Checks{
		Nonce: req.Nonce, MaxAge: idtoken.MaxExchangeAge, AccessToken: req.AccessToken, Audiences: k.cfg.SDKKeys,
	})
	if err != nil {
		if errors.Is(err, ErrUnknownSigningKey) || errors.Is(err, ErrKeySetUnavailable) {
			k.failJSON(c, newError(http.StatusServiceUnavailable, CodeInvalidIDToken, err)) // keys may be rotating
			return nil, false
		}
		k.refuseSignIn(c, http.StatusBadRequest, CodeInvalidIDToken, "invalid ID token", err)
		return nil, false
	}
	// The nonce must be one this server issued and nobody used: a read
	// here; the single use is enforced by the swap in signIn.
	b, found, err := k.sessions.Store().Find(ctx, nonceKey(req.Nonce))
	if err != nil {
		k.failJSON(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return nil, false
	}
	if !found || !bytes.Equal(b, nonceIssued) {
		k.refuseSignIn(c, http.StatusBadRequest, CodeInvalidNonce, "unknown, expired or used nonce", errors.New("nonce unknown, expired or used"))
		return nil, false
	}
	return claims, true
}

// checkSDKAccessToken asks Kakao about the access token, once each: it must
// be live, of this app, and of the ID token's user, and user info must be
// of that same user. When it reports false it has answered.
func (k *Kakao) checkSDKAccessToken(ctx context.Context, c *gin.Context, req *tokenRequest, claims *idtoken.Claims) (*kakaoapi.AccessTokenInfo, *kakaoapi.User, bool) {
	info, err := k.api.AccessTokenInfo(ctx, kakaoapi.Bearer(req.AccessToken))
	switch {
	case errors.Is(err, kakaoapi.ErrInvalidToken), errors.Is(err, kakaoapi.ErrBadParameter), errors.Is(err, kakaoapi.ErrNotLinked):
		k.refuseSignIn(c, http.StatusUnauthorized, CodeInvalidAccessToken, "access token refused by Kakao", err)
		return nil, nil, false
	case err != nil:
		k.failJSON(c, kakaoError(err))
		return nil, nil, false
	case info.AppID != k.cfg.AppID:
		k.event(ctx, "token sign-in rejected", "reason", "access token of another app", "app_id", info.AppID)
		k.failJSON(c, newError(http.StatusUnauthorized, CodeInvalidAccessToken, fmt.Errorf("access token of app %d, not this app", info.AppID)))
		return nil, nil, false
	case info.ExpiresIn <= 0:
		k.refuseSignIn(c, http.StatusUnauthorized, CodeInvalidAccessToken, "access token expired", errors.New("access token expired"))
		return nil, nil, false
	case claims != nil && info.ID != claims.KakaoID:
		k.refuseSignIn(c, http.StatusBadRequest, CodeIdentityMismatch, "access token of another user", errors.New("access token info id differs from the ID token sub"))
		return nil, nil, false
	}
	user, err := k.api.Me(ctx, kakaoapi.Bearer(req.AccessToken), &kakaoapi.MeOptions{SecureResource: true})
	switch {
	case errors.Is(err, kakaoapi.ErrInvalidToken), errors.Is(err, kakaoapi.ErrNotLinked):
		k.refuseSignIn(c, http.StatusUnauthorized, CodeInvalidAccessToken, "access token refused by Kakao", err)
		return nil, nil, false
	case err != nil:
		k.failJSON(c, kakaoError(err))
		return nil, nil, false
	case user.ID != info.ID:
		k.refuseSignIn(c, http.StatusBadRequest, CodeIdentityMismatch, "user info of another user", errors.New("user info id differs from the access token's user"))
		return nil, nil, false
	}
	return info, user, true
}

// signIn finishes a checked sign-in: the nonce is used up (compare and
// swap, so that one of two concurrent sign-ins wins), then the web flow's
// linking, OnLogin and a new bearer session, answered with its token.
func (k *Kakao) signIn(ctx context.Context, c *gin.Context, req *tokenRequest, claims *idtoken.Claims, info *kakaoapi.AccessTokenInfo, user *kakaoapi.User) {
	now := k.cfg.Now()
	l, err := k.loginOf(ctx, user, claims, agreedScopes(user, claims))
	if err != nil {
		k.failJSON(c, asError(err))
		return
	}
	ts := &session.TokenSet{AccessToken: req.AccessToken, RefreshToken: req.RefreshToken, AccessExpiry: now.Add(info.ExpiresIn), Scopes: l.Scopes}
	if claims != nil {
		ok, err := k.sessions.Store().CompareAndSwap(ctx, nonceKey(req.Nonce), nonceIssued, nonceUsed, now.Add(tokenNonceLife))
		if err != nil {
			k.failJSON(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
			return
		}
		if !ok {
			k.refuseSignIn(c, http.StatusBadRequest, CodeInvalidNonce, "nonce used concurrently", errors.New("nonce used by a concurrent sign-in"))
			return
		}
	}
	if l.UserID == "" && k.linkingConfigured() {
		pending, err := k.resolveNewUser(ctx, l, user)
		if err != nil {
			k.failJSON(c, asError(err))
			return
		}
		if pending != nil {
			k.answerPending(c, pending, l, user, ts)
			return
		}
	}
	if err := k.callOnLogin(c.Request.Context(), identityOf(l)); err != nil {
		k.endRefusedLogin(c, err)
		k.failJSON(c, asError(err))
		return
	}
	if err := k.sessions.LogIn(c, l, ts); err != nil {
		k.failJSON(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	k.event(ctx, "login", "kakao_id", l.KakaoID, "user_id", l.UserID, "via", "token")
	cur, _ := k.current(c)
	me := meOf(identityOf(cur))
	setPageHeaders(c.Writer.Header(), "")
	c.JSON(http.StatusOK, tokenAnswer{Status: "logged_in", SessionToken: k.sessions.BearerToken(c), TokenType: "Bearer", User: &me})
}

// answerPending holds the sign-in as pending in a new bearer session and
// tells the app what the host needs: a signup or proof of an existing
// account, completed by the host's own API (CompletePending) with that
// session's token.
func (k *Kakao) answerPending(c *gin.Context, p *PendingIdentity, l *session.Login, user *kakaoapi.User, ts *session.TokenSet) {
	nu := newUserOf(user, l)
	if err := k.holdPending(c, p, l, nu, ts); err != nil {
		k.failJSON(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	to := k.pendingTarget(c, p)
	k.event(c.Request.Context(), "login pending", "kakao_id", l.KakaoID, "kind", p.Kind, "via", "token")
	setPageHeaders(c.Writer.Header(), "")
	c.JSON(http.StatusAccepted, tokenAnswer{
		Status: "pending", SessionToken: k.sessions.BearerToken(c), TokenType: "Bearer",
		Pending: &pendingJSON{
			Kind: p.Kind, URL: to, KakaoID: l.KakaoID, Nickname: l.Nickname, Email: nu.Email,
			EmailVerified: nu.EmailVerified, NeedsAgreement: nu.NeedsAgreement, ExpiresIn: int(pendingLife / time.Second),
		},
	})
}

// readTokenRequest reads the JSON body of POST token: application/json,
// at most maxTokenBody bytes, one object, no repeated field.
func readTokenRequest(c *gin.Context) (*tokenRequest, *Error) {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		return nil, newError(http.StatusUnsupportedMediaType, CodeBadRequest, errors.New("Content-Type must be application/json"))
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxTokenBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, newError(http.StatusRequestEntityTooLarge, CodeBadRequest, fmt.Errorf("body over %d bytes", maxTokenBody))
		}
		return nil, newError(http.StatusBadRequest, CodeBadRequest, fmt.Errorf("reading the body: %w", err))
	}
	req, err := parseTokenRequest(body)
	if err != nil {
		return nil, newError(http.StatusBadRequest, CodeBadRequest, err)
	}
	return req, nil
}

// parseTokenRequest decodes a token sign-in's JSON: one object whose
// fields are strings and appear at most once (a repeated field could be
// read differently by a proxy that checked the request), and nothing after
// it. Other fields the SDK's token object has (expires_in, scopes…) are
// ignored.
func parseTokenRequest(body []byte) (*tokenRequest, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, errors.New("body is not a JSON object")
	}
	var req tokenRequest
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, errors.New("malformed JSON")
		}
		name, _ := t.(string)
		if seen[name] {
			return nil, fmt.Errorf("field %q repeated", name)
		}
		seen[name] = true
		var dst *string
		switch name {
		case "access_token":
			dst = &req.AccessToken
		case "id_token":
			dst = &req.IDToken
		case "refresh_token":
			dst = &req.RefreshToken
		case "nonce":
			dst = &req.Nonce
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errors.New("malformed JSON")
		}
		if dst != nil && string(raw) != "null" {
			if err := json.Unmarshal(raw, dst); err != nil {
				return nil, fmt.Errorf("field %q is not a string", name)
			}
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, errors.New("malformed JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return &req, nil
}

// agreedScopes are the consent items a token sign-in can vouch for: openid
// with a verified ID token, and the kakao_account items user info reports
// as agreed (needs_agreement false). The app's own list of scopes is not
// taken, as nothing could check it; items user info does not report (such
// as talk_message) are therefore not known for these sessions.
func agreedScopes(u *kakaoapi.User, claims *idtoken.Claims) []string {
	var out []string
	if claims != nil {
		out = append(out, "openid")
	}
	if a := u.KakaoAccount; a != nil {
		out = append(out, accountItems(a, false)...)
	}
	return out
}

// requireBearer loads the bearer session of the token routes that act on
// one, and refuses a browser's request: they check no CSRF token, which is
// safe only because a browser never sends a bearer token by itself.
func (k *Kakao) requireBearer(c *gin.Context) bool {
	if !k.sessions.IsBearer(c) {
		k.failJSON(c, newError(http.StatusUnauthorized, CodeLoginRequired, errors.New("token route without a bearer token")))
		return false
	}
	if err := k.sessions.AcceptBearer(c); err != nil {
		k.failJSON(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return false
	}
	return true
}

// tokenLogoutRequest is the optional JSON of POST token/logout.
type tokenLogoutRequest struct {
	// Everywhere ends every session of the user, browsers' included.
	Everywhere bool `json:"everywhere"`
}

// handleTokenLogout is POST token/logout: the bearer session ends (with
// {"everywhere":true}, every session of the user). Logging out a session
// that is already gone is not an error.
func (k *Kakao) handleTokenLogout(c *gin.Context) {
	defer k.beginFlow(c, "kakaologin.logout").end(c)
	if !k.requireBearer(c) {
		return
	}
	var req tokenLogoutRequest
	if c.Request.ContentLength != 0 {
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 1024))
		if err != nil || (len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &req) != nil) {
			k.failJSON(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("malformed logout request")))
			return
		}
	}
	ctx := c.Request.Context()
	l, loggedIn := k.current(c)
	if loggedIn && req.Everywhere {
		n, err := k.LogoutEverywhere(ctx, l.KakaoID, l.UserID)
		if err != nil {
			k.failJSON(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
			return
		}
		k.event(ctx, "logout everywhere", "kakao_id", l.KakaoID, "sessions", n, "via", "token")
	}
	if err := k.sessions.LogOut(c); err != nil {
		k.failJSON(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	if loggedIn {
		if !req.Everywhere { // LogoutEverywhere counted this one with the rest
			k.sessionsEnded(ctx, causeLogoutToken, 1)
		}
		k.event(ctx, "logout", "kakao_id", l.KakaoID, "via", "token")
	}
	setPageHeaders(c.Writer.Header(), "")
	c.JSON(http.StatusOK, gin.H{"status": "logged_out"})
}

// handleTokenUnlink is POST token/unlink: POST unlink for an app. The user
// is unlinked at Kakao, every session of the user ends and OnUnlink runs.
// With Unlink.MaxAuthAge, a login older than that gets 401
// reauth_required: the app logs in with the SDK again and signs in anew.
func (k *Kakao) handleTokenUnlink(c *gin.Context) {
	defer k.beginFlow(c, "kakaologin.unlink").end(c)
	if !k.requireBearer(c) {
		return
	}
	l, ok := k.current(c)
	if !ok {
		k.loginRequired(c)
		return
	}
	if max := k.cfg.Unlink.MaxAuthAge; max > 0 && k.cfg.Now().Sub(l.AuthTime) > max {
		k.failJSON(c, newError(http.StatusUnauthorized, CodeReauthRequired, errors.New("login older than Unlink.MaxAuthAge")))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), unlinkTimeout)
	defer cancel()
	if err := k.UnlinkAtKakao(ctx, c, l.KakaoID); err != nil {
		k.failJSON(c, kakaoError(err))
		return
	}
	if err := k.userLeft(ctx, l.KakaoID, ReferrerService, causeUnlink, 2*time.Second); err != nil {
		k.failJSON(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	_ = k.sessions.LogOut(c) // already revoked by userLeft
	setPageHeaders(c.Writer.Header(), "")
	c.JSON(http.StatusOK, gin.H{"status": "unlinked"})
}
