package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"

	"github.com/kakaologin/kakaologin/kakaogin/internal/idtoken"
	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// Limits on callback parameters; longer values are refused before any
// store lookup or token request.
const (
	maxState = 512
	maxCode  = 512
)

// callbackBudget bounds the Kakao calls of one callback, so that a slow Kakao
// cannot hold the request open: exchange, key set and user info together.
const callbackBudget = 10 * time.Second

// handleCallback is GET callback: it finishes a login or consent flow.
// Order matters: the state is checked and its flow consumed (once) before
// any call to Kakao, so forged or replayed callbacks never reach the token
// endpoint; the code is exchanged once, never retried, as codes are
// single-use; the ID token is verified before user info is read; the
// session is renewed (against session fixation) and saved before the
// redirect, so that a store failure shows an error page, not a redirect.
func (k *Kakao) handleCallback(c *gin.Context) {
	rec := k.beginFlow(c, "kakaologin.callback")
	defer k.countCallback(c, rec)
	g := k.callbackGuard(c)
	defer g.settle(c)
	flow, code, ok := k.takeCallbackFlow(c, rec, g)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), callbackBudget)
	defer cancel()
	tok, err := k.api.Exchange(ctx, code, flow.Verifier)
	if err != nil {
		k.fail(c, kakaoError(err))
		return
	}
	id, user, err := k.identify(ctx, tok, flow)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = kakaoError(err)
		}
		k.fail(c, e)
		return
	}
	k.finishCallback(ctx, c, flow, tok, id, user)
}

// clientGuard is the callback failure budget of one request's client.
// A client whose callbacks keep failing to match a flow of their own
// browser is refused for a while, so that spraying made-up states and
// codes costs at most one store read each. The client is Gin's ClientIP,
// which trusts forwarding headers only from the proxies the host
// configured with engine.SetTrustedProxies — hosts behind a proxy must
// configure it (Gin's default trusts every peer). Many browsers may share
// one address (an office, a carrier's NAT), so the budget never stops a
// callback whose state names a flow of the browser's own session, and
// such a callback never counts against it.
type clientGuard struct {
	k       *Kakao
	client  string
	blocked bool // the budget is spent: refusals say so
	matched bool // the state named a flow of this browser's session
}

// callbackGuard starts the budget check of c's client.
func (k *Kakao) callbackGuard(c *gin.Context) *clientGuard {
	client := c.ClientIP()
	return &clientGuard{k: k, client: client, blocked: k.callbackFails.blocked(client)}
}

// refuse answers a callback that matched no flow of the browser, as too
// many attempts when the client's budget is spent.
func (g *clientGuard) refuse(c *gin.Context, e *Error) {
	if g.blocked {
		e = newError(http.StatusTooManyRequests, CodeTooManyAttempts, fmt.Errorf("too many failed callbacks from this client; then: %w", e))
	}
	g.k.fail(c, e)
}

// settle counts a refused callback that matched no flow of the browser
// against the client's budget.
func (g *clientGuard) settle(c *gin.Context) {
	if s := c.Writer.Status(); !g.matched && s >= 400 && s < 500 {
		g.k.callbackFails.fail(g.client)
	}
}

// takeCallbackFlow reads the callback's parameters, consumes the flow its
// state names and returns it with the authorization code; when it reports
// false it has answered (a malformed request, a state that names no live
// flow of this browser, a replay after login, Kakao's error, or a bad
// code).
func (k *Kakao) takeCallbackFlow(c *gin.Context, rec *flowRecord, g *clientGuard) (session.Flow, string, bool) {
	// Malformed or repeated parameters get their 400 either way: no store
	// work is done for them.
	q, ok := k.singleParams(c, "state", "code", "error", "error_description", "iss")
	if !ok {
		return session.Flow{}, "", false
	}
	state := q["state"]
	if state == "" || len(state) > maxState || hasForbiddenRune(state) {
		k.event(c.Request.Context(), "callback rejected", "reason", "state missing or malformed")
		g.refuse(c, newError(http.StatusBadRequest, CodeStateMismatch, errors.New("state missing or malformed")))
		return session.Flow{}, "", false
	}
	if !k.sessions.CookieSent(c) {
		// The login route set the session cookie; a browser that comes
		// back without it did not keep it. Starting again would loop.
		k.event(c.Request.Context(), "callback rejected", "reason", "no session cookie")
		g.refuse(c, newError(http.StatusBadRequest, CodeCookiesBlocked, errors.New("callback without a session cookie")))
		return session.Flow{}, "", false
	}
	taken := k.sessionOp(c, "take_flow")
	flow, err := k.sessions.TakeFlow(c, hashState(state))
	taken(err)
	switch {
	case errors.Is(err, session.ErrFlowUsed):
		rec.flow = flowName(flow.Purpose)
		if k.replayedCallback(c, flow) {
			g.matched = true
			return session.Flow{}, "", false
		}
		k.event(c.Request.Context(), "callback rejected", "reason", "used state")
		g.refuse(c, newError(http.StatusBadRequest, CodeStateMismatch, err))
		return session.Flow{}, "", false
	case errors.Is(err, session.ErrFlowExpired):
		g.matched = true // this browser's own flow, only too old
		k.fail(c, newError(http.StatusBadRequest, CodeFlowExpired, err))
		return session.Flow{}, "", false
	case err != nil && (errors.Is(err, session.ErrFlowNotFound) || errors.Is(err, session.ErrNotLoggedIn)):
		k.event(c.Request.Context(), "callback rejected", "reason", "unknown state")
		g.refuse(c, newError(http.StatusBadRequest, CodeStateMismatch, err))
		return session.Flow{}, "", false
	case err != nil:
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return session.Flow{}, "", false
	}
	g.matched = true
	rec.flow = flowName(flow.Purpose)
	switch flow.Purpose {
	case purposeLogin, purposeLoginAuto, purposeConsent, purposeReauth, purposeLink:
	default:
		k.fail(c, newError(http.StatusBadRequest, CodeStateMismatch, fmt.Errorf("flow purpose %q", flow.Purpose)))
		return session.Flow{}, "", false
	}
	// RFC 9207: when Kakao names an issuer it must be ours (mix-up defence).
	if iss, ok := q["iss"]; ok && iss != k.cfg.Endpoint.Issuer {
		k.fail(c, newError(http.StatusBadRequest, CodeStateMismatch, errors.New("iss parameter names another issuer")))
		return session.Flow{}, "", false
	}
	if aerr := kakaoapi.ParseAuthorizeError(c.Request.URL.Query()); aerr != nil {
		k.authorizeError(c, flow, aerr)
		return session.Flow{}, "", false
	}
	code := q["code"]
	if code == "" || len(code) > maxCode || !printableASCII(code) {
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("code missing or malformed")))
		return session.Flow{}, "", false
	}
	return flow, code, true
}

// finishCallback completes the flow for the identified Kakao user: a
// consent or link flow its own way; a login (or re-authentication) by the
// host's linking hooks, OnLogin, a renewed session and the redirect to
// where the login was going.
func (k *Kakao) finishCallback(ctx context.Context, c *gin.Context, flow session.Flow, tok *kakaoapi.Token, id *session.Login, user *kakaoapi.User) {
	switch flow.Purpose {
	case purposeConsent:
		k.finishConsent(ctx, c, tok, flow, id)
		return
	case purposeLink:
		k.finishLink(ctx, c, id, tokenSet(tok), flow)
		return
	case purposeReauth:
		// The fresh login must be the same user, still logged in: a
		// re-authentication flow cannot log anyone else in.
		cur, ok := k.current(c)
		if !ok || kakaoBinding(cur.KakaoID) != flow.UserID || id.KakaoID != cur.KakaoID {
			k.fail(c, newError(http.StatusBadRequest, CodeStateMismatch, errors.New("re-authentication by a different user")))
			return
		}
		id.Scopes = cur.Scopes
	default: // a login of a Kakao user not linked yet: the host's linking hooks decide
		if id.UserID == "" && k.linkingConfigured() {
			pending, err := k.resolveNewUser(ctx, id, user)
			if err != nil {
				k.fail(c, asError(err))
				return
			}
			if pending != nil {
				k.sendPending(c, pending, id, user, tok, flow)
				return
			}
		}
	}
	if err := k.callOnLogin(c.Request.Context(), identityOf(id)); err != nil {
		k.endRefusedLogin(c, err)
		k.fail(c, asError(err))
		return
	}
	loggedIn := k.sessionOp(c, "log_in")
	err := k.sessions.LogIn(c, id, tokenSet(tok))
	loggedIn(err)
	if err != nil {
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	k.event(ctx, "login", "kakao_id", id.KakaoID, "user_id", id.UserID)
	setPageHeaders(c.Writer.Header(), "")
	c.Redirect(http.StatusSeeOther, flow.ReturnTo)
}

// replayedCallback answers the callback of a flow this session already
// finished (the browser's Back button, a reload, a second tab) by sending
// the browser on to where that flow was going, without using the code
// again. It does so only when the session is logged in by that flow or
// after it (a login flow), or as the user the flow was bound to (consent,
// re-authentication, link); it reports false, having answered nothing,
// otherwise.
func (k *Kakao) replayedCallback(c *gin.Context, used session.Flow) bool {
	cur, ok := k.current(c)
	if !ok {
		return false
	}
	switch used.Purpose {
	case purposeLogin, purposeLoginAuto:
		if cur.LoggedInAt.Before(used.UsedAt) {
			return false // logged in before this flow: it did not log anyone in
		}
	case purposeConsent, purposeReauth, purposeLink:
		if used.UserID != kakaoBinding(cur.KakaoID) && (cur.UserID == "" || used.UserID != linkBinding(cur.UserID)) {
			return false
		}
	default:
		return false
	}
	to := used.ReturnTo
	if to == "" {
		to = k.returnTo.resolve("")
	}
	setOutcome(c, outcomeRepeated)
	k.event(c.Request.Context(), "callback repeated after login; sent on", "kakao_id", cur.KakaoID, "purpose", used.Purpose)
	setPageHeaders(c.Writer.Header(), "")
	c.Redirect(http.StatusSeeOther, to)
	return true
}

// identify verifies the ID token, reads the user and resolves the host
// user. It returns the login state to save and Kakao's user info.
func (k *Kakao) identify(ctx context.Context, tok *kakaoapi.Token, flow session.Flow) (*session.Login, *kakaoapi.User, error) {
	var claims *idtoken.Claims
	if !k.cfg.Login.DisableOIDC {
		v, err := k.oidc.Verifier(ctx)
		if err != nil {
			return nil, nil, newError(http.StatusServiceUnavailable, CodeKakaoUnavailable, err)
		}
		checks := idtoken.Checks{Nonce: flow.Nonce, MaxAge: idtoken.MaxExchangeAge, AccessToken: tok.AccessToken}
		if flow.Purpose == purposeReauth {
			checks.AuthAfter = flow.CreatedAt // the user must have logged in to Kakao anew
		}
		claims, err = v.Verify(ctx, tok.IDToken, checks)
		if err != nil {
			status, code := http.StatusBadRequest, CodeInvalidIDToken
			if errors.Is(err, ErrUnknownSigningKey) || errors.Is(err, ErrKeySetUnavailable) {
				status = http.StatusServiceUnavailable // keys may be rotating: try again
			}
			return nil, nil, newError(status, code, err)
		}
	}
	user, err := k.api.Me(ctx, kakaoapi.Bearer(tok.AccessToken), &kakaoapi.MeOptions{SecureResource: true})
	if err != nil {
		return nil, nil, err
	}
	// The user info must describe the ID token's subject.
	if claims != nil && user.ID != claims.KakaoID {
		return nil, nil, newError(http.StatusBadRequest, CodeIdentityMismatch, errors.New("user info id differs from the ID token sub"))
	}
	if user.ID <= 0 {
		return nil, nil, newError(http.StatusBadGateway, CodeKakaoError, errors.New("user info without a valid id"))
	}
	l, err := k.loginOf(ctx, user, claims, tok.Scopes)
	if err != nil {
		return nil, nil, err
	}
	return l, user, nil
}

// loginOf is the login state of the Kakao user that user info describes,
// with the ID token's auth_time when there is one, and the host user it is
// linked to.
func (k *Kakao) loginOf(ctx context.Context, user *kakaoapi.User, claims *idtoken.Claims, scopes []string) (*session.Login, error) {
	now := k.cfg.Now()
	l := &session.Login{KakaoID: user.ID, Scopes: scopes, LoggedInAt: now, AuthTime: now}
	if claims != nil && !claims.AuthTime.IsZero() {
		l.AuthTime = claims.AuthTime
	}
	if a := user.KakaoAccount; a != nil && a.Profile != nil {
		l.Nickname = cleanText(a.Profile.Nickname, maxNicknameRunes)
		l.ImageURL = cleanImageURL(a.Profile.ThumbnailImageURL)
	}
	if k.cfg.Users != nil {
		link, err := k.cfg.Users.ByKakaoID(ctx, user.ID)
		switch {
		case err == nil:
			l.UserID = link.UserID
		case errors.Is(err, store.ErrNotFound):
		default:
			return nil, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err)
		}
	}
	return l, nil
}

// authorizeError handles error=… on the callback: the flow is already
// consumed; nothing of the error's text is shown, as anyone can craft it.
func (k *Kakao) authorizeError(c *gin.Context, flow session.Flow, aerr *kakaoapi.AuthorizeError) {
	ctx := c.Request.Context()
	k.event(ctx, "authorize error", "error", string(aerr.Code), "purpose", flow.Purpose)
	switch {
	case flow.Purpose == purposeLoginAuto &&
		(aerr.Code == kakaoapi.LoginRequired || aerr.Code == kakaoapi.ConsentRequired || aerr.Code == kakaoapi.InteractionRequired):
		// Silent Kakao Talk login was not possible: do the normal login,
		// without an error page.
		setOutcome(c, outcomeAutoFallback)
		setPageHeaders(c.Writer.Header(), "")
		c.Redirect(http.StatusSeeOther, k.path("login")+"?fallback=1&next="+url.QueryEscape(flow.ReturnTo))
	case aerr.Code == kakaoapi.AccessDenied && flow.Purpose == purposeConsent:
		// Cancelled additional consent: back where the user was, still
		// logged in.
		setOutcome(c, string(CodeAccessDenied))
		setPageHeaders(c.Writer.Header(), "")
		c.Redirect(http.StatusSeeOther, addQuery(flow.ReturnTo, "kakao_consent", "cancelled"))
	case aerr.Code == kakaoapi.AccessDenied:
		k.fail(c, newError(http.StatusForbidden, CodeAccessDenied, aerr))
	case aerr.Code == kakaoapi.ConsentRequired:
		k.fail(c, newError(http.StatusForbidden, CodeConsentRequired, aerr))
	default:
		k.fail(c, newError(http.StatusBadRequest, CodeKakaoError, aerr))
	}
}

// sendPending holds the login as pending and sends the browser to the
// host's signup or proof page, with next set to the flow's destination.
func (k *Kakao) sendPending(c *gin.Context, p *PendingIdentity, l *session.Login, user *kakaoapi.User, tok *kakaoapi.Token, flow session.Flow) {
	if err := k.holdPending(c, p, l, newUserOf(user, l), tokenSet(tok)); err != nil {
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	to := k.pendingTarget(c, p)
	k.event(c.Request.Context(), "login pending", "kakao_id", l.KakaoID, "kind", p.Kind)
	setPageHeaders(c.Writer.Header(), "")
	c.Redirect(http.StatusSeeOther, addQuery(to, "next", flow.ReturnTo))
}

// pendingTarget is the host page that finishes a pending login (signup or
// proof); it names the flow's outcome accordingly.
func (k *Kakao) pendingTarget(c *gin.Context, p *PendingIdentity) string {
	if p.Kind == PendingProof {
		setOutcome(c, outcomeProofPending)
		return k.cfg.Linking.ProveURL
	}
	setOutcome(c, outcomeSignupPending)
	return k.cfg.Linking.SignupURL
}

// tokenSet converts a token answer for the session.
func tokenSet(t *kakaoapi.Token) *session.TokenSet {
	return &session.TokenSet{
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken,
		AccessExpiry: t.Expiry, RefreshExpiry: t.RefreshExpiry, Scopes: t.Scopes,
	}
}

// printableASCII reports whether s is visible ASCII only.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// addQuery adds key=value to a same-site URL or path.
func addQuery(raw, key, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// countCallback ends the callback's span and counts it as a login or, for
// an additional-consent flow, a consent.
func (k *Kakao) countCallback(c *gin.Context, rec *flowRecord) {
	outcome := rec.end(c)
	ctx := c.Request.Context()
	if rec.flow == purposeConsent {
		add(ctx, k.tel.consents, 1, attribute.String(attrOutcome, outcome))
		return
	}
	add(ctx, k.tel.logins, 1, attribute.String(attrOutcome, outcome), attribute.String(attrFlow, flowName(rec.flow)))
}

// flowName is a flow's purpose as a metric attribute: one of the known
// purposes, or "unknown".
func flowName(purpose string) string {
	switch purpose {
	case purposeLogin, purposeLoginAuto, purposeConsent, purposeReauth, purposeLink, flowToken:
		return purpose
	}
	return "unknown"
}
