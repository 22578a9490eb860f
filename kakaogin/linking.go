package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// LinkPolicy says how a Kakao login whose Kakao ID is not linked may be
// attached to an existing host account that FindCandidate found.
type LinkPolicy int

const (
	// LinkWithProof (the default) never links on its own: the user is
	// asked to prove the candidate account by logging in to it through the
	// host's own login (ProveURL); the host then calls CompletePending.
	// Matching emails alone would hand the host account to whoever holds
	// a Kakao account with that address.
	LinkWithProof LinkPolicy = iota
	// LinkByVerifiedEmail links at once when Kakao says the email is both
	// valid and verified and the host says its own account's email is
	// verified; otherwise it falls back to LinkWithProof. An opt-in.
	LinkByVerifiedEmail
)

// ErrSignupRequired is returned by Config.Linking.OnNewUser when the host
// needs more from the user before creating an account: the login is held
// as pending and the browser is sent to Config.Linking.SignupURL.
var ErrSignupRequired = errors.New("kakaogin: signup required")

// ErrNotPending is returned by CompletePending and AbandonPending when the
// session holds no pending Kakao identity (or it expired).
var ErrNotPending = errors.New("kakaogin: no pending Kakao login in this session")

// ErrLinkConflict matches errors about a Kakao ID or host user already
// linked to someone else (it wraps store.ErrLinkConflict).
var ErrLinkConflict = store.ErrLinkConflict

// NewUser describes a Kakao user who logged in without being linked to a
// host user, for the linking hooks. Values come from Kakao's user info,
// cleaned (invalid UTF-8 and control characters removed, lengths capped);
// Email is trustworthy only when EmailVerified is true.
type NewUser struct {
	KakaoID  int64
	Nickname string
	ImageURL string
	Email    string
	// EmailVerified is Kakao's is_email_valid && is_email_verified.
	EmailVerified bool
	// CI is the user's connecting information, when the app may read it.
	CI string
	// NeedsAgreement lists consent items the user has not agreed to.
	NeedsAgreement []string
	// HasSignedUp is Kakao Sync's signup state: nil for apps with automatic
	// linking, false for a pre-registered user whose signup is pending.
	HasSignedUp *bool
	// Account is Kakao's whole kakao_account answer.
	Account *kakaoapi.Account
}

// Candidate is an existing host account that may belong to a new Kakao
// user, as Config.Linking.FindCandidate reports it.
type Candidate struct {
	UserID string
	// EmailVerified says the host verified this account's email itself.
	EmailVerified bool
}

// PendingIdentity is a Kakao login held in the session while the host
// completes a signup or the user proves an existing account. It is not a
// logged-in user: CurrentUser and RequireLogin do not accept it.
type PendingIdentity struct {
	Kind      string // "signup" or "proof"
	Candidate string
	Created   time.Time
	NewUser   NewUser
	// Stored copy of the fields of NewUser that pages need.
	Nickname       string
	Email          string
	EmailVerified  bool
	NeedsAgreement []string
	KakaoID        int64
}

// Pending kinds.
const (
	PendingSignup = "signup"
	PendingProof  = "proof"
)

// pendingLife is how long a pending identity lasts: as long as a flow.
const pendingLife = 10 * time.Minute

// linkWait bounds how long a first login waits for a concurrent first
// login of the same Kakao user to finish creating its host user.
const linkWait = 5 * time.Second

// linkingConfigured reports whether the host takes part in linking.
func (k *Kakao) linkingConfigured() bool {
	l := k.cfg.Linking
	return k.cfg.Users != nil && (l.OnNewUser != nil || l.FindCandidate != nil || l.SignupURL != "")
}

// resolveNewUser decides what a login of an unlinked Kakao user becomes:
// linked at once, a new host user, or a pending identity (signup or proof).
// It returns where to send the browser; l.UserID is set when linked.
func (k *Kakao) resolveNewUser(ctx context.Context, l *session.Login, user *kakaoapi.User) (pending *PendingIdentity, err error) {
	nu := newUserOf(user, l)
	cfg := k.cfg.Linking
	if cfg.FindCandidate != nil {
		cand, ok, err := k.findCandidate(ctx, nu)
		if err != nil {
			return nil, err
		}
		if ok && cand.UserID != "" {
			if cfg.Policy == LinkByVerifiedEmail && nu.EmailVerified && cand.EmailVerified {
				link, err := k.link(ctx, l.KakaoID, cand.UserID)
				if err != nil {
					return nil, err
				}
				l.UserID = link.UserID
				return nil, nil
			}
			return &PendingIdentity{Kind: PendingProof, Candidate: cand.UserID}, nil
		}
	}
	if nu.HasSignedUp != nil && !*nu.HasSignedUp && cfg.SignupURL != "" {
		return &PendingIdentity{Kind: PendingSignup}, nil
	}
	if cfg.OnNewUser == nil {
		if cfg.SignupURL != "" {
			return &PendingIdentity{Kind: PendingSignup}, nil
		}
		return nil, nil // a Kakao-only identity
	}
	userID, err := k.createOnce(ctx, nu)
	if errors.Is(err, ErrSignupRequired) {
		if cfg.SignupURL == "" {
			return nil, newError(http.StatusInternalServerError, CodeHookFailed, errors.New("OnNewUser asked for a signup but SignupURL is not set"))
		}
		return &PendingIdentity{Kind: PendingSignup}, nil
	}
	if err != nil {
		return nil, err
	}
	l.UserID = userID
	return nil, nil
}

// createOnce runs OnNewUser and links its user, at most once per Kakao user
// across concurrent logins and app instances: a store lock serialises first
// logins of one Kakao ID, and the link is looked up again under it.
func (k *Kakao) createOnce(ctx context.Context, nu NewUser) (string, error) {
	st := k.locks
	lock := "kakaologin:first-login:" + strconv.FormatInt(nu.KakaoID, 10)
	deadline := time.Now().Add(linkWait)
	for {
		fence, ok, err := st.TryLock(ctx, lock, linkWait)
		if err != nil {
			return "", newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err)
		}
		if ok {
			defer st.Unlock(context.WithoutCancel(ctx), lock, fence)
			break
		}
		if time.Now().After(deadline) {
			return "", newError(http.StatusServiceUnavailable, CodeSessionUnavailable, errors.New("first login of this user still running elsewhere"))
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(refreshPoll):
		}
	}
	// Another login may have created and linked the user meanwhile.
	if link, err := k.cfg.Users.ByKakaoID(ctx, nu.KakaoID); err == nil {
		return link.UserID, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err)
	}
	userID, err := k.callNewUser(ctx, nu)
	if err != nil {
		return "", err
	}
	link, err := k.link(ctx, nu.KakaoID, userID)
	if err != nil {
		return "", err
	}
	return link.UserID, nil
}

// callNewUser calls OnNewUser, turning a panic into an error, so that a
// failing hook shows the error page and no session is written.
func (k *Kakao) callNewUser(ctx context.Context, nu NewUser) (userID string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newError(http.StatusInternalServerError, CodeHookFailed, fmt.Errorf("OnNewUser panicked: %v", r))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, hookTimeout)
	defer cancel()
	userID, err = k.cfg.Linking.OnNewUser(ctx, nu)
	switch {
	case errors.Is(err, ErrSignupRequired):
		return "", err
	case err != nil:
		return "", newError(http.StatusInternalServerError, CodeHookFailed, err)
	case userID == "":
		return "", newError(http.StatusInternalServerError, CodeHookFailed, errors.New("OnNewUser returned no user ID"))
	}
	return userID, nil
}

// link records kakaoID ↔ userID, mapping a conflict (either side already
// linked to someone else) to a clear page.
func (k *Kakao) link(ctx context.Context, kakaoID int64, userID string) (store.Link, error) {
	link, err := k.cfg.Users.Link(ctx, store.Link{KakaoID: kakaoID, UserID: userID, LinkedAt: k.cfg.Now().UTC()})
	switch {
	case errors.Is(err, store.ErrLinkConflict):
		return store.Link{}, newError(http.StatusConflict, CodeLinkConflict, err)
	case err != nil:
		return store.Link{}, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err)
	}
	k.event(ctx, "linked", "kakao_id", kakaoID, "user_id", userID)
	if k.cfg.Linking.OnLink != nil {
		hctx, cancel := context.WithTimeout(ctx, hookTimeout)
		defer cancel()
		k.cfg.Linking.OnLink(hctx, link)
	}
	return link, nil
}

// holdPending puts the session in the pending state p for the Kakao
// identity l: a state of the session record, never a login.
func (k *Kakao) holdPending(c *gin.Context, p *PendingIdentity, l *session.Login, nu NewUser, ts *session.TokenSet) error {
	id := *l
	id.UserID = ""
	return k.sessions.HoldPending(c, &session.Pending{
		Kind: p.Kind, Candidate: p.Candidate, Login: id,
		Email: nu.Email, EmailVerified: nu.EmailVerified, NeedsAgreement: nu.NeedsAgreement,
		CreatedAt: k.cfg.Now(), ExpiresAt: k.cfg.Now().Add(pendingLife),
	}, ts)
}

// Pending returns the pending Kakao identity of the request's session: a
// login held for a signup or for proof of an existing account. Expired
// pending identities are not returned.
func (k *Kakao) Pending(c *gin.Context) (*PendingIdentity, bool) {
	sp, ok := k.sessions.Pending(c)
	if !ok || !k.cfg.Now().Before(sp.ExpiresAt) {
		return nil, false
	}
	return &PendingIdentity{
		Kind: sp.Kind, Candidate: sp.Candidate, Created: sp.CreatedAt,
		Nickname: sp.Login.Nickname, Email: sp.Email, EmailVerified: sp.EmailVerified,
		NeedsAgreement: sp.NeedsAgreement, KakaoID: sp.Login.KakaoID,
	}, true
}

// CompletePending finishes the request's pending login as host user
// userID: after a proof (the host has just authenticated userID by its own
// login, which proves the account is the user's) or a signup (the host
// has just created userID from its signup form). The Kakao user is linked
// to userID, OnLogin runs, and the session is logged in as that user with
// a renewed session token. It fails with ErrNotPending, with an error
// matching ErrLinkConflict when either side is linked to someone else, or
// with an *Error of CodeHookFailed when OnLogin refused the login (the
// session is then logged out).
func (k *Kakao) CompletePending(c *gin.Context, userID string) error {
	p, ok := k.Pending(c)
	if !ok {
		return ErrNotPending
	}
	if userID == "" {
		return errors.New("kakaogin: empty user ID")
	}
	ctx := c.Request.Context()
	if _, err := k.link(ctx, p.KakaoID, userID); err != nil {
		return err
	}
	sp, _ := k.sessions.Pending(c)
	nl := sp.Login
	nl.UserID = userID
	if err := k.callOnLogin(ctx, identityOf(&nl)); err != nil {
		k.endRefusedLogin(c, err)
		return err
	}
	ts, err := k.sessions.Tokens(c)
	if err != nil {
		ts = nil // a session without tokens still logs in; Client will say so
	}
	return k.sessions.LogIn(c, &nl, ts) // clears the pending state
}

// AbandonPending drops the request's pending login (a signup or proof the
// user does not finish): the session ends and, with
// Config.Linking.AbandonUnlinksKakao, the user is unlinked at Kakao too
// (so that Kakao does not keep a link to an app the user never joined).
func (k *Kakao) AbandonPending(c *gin.Context) error {
	p, ok := k.Pending(c)
	if !ok {
		return ErrNotPending
	}
	if k.cfg.Linking.AbandonUnlinksKakao {
		ctx, cancel := context.WithTimeout(c.Request.Context(), unlinkTimeout)
		defer cancel()
		if err := k.UnlinkAtKakao(ctx, c, p.KakaoID); err != nil {
			return err
		}
	}
	return k.sessions.LogOut(c)
}

// newUserOf builds the hooks' view of a Kakao user.
func newUserOf(u *kakaoapi.User, l *session.Login) NewUser {
	nu := NewUser{KakaoID: u.ID, Nickname: l.Nickname, ImageURL: l.ImageURL, HasSignedUp: u.HasSignedUp, Account: u.KakaoAccount}
	if a := u.KakaoAccount; a != nil {
		nu.EmailVerified = a.EmailVerified()
		nu.Email = cleanText(a.Email, 254)
		nu.CI = a.CI
		nu.NeedsAgreement = accountItems(a, true)
	}
	return nu
}

// accountItems lists the kakao_account consent items whose
// needs_agreement flag user info reports as needs: true for the items the
// user has not agreed to, false for those agreed. Items user info says
// nothing about are in neither list.
func accountItems(a *kakaoapi.Account, needs bool) []string {
	var out []string
	for _, f := range [...]struct {
		item string
		flag *bool
	}{
		{"profile_nickname", a.ProfileNicknameNeedsAgreement}, {"profile_image", a.ProfileImageNeedsAgreement},
		{"account_email", a.EmailNeedsAgreement}, {"name", a.NameNeedsAgreement}, {"gender", a.GenderNeedsAgreement},
		{"age_range", a.AgeRangeNeedsAgreement}, {"birthday", a.BirthdayNeedsAgreement}, {"birthyear", a.BirthyearNeedsAgreement},
		{"phone_number", a.PhoneNumberNeedsAgreement}, {"account_ci", a.CINeedsAgreement},
	} {
		if f.flag != nil && *f.flag == needs {
			out = append(out, f.item)
		}
	}
	return out
}

// asError returns err as an *Error, wrapping others as internal errors.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return newError(http.StatusInternalServerError, CodeInternal, err)
}
