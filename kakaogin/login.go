package kakaogin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
)

// Flow purposes. A flow completes only the kind of callback it was started
// for, so that a consent or link flow cannot be replayed as a login.
const (
	purposeLogin     = "login"
	purposeLoginAuto = "login_auto" // prompt=none in the Kakao Talk in-app browser
	purposeConsent   = "consent"
)

// maxLoginHint bounds login_hint.
const maxLoginHint = 256

// handleLogin is GET login: it starts a login flow and redirects to Kakao.
// Only next, prompt and login_hint are read from the query, each at most
// once; the authorization request is built from server-side values only.
func (k *Kakao) handleLogin(c *gin.Context) {
	defer k.beginFlow(c, "kakaologin.login").end(c)
	q, ok := k.singleParams(c, "next", "prompt", "login_hint", "fallback")
	if !ok {
		return
	}
	var prompts []kakaoapi.Prompt
	switch q["prompt"] {
	case "login", "select_account", "create":
		prompts = []kakaoapi.Prompt{kakaoapi.Prompt(q["prompt"])}
	default:
		// Anything else (none, consent, …) is dropped, as every other
		// parameter not on the allowlist is: a crafted URL cannot start a
		// silent prompt=none login.
	}
	hint := q["login_hint"]
	if len(hint) > maxLoginHint || hasForbiddenRune(hint) {
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("login_hint malformed")))
		return
	}
	purpose := purposeLogin
	if k.cfg.Login.KakaoTalkAutoLogin && prompts == nil && q["fallback"] == "" && isKakaoTalk(c.Request) {
		// Try a silent login first: Kakao Talk's in-app browser is
		// already logged in to Kakao. Only when configured, and only in
		// that browser.
		purpose = purposeLoginAuto
		prompts = []kakaoapi.Prompt{kakaoapi.PromptNone}
	}
	k.startFlow(c, session.Flow{Purpose: purpose, ReturnTo: k.returnTo.resolve(q["next"])}, kakaoapi.AuthRequest{
		Scopes:       scopeParam(k.cfg.Scopes),
		Prompts:      prompts,
		LoginHint:    hint,
		ServiceTerms: k.cfg.ServiceTerms,
	})
}

// startFlow stores a flow with fresh state, nonce and PKCE verifier and
// redirects the browser to Kakao's authorize page. The flow is kept
// server-side (the state carries nothing but random bytes) and saved before
// the redirect is sent, so that no user is sent to Kakao with a flow that
// could not be stored.
func (k *Kakao) startFlow(c *gin.Context, f session.Flow, req kakaoapi.AuthRequest) {
	state := randomToken()
	f.StateHash = hashState(state)
	f.Verifier = oauth2.GenerateVerifier()
	f.CreatedAt = k.cfg.Now()
	req.State, req.Verifier = state, f.Verifier
	if !k.cfg.Login.DisableOIDC {
		f.Nonce = randomToken()
		req.Nonce = f.Nonce
	} else {
		req.Scopes = withoutOpenID(req.Scopes)
	}
	if !k.sessions.HasSession(c) && !k.allowNewSession(c) {
		c.Header("Retry-After", "60")
		k.fail(c, newError(http.StatusTooManyRequests, CodeTooManyLogins, errors.New("too many login starts without a session from this client")))
		return
	}
	added := k.sessionOp(c, "add_flow")
	err := k.sessions.AddFlow(c, f)
	added(err)
	if err != nil {
		k.fail(c, newError(http.StatusServiceUnavailable, CodeSessionUnavailable, err))
		return
	}
	to := k.api.AuthCodeURL(req)
	setPageHeaders(c.Writer.Header(), "")
	status := http.StatusFound
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		status = http.StatusSeeOther // after a POST (re-authentication before unlink)
	}
	c.Redirect(status, to)
}

// singleParams reads the named query parameters, refusing any that appears
// more than once (parameter pollution). Other parameters are ignored and
// never echoed. On failure it has answered c.
func (k *Kakao) singleParams(c *gin.Context, names ...string) (map[string]string, bool) {
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("malformed query")))
		return nil, false
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		switch v := q[n]; len(v) {
		case 0:
		case 1:
			out[n] = v[0]
		default:
			k.fail(c, newError(http.StatusBadRequest, CodeBadRequest, errors.New("parameter "+n+" repeated")))
			return nil, false
		}
	}
	return out, true
}

// isKakaoTalk reports whether r comes from the Kakao Talk in-app browser.
func isKakaoTalk(r *http.Request) bool {
	return strings.Contains(r.UserAgent(), "KAKAOTALK")
}

func withoutOpenID(scopes []string) []string {
	out := scopes[:0:0]
	for _, s := range scopes {
		if s != "openid" {
			out = append(out, s)
		}
	}
	return out
}
