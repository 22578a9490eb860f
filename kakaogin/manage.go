package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
)

// Errors of the consent, service-terms and property methods (ConsentItems,
// RevokeConsent, ServiceTerms, RevokeServiceTerms, SetProperties). They
// also report ErrNoKakaoTokens when the request is not logged in,
// ErrSessionEnded when Kakao refused the token refresh, and kakaoapi's
// sentinels (ErrUnavailable, ErrRateLimited, …) for Kakao failures.
var (
	// ErrNotRevocable: the user cannot withdraw a required consent item or
	// service term; nothing was changed. It also matches
	// kakaoapi.ErrNotRevocable when Kakao itself refused (-3).
	ErrNotRevocable = errors.New("kakaogin: required item, not revocable")
	// ErrInvalidItem: a consent-item ID that is not one of Kakao's, a
	// malformed or unconfigured service-term tag, or an unknown user
	// property key; nothing was changed.
	ErrInvalidItem = errors.New("kakaogin: unknown or malformed consent item, service term or property")
)

// errSessionUpdate marks a Kakao change that succeeded while saving the
// session afterwards failed.
var errSessionUpdate = errors.New("kakaogin: update the session")

// Limits of the management methods and routes.
const (
	// maxManageItems bounds the scope IDs or tags of one revoke request.
	maxManageItems = 32
	// maxTagLen bounds one service-term tag.
	maxTagLen = 64
	// maxProperties bounds the properties of one SetProperties call.
	maxProperties = 64
	// manageTimeout bounds every management operation, token refresh and
	// Kakao calls included.
	manageTimeout = 30 * time.Second
)

// mountManage registers the consent and service-terms management routes
// (relative to the Mount group):
//
//	GET  consent/items  the user's consent items as JSON (ConsentItems)
//	POST consent/revoke withdraw items: form scope (comma-separated or repeated), next
//	GET  terms          the app's Kakao Sync service terms and the user's state, JSON
//	POST terms/revoke   withdraw terms: form tags (comma-separated or repeated), next
//
// The POST routes are CSRF-checked (C65, C66) and answer a 303 to next
// (validated like every return-to) or, for JSON clients, {"ok":true,…}.
// GET on them is 405.
func (k *Kakao) mountManage(g *gin.RouterGroup) {
	g.GET("consent/items", k.handleConsentItems)
	g.POST("consent/revoke", k.handleRevokeConsent)
	g.GET("consent/revoke", k.manageNotAllowed)
	g.GET("terms", k.handleServiceTerms)
	g.POST("terms/revoke", k.handleRevokeServiceTerms)
	g.GET("terms/revoke", k.manageNotAllowed)
}

// ConsentItems returns the logged-in user's consent items as Kakao reports
// them (/v2/user/scopes, reference §9.1): every item configured for the
// app, plus items agreed earlier that the app no longer uses (Using
// false), each with whether the user agreed and, when agreed, whether it
// can be withdrawn (Revocable). Hosts use it to build their own privacy
// settings page.
func (k *Kakao) ConsentItems(c *gin.Context) ([]kakaoapi.Scope, error) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), manageTimeout)
	defer cancel()
	api, auth := k.Client(c)
	info, err := api.Scopes(ctx, auth)
	if err != nil {
		return nil, fmt.Errorf("kakaogin: consent items: %w", err)
	}
	if err := k.sameUser(c, info.ID); err != nil {
		return nil, fmt.Errorf("kakaogin: consent items: %w", err)
	}
	return info.Scopes, nil
}

// RevokeConsent withdraws the logged-in user's consent to the consent
// items ids (reference §9.2), then removes them from the session's granted
// scopes, so that RequireScopes asks for them again. ids must be Kakao
// consent-item IDs (reference §15), else ErrInvalidItem. Items the user
// has not agreed to are already withdrawn and are skipped. When Kakao
// reports an item as not revocable (a required item), nothing is changed
// and the error matches ErrNotRevocable. Saving the updated scopes renews
// the session token and CSRF token, as every privilege change does (C94);
// it must be called before the response starts.
func (k *Kakao) RevokeConsent(c *gin.Context, ids ...string) error {
	ids, err := cleanList(ids, knownScope)
	if err != nil {
		return fmt.Errorf("kakaogin: revoke consent: %w", err)
	}
	l, ok := k.sessions.Login(c)
	if !ok {
		return fmt.Errorf("kakaogin: revoke consent: %w", ErrNoKakaoTokens)
	}
	kakaoID := l.KakaoID
	ctx, cancel := context.WithTimeout(c.Request.Context(), manageTimeout)
	defer cancel()
	api, auth := k.Client(c)

	// Refuse required items before changing anything: Kakao's -3 would
	// otherwise be the only signal, after a partial change.
	cur, err := api.Scopes(ctx, auth)
	if err != nil {
		return fmt.Errorf("kakaogin: revoke consent: %w", err)
	}
	if cur.ID != kakaoID {
		return fmt.Errorf("kakaogin: revoke consent: %w", errOtherUser)
	}
	var revoke []string
	for _, id := range ids {
		i := slices.IndexFunc(cur.Scopes, func(s kakaoapi.Scope) bool { return s.ID == id })
		switch {
		case i < 0 || !cur.Scopes[i].Agreed:
			continue // not agreed: nothing to withdraw
		case cur.Scopes[i].Revocable == nil || !*cur.Scopes[i].Revocable:
			return fmt.Errorf("kakaogin: revoke consent: %w: %s", ErrNotRevocable, id)
		}
		revoke = append(revoke, id)
	}
	if len(revoke) > 0 {
		_, err := api.RevokeScopes(ctx, auth, revoke...)
		switch {
		case errors.Is(err, kakaoapi.ErrNotRevocable):
			return fmt.Errorf("kakaogin: revoke consent: %w: %w", ErrNotRevocable, err)
		case errors.Is(err, kakaoapi.ErrBadParameter):
			return fmt.Errorf("kakaogin: revoke consent: %w: %w", ErrInvalidItem, err)
		case err != nil:
			return fmt.Errorf("kakaogin: revoke consent: %w", err)
		}
		k.event(ctx, "consent revoked", "kakao_id", kakaoID, "scopes", strings.Join(revoke, ","))
	}
	if err := k.dropScopes(c, kakaoID, ids); err != nil {
		return fmt.Errorf("kakaogin: revoke consent: %w", err)
	}
	return nil
}

// errOtherUser: Kakao answered for another user than the session's.
var errOtherUser = errors.New("kakao answered for another user than the session's")

// sameUser checks that Kakao answered for the session's user.
func (k *Kakao) sameUser(c *gin.Context, kakaoID int64) error {
	l, ok := k.sessions.Login(c)
	if !ok {
		return ErrSessionEnded
	}
	if l.KakaoID != kakaoID {
		return errOtherUser
	}
	return nil
}

// dropScopes removes ids from the session's granted scopes and from its
// tokens' scopes, saving the session with a renewed token. The session is
// read again first, so that tokens another instance refreshed meanwhile
// are kept.
func (k *Kakao) dropScopes(c *gin.Context, kakaoID int64, ids []string) error {
	ts, err := k.sessions.ReloadTokens(c)
	switch {
	case errors.Is(err, session.ErrNotLoggedIn):
		return fmt.Errorf("%w: %w", ErrSessionEnded, err)
	case errors.Is(err, session.ErrNoTokens):
		ts = nil
	case err != nil:
		return fmt.Errorf("%w: %w", errSessionUpdate, err)
	}
	l, ok := k.sessions.Login(c)
	if !ok || l.KakaoID != kakaoID {
		return ErrSessionEnded
	}
	drop := func(s string) bool { return slices.Contains(ids, s) }
	if !slices.ContainsFunc(l.Scopes, drop) && (ts == nil || !slices.ContainsFunc(ts.Scopes, drop)) {
		return nil
	}
	nl := *l
	nl.Scopes = slices.DeleteFunc(slices.Clone(l.Scopes), drop)
	var nts *session.TokenSet
	if ts != nil {
		cp := *ts
		cp.Scopes = slices.DeleteFunc(slices.Clone(ts.Scopes), drop)
		nts = &cp
	}
	if err := k.sessions.LogIn(c, &nl, nts); err != nil {
		return fmt.Errorf("%w: %w", errSessionUpdate, err)
	}
	return nil
}

// ServiceTerms returns the app's Kakao Sync service terms with the
// logged-in user's state of each (reference §10.1, result
// app_service_terms): required, agreed (and when), and whether the user
// may withdraw it. For apps without Kakao Sync, Kakao answers with an
// error.
func (k *Kakao) ServiceTerms(c *gin.Context) (*kakaoapi.ServiceTermsInfo, error) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), manageTimeout)
	defer cancel()
	api, auth := k.Client(c)
	info, err := api.ServiceTerms(ctx, auth, &kakaoapi.ServiceTermsOptions{Result: kakaoapi.AppServiceTerms})
	if err != nil {
		return nil, fmt.Errorf("kakaogin: service terms: %w", err)
	}
	if err := k.sameUser(c, info.ID); err != nil {
		return nil, fmt.Errorf("kakaogin: service terms: %w", err)
	}
	return info, nil
}

// RevokeServiceTerms withdraws the logged-in user's agreement to the
// service terms tags (reference §10.2). Terms the user has not agreed to
// are skipped. A required or otherwise non-revocable term gives
// ErrNotRevocable and nothing is changed; a malformed tag or one the app
// has not configured gives ErrInvalidItem. Kakao silently skips terms it
// does not revoke; RevokeServiceTerms reports those as ErrNotRevocable.
func (k *Kakao) RevokeServiceTerms(c *gin.Context, tags ...string) error {
	tags, err := cleanList(tags, validTag)
	if err != nil {
		return fmt.Errorf("kakaogin: revoke service terms: %w", err)
	}
	l, ok := k.sessions.Login(c)
	if !ok {
		return fmt.Errorf("kakaogin: revoke service terms: %w", ErrNoKakaoTokens)
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), manageTimeout)
	defer cancel()
	api, auth := k.Client(c)
	cur, err := api.ServiceTerms(ctx, auth, &kakaoapi.ServiceTermsOptions{Result: kakaoapi.AppServiceTerms, Tags: tags})
	if err != nil {
		return fmt.Errorf("kakaogin: revoke service terms: %w", termsError(err))
	}
	if cur.ID != l.KakaoID {
		return fmt.Errorf("kakaogin: revoke service terms: %w", errOtherUser)
	}
	var revoke []string
	for _, tag := range tags {
		i := slices.IndexFunc(cur.ServiceTerms, func(t kakaoapi.ServiceTerm) bool { return t.Tag == tag })
		switch {
		case i < 0:
			return fmt.Errorf("kakaogin: revoke service terms: %w: %s is not configured", ErrInvalidItem, tag)
		case !cur.ServiceTerms[i].Agreed:
			continue
		case cur.ServiceTerms[i].Required || !cur.ServiceTerms[i].Revocable:
			return fmt.Errorf("kakaogin: revoke service terms: %w: %s", ErrNotRevocable, tag)
		}
		revoke = append(revoke, tag)
	}
	if len(revoke) == 0 {
		return nil
	}
	res, err := api.RevokeServiceTerms(ctx, auth, revoke...)
	if err != nil {
		return fmt.Errorf("kakaogin: revoke service terms: %w", termsError(err))
	}
	k.event(ctx, "service terms revoked", "kakao_id", l.KakaoID, "tags", strings.Join(revoke, ","))
	for _, tag := range revoke {
		if !slices.ContainsFunc(res.RevokedServiceTerms, func(t kakaoapi.ServiceTerm) bool { return t.Tag == tag }) {
			return fmt.Errorf("kakaogin: revoke service terms: %w: kakao did not revoke %s", ErrNotRevocable, tag)
		}
	}
	return nil
}

// termsError marks Kakao's unknown-tag answer (-2) as ErrInvalidItem.
func termsError(err error) error {
	if errors.Is(err, kakaoapi.ErrBadParameter) {
		return fmt.Errorf("%w: %w", ErrInvalidItem, err)
	}
	return err
}

// SetProperties stores custom user properties for the logged-in user
// (reference §11); they appear in the user's Properties from Kakao and are
// deleted when the user unlinks. Keys must be defined in the Kakao
// Developers console first: an unknown key gives an error matching
// ErrInvalidItem and kakaoapi.ErrUnknownProperty. Keys must be non-empty
// and keys and values valid UTF-8; at most 64 properties per call.
func (k *Kakao) SetProperties(c *gin.Context, props map[string]string) error {
	if len(props) == 0 || len(props) > maxProperties {
		return fmt.Errorf("kakaogin: set properties: %w: between 1 and %d properties", ErrInvalidItem, maxProperties)
	}
	for key, v := range props {
		if key == "" || !utf8.ValidString(key) || hasForbiddenRune(key) || !utf8.ValidString(v) {
			return fmt.Errorf("kakaogin: set properties: %w: malformed key or value", ErrInvalidItem)
		}
	}
	l, ok := k.sessions.Login(c)
	if !ok {
		return fmt.Errorf("kakaogin: set properties: %w", ErrNoKakaoTokens)
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), manageTimeout)
	defer cancel()
	api, auth := k.Client(c)
	id, err := api.UpdateProfile(ctx, auth, props)
	switch {
	case errors.Is(err, kakaoapi.ErrUnknownProperty):
		return fmt.Errorf("kakaogin: set properties: %w: %w", ErrInvalidItem, err)
	case err != nil:
		return fmt.Errorf("kakaogin: set properties: %w", err)
	case id != l.KakaoID:
		return fmt.Errorf("kakaogin: set properties: %w", errOtherUser)
	}
	keys := make([]string, 0, len(props))
	for key := range props {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	// Keys only: values may be personal data.
	k.event(ctx, "user properties stored", "kakao_id", l.KakaoID, "keys", strings.Join(keys, ","))
	return nil
}

// cleanList trims the items, drops empty and repeated ones, and checks
// each with valid; it needs 1 to maxManageItems items.
func cleanList(items []string, valid func(string) bool) ([]string, error) {
	out := make([]string, 0, len(items))
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" || slices.Contains(out, it) {
			continue
		}
		if !valid(it) {
			return nil, fmt.Errorf("%w: %.64q", ErrInvalidItem, it)
		}
		if len(out) == maxManageItems {
			return nil, fmt.Errorf("%w: more than %d items", ErrInvalidItem, maxManageItems)
		}
		out = append(out, it)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no items", ErrInvalidItem)
	}
	return out, nil
}

// validTag reports whether tag looks like a Kakao Sync service-term tag:
// 1 to 64 ASCII letters, digits, '_', '-' or '.'.
func validTag(tag string) bool {
	if tag == "" || len(tag) > maxTagLen {
		return false
	}
	for i := 0; i < len(tag); i++ {
		b := tag[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_' || b == '-' || b == '.') {
			return false
		}
	}
	return true
}

// handleConsentItems is GET consent/items: the user's consent items as
// JSON, {"scopes":[{id, display_name, type, using, agreed, revocable}]}.
func (k *Kakao) handleConsentItems(c *gin.Context) {
	if _, ok := CurrentUser(c); !ok {
		k.loginRequired(c)
		return
	}
	items, err := k.ConsentItems(c)
	if err != nil {
		k.manageFail(c, err)
		return
	}
	out := make([]consentItemJSON, len(items))
	for i, s := range items {
		out[i] = consentItemJSON{
			ID: s.ID, DisplayName: s.DisplayName, Type: string(s.Type), Using: s.Using, Agreed: s.Agreed,
			Revocable: s.Agreed && s.Revocable != nil && *s.Revocable,
		}
	}
	setPageHeaders(c.Writer.Header(), "")
	c.JSON(http.StatusOK, gin.H{"scopes": out})
}

// consentItemJSON is one item of GET consent/items.
type consentItemJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Type        string `json:"type"`
	Using       bool   `json:"using"`
	Agreed      bool   `json:"agreed"`
	Revocable   bool   `json:"revocable"`
}

// handleRevokeConsent is POST consent/revoke (scope=…, next=…).
func (k *Kakao) handleRevokeConsent(c *gin.Context) {
	if !k.checkCSRF(c) {
		return
	}
	if _, ok := CurrentUser(c); !ok {
		k.loginRequired(c)
		return
	}
	ids, next, ok := k.manageForm(c, "scope")
	if !ok {
		return
	}
	if err := k.RevokeConsent(c, ids...); err != nil {
		k.manageFail(c, err)
		return
	}
	granted := []string{}
	if id, ok := CurrentUser(c); ok && id.Scopes != nil {
		granted = id.Scopes
	}
	k.manageDone(c, next, gin.H{"ok": true, "revoked": ids, "scopes": granted})
}

// handleServiceTerms is GET terms: {"service_terms":[{tag, required,
// agreed, revocable, agreed_at, agreed_by}]}.
func (k *Kakao) handleServiceTerms(c *gin.Context) {
	if _, ok := CurrentUser(c); !ok {
		k.loginRequired(c)
		return
	}
	info, err := k.ServiceTerms(c)
	if err != nil {
		k.manageFail(c, err)
		return
	}
	terms := info.ServiceTerms
	if terms == nil {
		terms = []kakaoapi.ServiceTerm{}
	}
	setPageHeaders(c.Writer.Header(), "")
	c.JSON(http.StatusOK, gin.H{"service_terms": terms})
}

// handleRevokeServiceTerms is POST terms/revoke (tags=…, next=…).
func (k *Kakao) handleRevokeServiceTerms(c *gin.Context) {
	if !k.checkCSRF(c) {
		return
	}
	if _, ok := CurrentUser(c); !ok {
		k.loginRequired(c)
		return
	}
	tags, next, ok := k.manageForm(c, "tags")
	if !ok {
		return
	}
	if err := k.RevokeServiceTerms(c, tags...); err != nil {
		k.manageFail(c, err)
		return
	}
	k.manageDone(c, next, gin.H{"ok": true, "revoked": tags})
}

// manageForm reads the POST body's list field (comma-separated, repeated,
// or both) and its single next field. The items themselves are checked
// by the method the handler calls.
func (k *Kakao) manageForm(c *gin.Context, field string) (items []string, next string, ok bool) {
	if err := c.Request.ParseForm(); err != nil {
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, fmt.Errorf("malformed form: %w", err)))
		return nil, "", false
	}
	form := c.Request.PostForm
	if len(form[field]) > maxManageItems {
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("too many "+field+" values")))
		return nil, "", false
	}
	for _, v := range form[field] {
		items = append(items, strings.Split(v, ",")...)
		if len(items) > maxManageItems*2 {
			k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("too many "+field+" values")))
			return nil, "", false
		}
	}
	switch v := form["next"]; len(v) {
	case 0:
	case 1:
		next = v[0]
	default:
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("parameter next repeated")))
		return nil, "", false
	}
	return items, next, true
}

// manageDone answers a successful POST: JSON body for JSON clients, else a
// 303 to next when it is an acceptable return-to, or the default page.
func (k *Kakao) manageDone(c *gin.Context, next string, body gin.H) {
	setPageHeaders(c.Writer.Header(), "")
	if wantsJSON(c.Request) {
		c.JSON(http.StatusOK, body)
		return
	}
	c.Redirect(http.StatusSeeOther, k.returnTo.resolve(next))
}

// manageFail answers a failed management request with the right status:
// logged out 401 (or the login redirect), bad input 400, not revocable
// 403, session store down 503, Kakao failures as kakaoError maps them.
func (k *Kakao) manageFail(c *gin.Context, err error) {
	switch {
	case errors.Is(err, ErrNoKakaoTokens), errors.Is(err, ErrSessionEnded):
		k.loginRequired(c)
	case errors.Is(err, ErrInvalidItem):
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, err))
	case errors.Is(err, ErrNotRevocable):
		k.fail(c, newError(http.StatusForbidden, CodeNotRevocable, err))
	case errors.Is(err, errSessionUpdate):
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
	case errors.Is(err, errOtherUser):
		k.fail(c, newError(http.StatusBadGateway, CodeKakaoError, err))
	default:
		k.fail(c, kakaoError(err))
	}
}

// manageNotAllowed answers GET on a state-changing route (C65).
func (k *Kakao) manageNotAllowed(c *gin.Context) {
	c.Header("Allow", http.MethodPost)
	k.fail(c, newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, nil))
}
