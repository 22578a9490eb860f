package kakaogin

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
)

// maxConsentItems bounds the scope parameter of GET consent.
const maxConsentItems = 32

// handleConsent is GET consent?scope=a,b&next=…: additional consent for the
// logged-in user. It re-authorizes with those items plus
// openid; the callback then records what was actually granted (the user
// can untick optional items).
func (k *Kakao) handleConsent(c *gin.Context) {
	rec := k.beginFlow(c, "kakaologin.consent")
	rec.flow = purposeConsent
	defer rec.end(c)
	q, ok := k.singleParams(c, "scope", "next")
	if !ok {
		return
	}
	id, ok := CurrentUser(c)
	if !ok {
		k.loginRequired(c)
		return
	}
	var items []string
	for _, s := range strings.Split(q["scope"], ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !k.consentable[s] || len(items) == maxConsentItems {
			// Only items the app configured may be asked for.
			k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("scope parameter names an item the app does not ask for")))
			return
		}
		items = append(items, s)
	}
	if len(items) == 0 {
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("scope parameter is empty")))
		return
	}
	k.startFlow(c, session.Flow{
		Purpose:  purposeConsent,
		ReturnTo: k.returnTo.resolve(q["next"]),
		UserID:   kakaoBinding(id.KakaoID), // only this user can complete it
	}, kakaoapi.AuthRequest{Scopes: scopeParam(items)})
}

// kakaoBinding is the Flow.UserID binding a consent or re-authentication
// flow to the Kakao user who started it.
func kakaoBinding(kakaoID int64) string { return "kakao:" + strconv.FormatInt(kakaoID, 10) }

// finishConsent completes a consent flow: the new tokens must belong to the
// user who started it and is still logged in; the granted items are
// read from Kakao (the token's scope may not list unticked items
// faithfully) and the session is renewed with them, as on every privilege
// change, so that a token known before cannot carry the new rights.
func (k *Kakao) finishConsent(ctx context.Context, c *gin.Context, tok *kakaoapi.Token, flow session.Flow, got *session.Login) {
	cur, ok := k.current(c)
	if !ok || kakaoBinding(cur.KakaoID) != flow.UserID || got.KakaoID != cur.KakaoID {
		k.event(ctx, "consent rejected", "reason", "different or no logged-in user")
		k.fail(c, newError(http.StatusBadRequest, CodeStateMismatch, errors.New("consent completed by a different user")))
		return
	}
	info, err := k.api.Scopes(ctx, kakaoapi.Bearer(tok.AccessToken))
	if err != nil {
		k.fail(c, kakaoError(err))
		return
	}
	var granted []string
	for _, s := range info.Scopes {
		if s.Agreed {
			granted = append(granted, s.ID)
		}
	}
	l := *cur
	l.Scopes = granted
	l.Nickname, l.ImageURL = got.Nickname, got.ImageURL
	if !got.AuthTime.IsZero() {
		l.AuthTime = got.AuthTime
	}
	ts := tokenSet(tok)
	ts.Scopes = granted
	loggedIn := k.sessionOp(c, "log_in")
	err = k.sessions.LogIn(c, &l, ts)
	loggedIn(err)
	if err != nil {
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	k.event(ctx, "consent granted", "kakao_id", cur.KakaoID, "scopes", strings.Join(granted, ","))
	setPageHeaders(c.Writer.Header(), "")
	c.Redirect(http.StatusSeeOther, flow.ReturnTo)
}
