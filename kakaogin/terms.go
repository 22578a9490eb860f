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
)

// ServiceTerms returns the app's Kakao Sync service terms with the
// logged-in user's state of each (all terms enabled for the app, not only
// the agreed ones): required, agreed (and when), and whether the user may
// withdraw it. For apps without Kakao Sync, Kakao answers with an
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
// service terms tags. Terms the user has not agreed to
// are skipped. A required or otherwise non-revocable term gives
// ErrNotRevocable and nothing is changed; a malformed tag or one the app
// has not configured gives ErrInvalidItem. Kakao silently skips terms it
// does not revoke; RevokeServiceTerms reports those as ErrNotRevocable.
func (k *Kakao) RevokeServiceTerms(c *gin.Context, tags ...string) error {
	tags, err := cleanList(tags, validTag)
	if err != nil {
		return fmt.Errorf("kakaogin: revoke service terms: %w", err)
	}
	l, ok := k.current(c)
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
		case !cur.ServiceTerms[i].CanRevoke():
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
	k.handleRevoke(c, "tags", k.RevokeServiceTerms, func(tags []string) gin.H {
		return gin.H{"ok": true, "revoked": tags}
	})
}
