package kakaogin

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
)

// StartLink starts "Connect Kakao" for a host user the host has
// authenticated itself (call it from a POST handler protected by
// RequireCSRF): the browser goes to Kakao, and the callback links the
// Kakao account to userID, but only in a session that is not logged in as
// another user. A Kakao account already linked to someone else is refused
// with a clear page.
func (k *Kakao) StartLink(c *gin.Context, userID, next string) {
	if userID == "" {
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("no host user to link")))
		return
	}
	k.startFlow(c, session.Flow{Purpose: purposeLink, ReturnTo: k.returnTo.resolve(next), UserID: linkBinding(userID)},
		kakaoapi.AuthRequest{Scopes: scopeParam(k.cfg.Scopes)})
}

// purposeLink is the flow of StartLink.
const purposeLink = "link"

func linkBinding(userID string) string { return "user:" + userID }

// finishLink completes a link flow: attach the Kakao user to the host user
// the flow was started for, unless either side is linked elsewhere.
func (k *Kakao) finishLink(ctx context.Context, c *gin.Context, l *session.Login, ts *session.TokenSet, flow session.Flow) {
	userID, ok := strings.CutPrefix(flow.UserID, "user:")
	if !ok || userID == "" {
		k.fail(c, newError(http.StatusBadRequest, CodeStateMismatch, errors.New("link flow without a host user")))
		return
	}
	// A session that is logged in as someone else must not finish it:
	// otherwise an attacker's Kakao login fed into a victim's browser
	// would link the attacker's Kakao account to the victim.
	if cur, ok := k.current(c); ok && cur.UserID != "" && cur.UserID != userID {
		k.fail(c, newError(http.StatusBadRequest, CodeStateMismatch, errors.New("link finished in another user's session")))
		return
	}
	if l.UserID != "" && l.UserID != userID {
		k.fail(c, newError(http.StatusConflict, CodeLinkConflict, errors.New("Kakao account linked to another user")))
		return
	}
	if _, err := k.link(ctx, l.KakaoID, userID); err != nil {
		k.fail(c, asError(err))
		return
	}
	l.UserID = userID
	if err := k.sessions.LogIn(c, l, ts); err != nil {
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	setPageHeaders(c.Writer.Header(), "")
	c.Redirect(http.StatusSeeOther, addQuery(flow.ReturnTo, "kakao_linked", "1"))
}
