package kakaogin

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"

	"github.com/kakaologin/kakaologin/kakaogin/internal/idtoken"
	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
)

// Errors of Client's token source. Host handlers branch on them with
// errors.Is; RequireLogin already treats the request as logged out after
// ErrSessionEnded, since the session is gone.
var (
	// ErrNoKakaoTokens: the request has no logged-in session with Kakao
	// tokens.
	ErrNoKakaoTokens = errors.New("kakaogin: no Kakao tokens in this session")
	// ErrSessionEnded: Kakao refused to refresh the tokens (the refresh
	// token expired or was revoked, or the user unlinked the app), so the
	// session was ended; the user must log in again.
	ErrSessionEnded = errors.New("kakaogin: Kakao refused the token refresh; the session was ended")
)

// Refresh timing.
const (
	// refreshMargin: an access token is refreshed when it has less than
	// this left, so that a call made with it does not fail in flight.
	refreshMargin = 5 * time.Minute
	// refreshLockTTL bounds how long one instance may hold a session's
	// refresh lock (longer than a token call can take).
	refreshLockTTL = 15 * time.Second
	// refreshWait bounds how long a request waits for another instance's
	// refresh before giving up with "try again".
	refreshWait = 10 * time.Second
	// refreshPoll is how often a waiting request looks for the result.
	refreshPoll = 50 * time.Millisecond
)

// Client returns the Kakao API client and an Auth for the request's
// logged-in user: the one way to call Kakao as that user. The Auth supplies
// the session's access token, refreshed first when it is near expiry: per
// session exactly one refresh call is made however many requests need it at
// once, also across app instances sharing the session store, because Kakao
// may rotate the refresh token and a second refresh with the old one would
// fail. A rotated refresh token replaces the stored one; when Kakao sends
// none the old one is kept. If Kakao refuses the refresh, the session is
// ended and calls fail with ErrSessionEnded.
//
//	api, auth := kg.Client(c)
//	me, err := api.Me(ctx, auth, nil)
//
// For a Kakao API that kakaoapi does not wrap, auth.AccessToken(ctx) gives
// the (refreshed) token itself.
func (k *Kakao) Client(c *gin.Context) (*kakaoapi.Client, kakaoapi.Auth) {
	return k.api, kakaoapi.BearerFrom(func(ctx context.Context) (string, error) {
		return k.accessToken(ctx, c)
	})
}

// accessToken returns a valid access token of the request's logged-in
// user, refreshing it as Client describes.
func (k *Kakao) accessToken(ctx context.Context, c *gin.Context) (string, error) {
	ts, err := k.sessions.Tokens(c)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoKakaoTokens, err)
	}
	if k.fresh(ts) {
		return ts.AccessToken, nil
	}
	// One refresh per session in this process; the store lock below makes
	// it one across instances.
	// The leader runs in its own request's goroutine (Do, not DoChan): it
	// uses its own gin.Context, which must not outlive its handler.
	key := refreshKey(ts.RefreshToken)
	v, err, _ := k.refreshes.Do(key, func() (any, error) {
		rctx, cancel := context.WithTimeout(ctx, refreshWait+refreshLockTTL)
		defer cancel()
		return k.refresh(rctx, c, key)
	})
	if err != nil {
		return "", err
	}
	return v.(*session.TokenSet).AccessToken, nil
}

// fresh reports whether ts's access token has more than refreshMargin left.
func (k *Kakao) fresh(ts *session.TokenSet) bool {
	return ts.AccessToken != "" && ts.AccessExpiry.After(k.cfg.Now().Add(refreshMargin))
}

// refreshKey names a session's refresh lineage without revealing the token.
func refreshKey(refreshToken string) string {
	sum := sha256.Sum256([]byte("kakaologin refresh\x00" + refreshToken))
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// refresh refreshes the session's tokens under the store's lock for key,
// unless another instance has done it meanwhile.
func (k *Kakao) refresh(ctx context.Context, c *gin.Context, key string) (*session.TokenSet, error) {
	ctx, span := k.tel.tracer.Start(ctx, "kakaologin.token_refresh")
	result := refreshFailed
	ts, err := k.doRefresh(ctx, c, key, &result)
	span.SetAttributes(attribute.String(attrResult, result))
	if result == refreshFailed {
		span.SetStatus(codes.Error, result)
	}
	span.End()
	add(ctx, k.tel.refreshes, 1, attribute.String(attrResult, result))
	return ts, err
}

// doRefresh is refresh without its span and count; it sets *result.
func (k *Kakao) doRefresh(ctx context.Context, c *gin.Context, key string, result *string) (*session.TokenSet, error) {
	st := k.locks
	lock := "kakaologin:refresh:" + key
	deadline := time.Now().Add(refreshWait)
	for {
		fence, ok, err := st.TryLock(ctx, lock, refreshLockTTL)
		if err != nil {
			return nil, fmt.Errorf("kakaogin: refresh lock: %w", err)
		}
		if ok {
			defer func() {
				if err := st.Unlock(context.WithoutCancel(ctx), lock, fence); err != nil {
					k.cfg.Logger.WarnContext(ctx, "kakaogin: refresh unlock failed", "err", err)
				}
			}()
			break
		}
		// Another instance is refreshing this session: wait for its result.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(refreshPoll):
		}
		cur, err := k.sessions.ReloadTokens(c)
		if err != nil {
			return nil, k.tokensGone(err)
		}
		if k.fresh(cur) {
			*result = refreshWaited
			return cur, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: waited %v for another instance's token refresh", kakaoapi.ErrUnavailable, refreshWait)
		}
	}

	// Holding the lock: the stored tokens may have been refreshed by the
	// instance that held it before us.
	cur, err := k.sessions.ReloadTokens(c)
	if err != nil {
		return nil, k.tokensGone(err)
	}
	if k.fresh(cur) {
		*result = refreshWaited
		return cur, nil
	}
	tok, err := k.api.Refresh(ctx, &kakaoapi.Token{
		RefreshToken: cur.RefreshToken, RefreshExpiry: cur.RefreshExpiry, Scopes: cur.Scopes,
	})
	if err != nil {
		if !refusedGrant(err) {
			return nil, err // Kakao down or busy: the session stays, try again later
		}
		// Another instance may have rotated the token meanwhile: re-read
		// once; if the stored refresh token is still the one Kakao
		// refused, end the session — never loop.
		again, rerr := k.sessions.ReloadTokens(c)
		if rerr == nil && again.RefreshToken != cur.RefreshToken {
			if k.fresh(again) {
				*result = refreshWaited
				return again, nil
			}
		}
		k.endSession(ctx, c, err)
		*result = refreshRefused
		return nil, fmt.Errorf("%w: %w", ErrSessionEnded, err)
	}
	l, ok := k.current(c)
	if !ok {
		return nil, ErrNoKakaoTokens
	}
	if tok.IDToken != "" {
		// A refreshed ID token must name the same user; it is not
		// nonce-checked, as a refresh has no authorization request and
		// so no nonce to compare with.
		if err := k.checkRefreshedIDToken(ctx, tok, l); err != nil {
			return nil, err
		}
	}
	nts := tokenSet(tok)
	saved := k.sessionOp(c, "set_tokens")
	err = k.sessions.SetTokens(c, nts)
	saved(err)
	if err != nil {
		return nil, fmt.Errorf("kakaogin: save refreshed tokens: %w", err)
	}
	*result = refreshDone
	k.event(ctx, "tokens refreshed", "kakao_id", l.KakaoID, "refresh_rotated", tok.RefreshToken != cur.RefreshToken)
	if k.cfg.OnTokenRefreshed != nil {
		hctx, cancel := context.WithTimeout(ctx, hookTimeout)
		defer cancel()
		k.cfg.OnTokenRefreshed(hctx, identityOf(l), tok)
	}
	return nts, nil
}

// refusedGrant reports errors after which the refresh token will never
// work again.
func refusedGrant(err error) bool {
	return errors.Is(err, kakaoapi.ErrInvalidGrant) || errors.Is(err, kakaoapi.ErrRefreshTokenInvalid) ||
		errors.Is(err, kakaoapi.ErrNotLinked) || errors.Is(err, kakaoapi.ErrInvalidToken)
}

// tokensGone maps a session error met while refreshing.
func (k *Kakao) tokensGone(err error) error {
	if errors.Is(err, session.ErrNotLoggedIn) || errors.Is(err, session.ErrNoTokens) {
		return fmt.Errorf("%w: %w", ErrSessionEnded, err)
	}
	return err
}

// endSession logs the request's session out after a refused refresh.
func (k *Kakao) endSession(ctx context.Context, c *gin.Context, cause error) {
	loggedOut := k.sessionOp(c, "log_out")
	err := k.sessions.LogOut(c)
	loggedOut(err)
	if err != nil {
		k.cfg.Logger.ErrorContext(ctx, "kakaogin: ending the session after a refused refresh failed", "err", err)
		return
	}
	k.sessionsEnded(ctx, causeRefreshRefused, 1)
	k.event(ctx, "session ended", "reason", "token refresh refused", "err", cause.Error())
}

// checkRefreshedIDToken verifies an ID token returned by a refresh: the
// usual signature and claim checks, and the same user as the session.
func (k *Kakao) checkRefreshedIDToken(ctx context.Context, tok *kakaoapi.Token, l *session.Login) error {
	if k.cfg.Login.DisableOIDC {
		return nil
	}
	v, err := k.oidc.Verifier(ctx)
	if err != nil {
		return err
	}
	claims, err := v.Verify(ctx, tok.IDToken, idtoken.Checks{AccessToken: tok.AccessToken})
	if err != nil {
		return err
	}
	if claims.KakaoID != l.KakaoID {
		return fmt.Errorf("%w: refreshed ID token names another user", ErrIDToken)
	}
	return nil
}

// identityOf converts a session login.
func identityOf(l *session.Login) Identity {
	return Identity{
		UserID: l.UserID, KakaoID: l.KakaoID, Nickname: l.Nickname, ImageURL: l.ImageURL,
		Scopes: l.Scopes, LoggedInAt: l.LoggedInAt, AuthTime: l.AuthTime,
	}
}
