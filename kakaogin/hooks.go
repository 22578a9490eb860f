package kakaogin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// hookTimeout bounds every hook call, in a request or from the retry
// queue, so that a stuck host database cannot hold a login or Kakao's
// unlink callback open. Config's doc states it.
const hookTimeout = 5 * time.Second

// findCandidate calls FindCandidate under the hook deadline; its error is
// a CodeHookFailed page.
func (k *Kakao) findCandidate(ctx context.Context, nu NewUser) (cand Candidate, ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newError(http.StatusInternalServerError, CodeHookFailed, fmt.Errorf("FindCandidate panicked: %v", r))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, hookTimeout)
	defer cancel()
	cand, ok, err = k.cfg.Linking.FindCandidate(ctx, nu)
	if err != nil {
		return Candidate{}, false, newError(http.StatusInternalServerError, CodeHookFailed, fmt.Errorf("FindCandidate: %w", err))
	}
	return cand, ok, nil
}

// callOnLogin asks OnLogin, under the hook deadline, whether the login of
// id may complete. A refusal (an error or a panic) is a CodeHookFailed
// *Error wrapping the cause.
func (k *Kakao) callOnLogin(ctx context.Context, id Identity) (err error) {
	if k.cfg.Login.OnLogin == nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = newError(http.StatusInternalServerError, CodeHookFailed, fmt.Errorf("OnLogin panicked: %v", r))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, hookTimeout)
	defer cancel()
	if err := k.cfg.Login.OnLogin(ctx, id); err != nil {
		return newError(http.StatusInternalServerError, CodeHookFailed, fmt.Errorf("OnLogin refused the login: %w", err))
	}
	return nil
}

// endRefusedLogin logs the request's session out after OnLogin refused a
// login, so that neither the refused login nor a session from before it
// (a pending one, another user's) stays. The new login was never saved.
func (k *Kakao) endRefusedLogin(c *gin.Context, cause error) {
	ctx := c.Request.Context()
	if err := k.sessions.LogOut(c); err != nil {
		k.cfg.Logger.ErrorContext(ctx, "kakaogin: ending the session after a refused login failed", "err", err)
	}
	k.event(ctx, "login refused", "reason", "OnLogin", "code", string(asError(cause).Code))
}
