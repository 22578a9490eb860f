package kakaogin

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"

	"github.com/kakaologin/kakaologin/kakaogin/internal/secevent"
)

// The push delivery of a SET (RFC 8935): the token is the whole body,
// answered 202 when accepted and 400 with an error code when refused.
const (
	// setMediaType is the body's media type; setMediaTypeAlt is the plain
	// JWT media type, accepted (and logged) because Kakao's is
	// unconfirmed.
	setMediaType    = "application/secevent+jwt"
	setMediaTypeAlt = "application/jwt"
	// setUnavailable is the error code of a SET that could not be
	// checked or acted on here (not one of RFC 8935's, whose codes all
	// blame the sender): answered with 503, so Kakao may send it again.
	setUnavailable = "temporarily_unavailable"
)

// handleSecurityEvent is POST events, Kakao's account status change
// webhook. It is authenticated by the SET's signature, not by a session or
// CSRF; it never redirects or sets a cookie. A SET is taken only when
// every check passed and its jti was new to the shared store; if acting on
// it then fails, the jti is released so that Kakao's next delivery of the
// same SET is taken.
func (k *Kakao) handleSecurityEvent(c *gin.Context) {
	rec := k.beginFlow(c, "kakaologin.security_event")
	var t *secevent.Token // the verified SET, once it is
	defer func() { k.countSET(c, rec, t) }()
	ctx := c.Request.Context()
	raw, ctype, e := readSET(c)
	if e != nil {
		k.setReject(c, e, "")
		return
	}
	v, err := k.oidc.Verifier(ctx)
	if err != nil {
		k.setUnavailable(c, "Kakao's key set is unavailable", err)
		return
	}
	verified, err := secevent.Verify(ctx, raw, v, k.setChecks())
	var se *secevent.Error
	switch {
	case errors.As(err, &se):
		k.setReject(c, se, "")
		return
	case err != nil:
		k.setUnavailable(c, "the SET could not be checked", err)
		return
	}
	t = verified
	k.logSETVariants(ctx, t, ctype)

	// Kakao hanging up must not stop the work half-way; the deadline
	// keeps the answer inside Kakao's 3 s.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), webhookDeadline)
	defer cancel()
	key := jtiKey(t.Issuer, t.JTI)
	fence, fresh, err := k.locks.TryLock(lctx, key, k.cfg.SecurityEvents.MaxAge+3*setLeeway)
	switch {
	case err != nil:
		k.setUnavailable(c, "the store did not answer", err)
		return
	case !fresh:
		k.setReject(c, &secevent.Error{Code: secevent.InvalidRequest, Description: "jti already used"}, t.JTI)
		return
	}
	if err := k.actOnSET(lctx, t); err != nil {
		_ = k.locks.Unlock(context.WithoutCancel(ctx), key, fence)
		k.setUnavailable(c, "the event could not be acted on", err)
		return
	}
	webhookHeaders(c.Writer.Header())
	c.Status(http.StatusAccepted)
}

// readSET reads the body: exactly one Content-Type, setMediaType (or
// setMediaTypeAlt), at most secevent.MaxSize bytes.
func readSET(c *gin.Context) (raw, ctype string, e *secevent.Error) {
	r := c.Request
	bad := func(msg string) (string, string, *secevent.Error) {
		return "", "", &secevent.Error{Code: secevent.InvalidRequest, Description: msg}
	}
	cts := r.Header.Values("Content-Type")
	if len(cts) != 1 {
		return bad("Content-Type must be " + setMediaType)
	}
	mt, _, err := mime.ParseMediaType(cts[0])
	if err != nil || (mt != setMediaType && mt != setMediaTypeAlt) {
		return bad("Content-Type must be " + setMediaType)
	}
	if r.ContentLength > secevent.MaxSize {
		return bad("body too large")
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, r.Body, secevent.MaxSize))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bad("body too large")
		}
		return bad("body not read")
	}
	return string(body), mt, nil
}

// logSETVariants logs, at debug level for the standard forms and as a
// warning for the tolerated ones, how Kakao's SET looked where its format
// is unconfirmed.
func (k *Kakao) logSETVariants(ctx context.Context, t *secevent.Token, ctype string) {
	attrs := []any{"typ", t.Typ, "content_type", ctype, "subject", t.SubjectSource, "kid", t.KeyID}
	if !secevent.TypStandard(t.Typ) || ctype != setMediaType {
		k.cfg.Logger.WarnContext(ctx, "kakaogin: security event in a tolerated non-standard form", attrs...)
		return
	}
	k.cfg.Logger.DebugContext(ctx, "kakaogin: security event form", attrs...)
}

// setReject answers a refused SET with RFC 8935's error object and logs
// it. Nothing was changed.
func (k *Kakao) setReject(c *gin.Context, e *secevent.Error, jti string) {
	ctx := c.Request.Context()
	attrs := []any{"code", string(e.Code), "reason", e.Description, "ip", c.ClientIP()}
	if jti != "" {
		attrs = append(attrs, "jti", jti)
	}
	k.event(ctx, "security event rejected", attrs...)
	setOutcome(c, string(e.Code))
	webhookHeaders(c.Writer.Header())
	c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"err": string(e.Code), "description": e.Description})
}

// setUnavailable answers 503 for a SET that could not be checked or acted
// on here; the cause is logged, never sent.
func (k *Kakao) setUnavailable(c *gin.Context, what string, err error) {
	ctx := c.Request.Context()
	k.cfg.Logger.WarnContext(ctx, "kakaogin: security event not taken: "+what, "err", err, "ip", c.ClientIP())
	setOutcome(c, setUnavailable)
	webhookHeaders(c.Writer.Header())
	c.AbortWithStatusJSON(http.StatusServiceUnavailable, gin.H{"err": setUnavailable, "description": what})
}

// countSET ends the receiver's span and counts the SET's events by type
// and result: "ok" when taken, else the error code answered. A SET
// refused before it was verified counts once, as "unverified".
func (k *Kakao) countSET(c *gin.Context, rec *flowRecord, t *secevent.Token) {
	result := rec.end(c)
	ctx := c.Request.Context()
	if t == nil || len(t.Events) == 0 {
		add(ctx, k.tel.securityEvents, 1, attribute.String(attrEvent, "unverified"), attribute.String(attrResult, result))
		return
	}
	for _, e := range t.Events {
		add(ctx, k.tel.securityEvents, 1, attribute.String(attrEvent, eventMetricName(e.Type)), attribute.String(attrResult, result))
	}
}
