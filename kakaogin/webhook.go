package kakaogin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"

	"github.com/kakaologin/kakaologin/kakaogin/internal/idtoken"
)

// Kakao's unlink callback: Kakao tells the app that a user
// left it from Kakao's side. Kakao counts anything but a 200 within 3 s as a
// failure and pauses the callback after failing for long, so the handler
// does the durable minimum synchronously (every session of the user ends)
// and leaves a slow host hook to the retry queue.
const (
	// webhookMaxBody caps a POST body; the real one is a few short fields.
	webhookMaxBody = 8 << 10
	// webhookHookBudget is how long OnUnlink may take within the request
	// before the event is queued for retry.
	webhookHookBudget = 2 * time.Second
	// webhookDeadline bounds the whole of the local processing, under
	// Kakao's 3 s: session revocation plus the hook budget plus queueing.
	webhookDeadline = 2500 * time.Millisecond
	// webhookScheme is the Authorization scheme Kakao sends, with its
	// single separating space.
	webhookScheme = "KakaoAK "
	// maxReferrerLen caps referrer_type; documented values are < 32 bytes.
	maxReferrerLen = 64
)

// webhookOK is the whole body of every accepted callback, whether or not
// the user was known here, so that the callback cannot be used to probe
// which Kakao users have accounts here. Kakao ignores it.
const webhookOK = "ok\n"

// unlinkNotice is a parsed, authenticated unlink callback.
type unlinkNotice struct {
	KakaoID  int64
	Referrer ReferrerType
	// problem says, for the log, why Referrer is ReferrerUnknown; it never
	// quotes the value received.
	problem string
}

// handleUnlinkCallback is GET,POST unlink/callback, Kakao's unlink webhook.
// It is authenticated by the admin key, not by a session or CSRF, answers
// 200 for known and unknown users and for repeats alike, and never
// redirects (Kakao counts a redirect as a failure) or sets a cookie.
func (k *Kakao) handleUnlinkCallback(c *gin.Context) {
	rec := k.beginFlow(c, "kakaologin.unlink_callback")
	referrer := "none" // refused before the parameters were read
	defer func() {
		outcome := rec.end(c)
		add(c.Request.Context(), k.tel.unlinkCallbacks, 1,
			attribute.String(attrReferrer, referrer), attribute.String(attrResult, outcome))
	}()
	ctx := c.Request.Context()
	if !k.webhookAuthorized(c.Request.Header) {
		k.webhookReject(c, newError(http.StatusUnauthorized, CodeUnauthorizedCaller,
			errors.New("unlink callback: missing or wrong KakaoAK authorization")))
		return
	}
	vals, e := readWebhookParams(c)
	if e != nil {
		k.webhookReject(c, e)
		return
	}
	cb, e := parseUnlinkCallback(vals, strconv.FormatInt(k.cfg.Unlink.Callback.AppID, 10))
	if e != nil {
		k.webhookReject(c, e)
		return
	}
	referrer = string(ReferrerUnknown)
	if cb.Referrer.Known() && cb.Referrer != ReferrerService {
		referrer = string(cb.Referrer)
	}
	rec.span.SetAttributes(attribute.String(attrReferrer, referrer))
	k.event(ctx, "unlink callback received", "kakao_id", cb.KakaoID, "referrer", string(cb.Referrer),
		"method", c.Request.Method, "ip", c.ClientIP())
	switch {
	case cb.Referrer == ReferrerUnknown:
		// The caller proved it is Kakao and named the user: the user has
		// left whatever the reason, and keeping their sessions alive over
		// a missing reason would fail the wrong way.
		k.cfg.Logger.WarnContext(ctx, "kakaogin: unlink callback without a usable referrer_type; processed",
			"kakao_id", cb.KakaoID, "problem", cb.problem)
	case !cb.Referrer.Known():
		k.cfg.Logger.WarnContext(ctx, "kakaogin: unlink callback with an unknown referrer_type; processed",
			"kakao_id", cb.KakaoID, "referrer", string(cb.Referrer))
	}

	// Kakao hanging up must not stop a revocation half-way; the deadline
	// keeps the answer inside Kakao's 3 s.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), webhookDeadline)
	defer cancel()
	if err := k.unlinkCallbackLeft(lctx, cb.KakaoID, cb.Referrer); err != nil {
		// Sessions could not be ended or the event not queued: tell Kakao
		// it failed, so that it may send it again.
		k.webhookReject(c, newError(http.StatusInternalServerError, CodeSessionUnavailable, err))
		return
	}
	webhookHeaders(c.Writer.Header())
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(webhookOK))
}

// webhookAuthorized reports whether h carries exactly one Authorization
// header of exactly "KakaoAK <admin key>": the scheme spelt so, one space,
// then the key, compared in constant time through SHA-256 digests (so
// that neither the key's length nor its prefix leaks). Nothing is
// trimmed. net/http itself drops whitespace around a header value (it is
// not part of the value in HTTP); whitespace anywhere else fails.
func (k *Kakao) webhookAuthorized(h http.Header) bool {
	vals := h.Values("Authorization")
	if len(vals) != 1 || len(vals[0]) <= len(webhookScheme) || vals[0][:len(webhookScheme)] != webhookScheme {
		return false
	}
	got := sha256.Sum256([]byte(vals[0][len(webhookScheme):]))
	want := sha256.Sum256([]byte(k.cfg.AdminKey))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// webhookFields are the parameters of the unlink callback.
var webhookFields = [...]string{"app_id", "user_id", "referrer_type", "group_user_token"}

// readWebhookParams returns the callback's parameters from exactly one
// source: the query for GET, the form body for POST. A POST whose
// query names a callback field differently from its body is refused rather
// than merged.
func readWebhookParams(c *gin.Context) (url.Values, *Error) {
	r := c.Request
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, newError(http.StatusBadRequest, CodeBadRequest, errors.New("unlink callback: malformed query"))
	}
	if r.Method == http.MethodGet {
		return query, nil
	}
	if r.ContentLength > webhookMaxBody {
		return nil, newError(http.StatusRequestEntityTooLarge, CodeBadRequest, errors.New("unlink callback: body too large"))
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" || len(r.Header.Values("Content-Type")) != 1 {
		return nil, newError(http.StatusUnsupportedMediaType, CodeBadRequest,
			errors.New("unlink callback: POST body is not application/x-www-form-urlencoded"))
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, r.Body, webhookMaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newError(http.StatusRequestEntityTooLarge, CodeBadRequest, errors.New("unlink callback: body too large"))
		}
		return nil, newError(http.StatusBadRequest, CodeBadRequest, errors.New("unlink callback: body not read"))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, newError(http.StatusBadRequest, CodeBadRequest, errors.New("unlink callback: malformed form body"))
	}
	for _, f := range webhookFields {
		if q, ok := query[f]; ok && !slices.Equal(q, form[f]) {
			return nil, newError(http.StatusBadRequest, CodeBadRequest,
				errors.New("unlink callback: query and body disagree on "+f))
		}
	}
	return form, nil
}

// parseUnlinkCallback checks the callback's parameters: app_id once
// and equal to appID (another app's callback is unauthorized), user_id once
// and a canonical Kakao user ID. referrer_type only explains why the user
// left, so it never refuses a callback: an undocumented value of Kakao's
// shape is passed on as received, and a missing, repeated or malformed one
// becomes ReferrerUnknown. group_user_token is ignored. Error causes
// never quote the values.
func parseUnlinkCallback(vals url.Values, appID string) (unlinkNotice, *Error) {
	bad := func(msg string) (unlinkNotice, *Error) {
		return unlinkNotice{}, newError(http.StatusBadRequest, CodeBadRequest, errors.New("unlink callback: "+msg))
	}
	app := vals["app_id"]
	switch {
	case len(app) != 1:
		return bad("app_id missing or repeated")
	case app[0] != appID:
		return unlinkNotice{}, newError(http.StatusUnauthorized, CodeUnauthorizedCaller,
			errors.New("unlink callback: app_id is not this app's"))
	}
	uid := vals["user_id"]
	if len(uid) != 1 {
		return bad("user_id missing or repeated")
	}
	id, err := idtoken.ParseKakaoID(uid[0])
	if err != nil {
		return bad("user_id is not a Kakao user ID")
	}
	n := unlinkNotice{KakaoID: id, Referrer: ReferrerUnknown}
	switch ref := vals["referrer_type"]; {
	case len(ref) == 0:
		n.problem = "referrer_type missing"
	case len(ref) > 1:
		n.problem = "referrer_type repeated"
	case !validReferrer(ref[0]):
		n.problem = "referrer_type malformed"
	default:
		n.Referrer = ReferrerType(ref[0])
	}
	return n, nil
}

// validReferrer accepts the shape of Kakao's referrer types (upper-case
// words joined by underscores), so that an undocumented future value is
// processed while junk is not passed to the host.
func validReferrer(s string) bool {
	if s == "" || len(s) > maxReferrerLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if (ch < 'A' || ch > 'Z') && (ch < '0' || ch > '9') && ch != '_' {
			return false
		}
	}
	return true
}

// webhookReject answers a refused or failed callback with a small JSON
// error (never HTML, a redirect or the host's error page) and logs it as a
// security event. Causes carry no parameter values and never the admin
// key.
func (k *Kakao) webhookReject(c *gin.Context, e *Error) {
	setOutcome(c, string(e.Code))
	ctx := c.Request.Context()
	k.errors.logError(ctx, c.Request, e)
	k.event(ctx, "unlink callback rejected", "status", e.Status, "code", string(e.Code), "reason", e.Err.Error(),
		"ip", c.ClientIP())
	webhookHeaders(c.Writer.Header())
	c.AbortWithStatusJSON(e.Status, gin.H{"error": string(e.Code)})
}

// webhookHeaders are the headers of every callback answer.
func webhookHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}
