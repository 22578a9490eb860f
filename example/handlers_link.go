package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
)

// findCandidate is Config.Linking.FindCandidate: a site account with the Kakao
// account's email, when Kakao says the email is valid and verified. The
// library then asks the user to prove it (GET /link) before linking.
func (a *app) findCandidate(ctx context.Context, nu kakaogin.NewUser) (kakaogin.Candidate, bool, error) {
	if !nu.EmailVerified || nu.Email == "" {
		return kakaogin.Candidate{}, false, nil
	}
	u, err := a.users.byEmail(ctx, nu.Email)
	if errors.Is(err, errNoUser) {
		return kakaogin.Candidate{}, false, nil
	}
	if err != nil {
		return kakaogin.Candidate{}, false, err
	}
	return kakaogin.Candidate{UserID: u.ID, EmailVerified: u.EmailVerified}, true, nil
}

// canDisconnect is Config.Linking.CanDisconnect: only accounts with a password
// may drop their Kakao link.
func (a *app) canDisconnect(ctx context.Context, userID string) (bool, error) {
	u, err := a.users.byID(ctx, userID)
	if errors.Is(err, errNoUser) {
		return false, nil
	}
	return u.HasPassword, err
}

// onUnlink is Config.Unlink.OnUnlink: the user left through the site (delete
// account) or at Kakao. Kakao-only accounts, and every account whose owner
// asked for deletion, are deleted; a password account that only lost its
// Kakao connection at Kakao is kept, with its other logins ended. It is
// idempotent, as the library retries it.
func (a *app) onUnlink(ctx context.Context, ev kakaogin.UnlinkEvent) error {
	if ev.UserID == "" {
		return nil
	}
	u, err := a.users.byID(ctx, ev.UserID)
	if errors.Is(err, errNoUser) {
		return nil // already deleted
	}
	if err != nil {
		return err
	}
	a.log.InfoContext(ctx, "user left", "user_id", ev.UserID, "referrer", string(ev.Referrer))
	if u.HasPassword && ev.Referrer != kakaogin.ReferrerService {
		return a.users.bumpEpoch(ctx, u.ID)
	}
	return a.users.delete(ctx, u.ID)
}

// linkPage is Config.Linking.ProveURL: a Kakao login matched a site account by
// email; the user proves it with its password before it is linked.
func (a *app) linkPage(c *gin.Context) {
	p, ok := a.kg.Pending(c)
	if !ok || p.Kind != kakaogin.PendingProof {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	a.render(c, http.StatusOK, "link", "", a.linkData(c, p, c.Query("next")))
}

// linkData is the proof page's data; next is where the login was going.
func (a *app) linkData(c *gin.Context, p *kakaogin.PendingIdentity, next string) gin.H {
	email := p.Email
	if u, err := a.users.byID(c.Request.Context(), p.Candidate); err == nil {
		email = u.Email
	}
	return gin.H{"Nickname": p.Nickname, "Email": email, "Next": sitePath(next, "/profile")}
}

// prove checks the candidate account's password, then links it.
func (a *app) prove(c *gin.Context) {
	p, ok := a.kg.Pending(c)
	if !ok || p.Kind != kakaogin.PendingProof {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	u, err := a.users.loginByID(c.Request.Context(), p.Candidate, c.PostForm("password"))
	if errors.Is(err, errNoUser) {
		a.render(c, http.StatusUnauthorized, "link", "error.proof", a.linkData(c, p, c.PostForm("next")))
		return
	}
	if err != nil {
		a.fail(c, http.StatusInternalServerError, kakaogin.CodeInternal, err)
		return
	}
	if err := a.kg.CompletePending(c, u.ID); err != nil {
		a.completeFail(c, err)
		return
	}
	a.setFlash(c, "flash.linked")
	c.Redirect(http.StatusSeeOther, sitePath(c.PostForm("next"), "/profile"))
}

// signupPage is Config.Linking.SignupURL: a new Kakao user completes a site
// account (here just a display name).
func (a *app) signupPage(c *gin.Context) {
	p, ok := a.kg.Pending(c)
	if !ok || p.Kind != kakaogin.PendingSignup {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	a.render(c, http.StatusOK, "signup", "", gin.H{"Name": p.Nickname, "Email": p.Email, "EmailVerified": p.EmailVerified,
		"Next": sitePath(c.Query("next"), "/profile")})
}

// errBadName is a signup name that is empty, longer than 40 characters or
// not UTF-8; errCreateUser a site user that could not be stored.
var (
	errBadName    = errors.New("signup name must be 1 to 40 characters")
	errCreateUser = errors.New("create site user")
)

// completeSignup creates the site user named name (trimmed by the caller),
// with the pending Kakao user's email when Kakao verified it, and completes
// the pending signup; the user is deleted again when completing fails.
// Errors: errBadName, errCreateUser, or CompletePending's.
func (a *app) completeSignup(c *gin.Context, p *kakaogin.PendingIdentity, name string) (string, error) {
	if name == "" || utf8.RuneCountInString(name) > 40 || !utf8.ValidString(name) {
		return "", errBadName
	}
	email := ""
	if p.EmailVerified {
		email = p.Email
	}
	ctx := c.Request.Context()
	id, err := a.users.create(ctx, name, email)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errCreateUser, err)
	}
	if err := a.kg.CompletePending(c, id); err != nil {
		_ = a.users.delete(ctx, id)
		return "", err
	}
	return id, nil
}

// signup creates the site user and completes the Kakao signup.
func (a *app) signup(c *gin.Context) {
	p, ok := a.kg.Pending(c)
	if !ok || p.Kind != kakaogin.PendingSignup {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	name := strings.TrimSpace(c.PostForm("name"))
	switch _, err := a.completeSignup(c, p, name); {
	case errors.Is(err, errBadName):
		a.render(c, http.StatusBadRequest, "signup", "error.name", gin.H{"Name": name, "Email": p.Email, "EmailVerified": p.EmailVerified,
			"Next": sitePath(c.PostForm("next"), "/profile")})
		return
	case errors.Is(err, errCreateUser):
		a.fail(c, http.StatusInternalServerError, kakaogin.CodeInternal, err)
		return
	case err != nil:
		a.completeFail(c, err)
		return
	}
	a.setFlash(c, "notice.signed_up")
	c.Redirect(http.StatusSeeOther, sitePath(c.PostForm("next"), "/profile"))
}

// abandon drops a pending signup or link.
func (a *app) abandon(c *gin.Context) {
	if err := a.kg.AbandonPending(c); err != nil && !errors.Is(err, kakaogin.ErrNotPending) {
		a.fail(c, http.StatusServiceUnavailable, kakaogin.CodeSessionUnavailable, err)
		return
	}
	a.setFlash(c, "notice.abandoned")
	c.Redirect(http.StatusSeeOther, "/")
}

func (a *app) completeFail(c *gin.Context, err error) {
	switch {
	case errors.Is(err, kakaogin.ErrNotPending):
		a.fail(c, http.StatusConflict, kakaogin.CodeFlowExpired, err)
	case errors.Is(err, kakaogin.ErrLinkConflict):
		a.fail(c, http.StatusConflict, kakaogin.CodeLinkConflict, err)
	default:
		a.fail(c, http.StatusServiceUnavailable, kakaogin.CodeSessionUnavailable, err)
	}
}
