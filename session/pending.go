package session

import (
	"fmt"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
)

// Pending kinds.
const (
	// PendingSignup waits for the host to create an account.
	PendingSignup = "signup"
	// PendingProof waits for the user to prove an existing host account.
	PendingProof = "proof"
)

// PendingLifetime is how long a pending state lasts when HoldPending is
// given no expiry.
const PendingLifetime = 10 * time.Minute

// Pending is a Kakao login held in the session while the host completes a
// signup or the user proves an existing account. A session holding one is
// not logged in: Current reports false.
type Pending struct {
	// Kind is PendingSignup or PendingProof. Required.
	Kind string
	// Candidate is the host account the user is asked to prove
	// (PendingProof).
	Candidate string
	// Login is the Kakao identity to log in once the host completes the
	// signup or proof (its UserID is then set). Login.KakaoID is required.
	Login Login
	// Email, EmailVerified and NeedsAgreement are what Kakao said of the
	// user, for the signup or proof pages.
	Email          string
	EmailVerified  bool
	NeedsAgreement []string
	// CreatedAt is when the pending state started; zero means now.
	CreatedAt time.Time
	// ExpiresAt is when it lapses; zero means CreatedAt + PendingLifetime.
	ExpiresAt time.Time
}

// HoldPending puts the request's session in the pending state p, with the
// Kakao tokens ts (nil for none): like LogIn it renews the session token,
// replaces the CSRF secret, indexes the session under the Kakao user and
// saves it before returning; a login the session had ends. LogIn, with
// the identity completed, clears the pending state. It must be called
// before the response starts.
func (m *Manager) HoldPending(c *gin.Context, p *Pending, ts *TokenSet) error {
	st := m.req(c)
	if st == nil {
		return ErrNoMiddleware
	}
	if p == nil || p.Login.KakaoID <= 0 || (p.Kind != PendingSignup && p.Kind != PendingProof) {
		return fmt.Errorf("%w: a pending state needs a kind and a positive Kakao ID", ErrInvalid)
	}
	now := m.now()
	np := *p
	np.Login.UserID = ""
	np.Login.Scopes = slices.Clone(p.Login.Scopes)
	np.NeedsAgreement = slices.Clone(p.NeedsAgreement)
	if np.CreatedAt.IsZero() {
		np.CreatedAt = now
	}
	np.CreatedAt = np.CreatedAt.Truncate(time.Second).UTC()
	if np.ExpiresAt.IsZero() {
		np.ExpiresAt = np.CreatedAt.Add(PendingLifetime)
	}
	np.ExpiresAt = np.ExpiresAt.Truncate(time.Second).UTC()
	return m.changeIdentity(c, st, ts, &np.Login, func(d *draft) {
		d.login, d.pending = nil, &np
	})
}

// Pending returns the pending state of the request's session, or false
// when it holds none or it has expired. The caller must not modify it.
func (m *Manager) Pending(c *gin.Context) (*Pending, bool) {
	st := m.req(c)
	if st == nil {
		return nil, false
	}
	var p *Pending
	rec, d := st.state()
	switch {
	case d != nil:
		p = d.pending
	case rec != nil && rec.pending != nil:
		p = decodePending(rec.pending)
	}
	if p == nil || !m.now().Before(p.ExpiresAt) {
		return nil, false
	}
	return p, true
}

func decodePending(sec []byte) *Pending {
	r := reader[string]{b: string(sec)}
	p := &Pending{Kind: r.str(maxString), Candidate: r.str(maxString)}
	r.loginInto(&p.Login, nil)
	p.Email = r.str(maxString)
	p.EmailVerified = r.byte1() == 1
	p.NeedsAgreement = r.scopes()
	p.CreatedAt = r.time()
	p.ExpiresAt = r.time()
	if r.err != nil {
		return nil
	}
	return p
}

func appendPending(b []byte, p *Pending) ([]byte, error) {
	var err error
	for _, s := range [...]string{p.Kind, p.Candidate} {
		if b, err = appendStr(b, s, maxString, "pending field"); err != nil {
			return b, err
		}
	}
	if b, err = appendLogin(b, &p.Login); err != nil {
		return b, err
	}
	if b, err = appendStr(b, p.Email, maxString, "email"); err != nil {
		return b, err
	}
	verified := byte(0)
	if p.EmailVerified {
		verified = 1
	}
	b = append(b, verified)
	if b, err = appendScopes(b, p.NeedsAgreement); err != nil {
		return b, err
	}
	b = appendTime(b, p.CreatedAt)
	return appendTime(b, p.ExpiresAt), nil
}
