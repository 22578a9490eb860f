package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
)

// ConsentItems returns the logged-in user's consent items as Kakao reports
// them (/v2/user/scopes): every item configured for the
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
// items ids, then removes them from the session's granted scopes, so that
// RequireScopes asks for them again. ids must be Kakao consent-item IDs
// (such as account_email or talk_message), else ErrInvalidItem. Items the
// user has not agreed to are already withdrawn and are skipped. When Kakao
// reports an item as not revocable (a required item), nothing is changed
// and the error matches ErrNotRevocable. Saving the updated scopes renews
// the session token and CSRF token, as every privilege change does; it
// must be called before the response starts.
func (k *Kakao) RevokeConsent(c *gin.Context, ids ...string) error {
	ids, err := cleanList(ids, knownScope)
	if err != nil {
		return fmt.Errorf("kakaogin: revoke consent: %w", err)
	}
	l, ok := k.current(c)
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
	l, ok := k.current(c)
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
	k.handleRevoke(c, "scope", k.RevokeConsent, func(ids []string) gin.H {
		granted := []string{}
		if l, ok := k.current(c); ok && l.Scopes != nil {
			granted = l.Scopes
		}
		return gin.H{"ok": true, "revoked": ids, "scopes": granted}
	})
}
