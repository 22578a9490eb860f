package kakaogin

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// TelemetryConfig passes the host's OpenTelemetry providers. The library
// uses the OpenTelemetry API only: the host chooses the SDK, the exporters
// and the sampling. Every attribute is a low-cardinality code (an outcome,
// an endpoint path, a cause); no user ID, Kakao ID, email, IP address,
// token, code or key is ever recorded. Nothing is recorded for an
// ordinary authenticated request: only logins, consents, logouts,
// unlinks, token refreshes and the calls to Kakao and the store they make.
type TelemetryConfig struct {
	// MeterProvider makes the library's instruments (see the README's
	// metrics table). Default: otel.GetMeterProvider(), which records
	// nothing until the host sets a global provider.
	MeterProvider metric.MeterProvider
	// TracerProvider makes the library's spans. Default:
	// otel.GetTracerProvider(), which records nothing until the host sets
	// a global provider.
	TracerProvider trace.TracerProvider
}

// instrumentationName names the library's meter and tracer.
const instrumentationName = "github.com/kakaologin/kakaologin/kakaogin"

// Attribute keys. Their values are always one of a small fixed set.
const (
	attrOutcome     = "outcome"      // an ErrorCode or a success outcome
	attrFlow        = "flow"         // login, login_auto, reauth, link, consent
	attrEndpoint    = "endpoint"     // a Kakao API path, or "jwks"
	attrResult      = "result"       // ok or a Kakao error class
	attrStatusClass = "status_class" // 2xx, 4xx, 5xx or none
	attrCause       = "cause"        // why sessions ended
	attrReferrer    = "referrer"     // the unlink callback's referrer_type
	attrRole        = "role"         // sessions, links, locks, outbox
	attrOperation   = "operation"    // the store method
)

// Outcomes besides the ErrorCode values.
const (
	outcomeOK            = "ok"
	outcomeSignupPending = "signup_pending" // held for the host's signup page
	outcomeProofPending  = "proof_pending"  // held until the user proves an existing account
	outcomeRepeated      = "repeated"       // a repeated callback of a finished flow, sent on
	outcomeAutoFallback  = "auto_fallback"  // silent Kakao Talk login not possible; normal login next
	outcomeError         = "error"          // a failure no ErrorCode names
)

// Token refresh results.
const (
	refreshDone    = "done"    // Kakao issued new tokens
	refreshWaited  = "waited"  // another instance (or request) refreshed them first
	refreshRefused = "refused" // Kakao refused the refresh token; the session ended
	refreshFailed  = "failed"  // Kakao or the store failed; the session stays
)

// Causes of ended sessions.
const (
	causeLogoutPrefix   = "logout_" // + the logout mode
	causeEverywhere     = "logout_everywhere"
	causeUnlink         = "unlink"
	causeUnlinkCallback = "unlink_callback"
	causeRefreshRefused = "refresh_refused"
	causeSecurityEvent  = "security_event"
	causeLogoutToken    = "logout_token" // an app's POST token/logout
)

// flowToken is the flow attribute of an app's token sign-in.
const flowToken = "token"

// attrEvent is a security event's type: the last segment of a type the
// library knows, "unknown" for one it does not, "unverified" for a SET
// refused before its events were believed.
const attrEvent = "event"

// telemetry holds the library's instruments and tracer, made once in New.
// Every method is safe on instruments a provider refused to make: those
// are replaced by no-op ones.
type telemetry struct {
	tracer trace.Tracer

	logins          metric.Int64Counter
	consents        metric.Int64Counter
	kakaoCalls      metric.Float64Histogram
	refreshes       metric.Int64Counter
	sessionsEnded   metric.Int64Counter
	unlinkCallbacks metric.Int64Counter
	unlinkQueued    metric.Int64Counter
	unlinkRetries   metric.Int64Counter
	storeFailures   metric.Int64Counter
	securityEvents  metric.Int64Counter

	// pending is the unlink queue's length found by this instance's last
	// complete retry pass; -1 before the first.
	pending atomic.Int64
}

// newTelemetry makes the instruments from cfg's providers. An instrument
// a provider refuses is replaced by a no-op one, and the refusal is
// returned for the log; it never stops New.
func newTelemetry(cfg TelemetryConfig) (*telemetry, error) {
	mp, tp := cfg.MeterProvider, cfg.TracerProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	t := &telemetry{tracer: tp.Tracer(instrumentationName)}
	t.pending.Store(-1)
	m := mp.Meter(instrumentationName)
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		if err != nil || c == nil {
			errs = append(errs, err)
			return noop.Int64Counter{}
		}
		return c
	}
	t.logins = counter("kakaologin.logins", "{login}", "Login callbacks (and re-authentications and account links) by outcome.")
	t.consents = counter("kakaologin.consents", "{consent}", "Additional-consent callbacks by outcome.")
	t.refreshes = counter("kakaologin.token.refreshes", "{refresh}", "Kakao token refreshes by result.")
	t.sessionsEnded = counter("kakaologin.sessions.ended", "{session}", "Sessions ended by the library, by cause.")
	t.unlinkCallbacks = counter("kakaologin.unlink.callbacks", "{callback}", "Kakao's unlink callbacks by referrer type and result.")
	t.unlinkQueued = counter("kakaologin.unlink.queued", "{event}", "Unlink events queued for a later retry of the host's hook.")
	t.unlinkRetries = counter("kakaologin.unlink.retries", "{attempt}", "Retries of queued unlink events by result.")
	t.securityEvents = counter("kakaologin.security_events", "{event}", "Kakao's account status change events (security event tokens) by type and result.")
	t.storeFailures = counter("kakaologin.store.failures", "{operation}", "Store operations that failed, by role and operation.")
	h, err := m.Float64Histogram("kakaologin.kakao.call.duration", metric.WithUnit("s"),
		metric.WithDescription("Calls to Kakao by endpoint and result; the count is the number of calls."),
		metric.WithExplicitBucketBoundaries(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
	if err != nil || h == nil {
		errs = append(errs, err)
		h = noop.Float64Histogram{}
	}
	t.kakaoCalls = h
	_, err = m.Int64ObservableGauge("kakaologin.unlink.queue.pending", metric.WithUnit("{event}"),
		metric.WithDescription("Unlink events still queued after this instance's last complete retry pass."),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			if n := t.pending.Load(); n >= 0 {
				o.Observe(n)
			}
			return nil
		}))
	if err != nil {
		errs = append(errs, err)
	}
	return t, errors.Join(errs...)
}

// add adds n to c with one attribute.
func add(ctx context.Context, c metric.Int64Counter, n int64, attrs ...attribute.KeyValue) {
	c.Add(ctx, n, metric.WithAttributes(attrs...))
}

// observeKakao is the kakaoapi and key set observer: a child span and a
// latency sample per call. The request goes out with a context that holds
// neither the span nor any baggage, so that no transport can tell Kakao
// the host's trace or baggage.
func (t *telemetry) observeKakao(ctx context.Context, endpoint string) (context.Context, func(int, error)) {
	start := time.Now()
	_, span := t.tracer.Start(ctx, "kakao "+endpoint, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String(attrEndpoint, endpoint)))
	out := trace.ContextWithSpanContext(baggage.ContextWithoutBaggage(ctx), trace.SpanContext{})
	return out, func(status int, err error) {
		result, class := kakaoResult(err), statusClass(status)
		t.kakaoCalls.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(
			attribute.String(attrEndpoint, endpoint), attribute.String(attrResult, result), attribute.String(attrStatusClass, class)))
		span.SetAttributes(attribute.String(attrResult, result), attribute.String(attrStatusClass, class))
		if err != nil {
			span.SetStatus(codes.Error, result)
		}
		span.End()
	}
}

// kakaoResult classifies a Kakao call's error by kakaoapi's sentinels.
func kakaoResult(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, kakaoapi.ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, kakaoapi.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, kakaoapi.ErrInvalidClient):
		return "invalid_client"
	case errors.Is(err, kakaoapi.ErrRedirectMismatch):
		return "redirect_mismatch"
	case errors.Is(err, kakaoapi.ErrInvalidGrant):
		return "invalid_grant"
	case errors.Is(err, kakaoapi.ErrNotLinked):
		return "not_linked"
	case errors.Is(err, kakaoapi.ErrInvalidToken):
		return "invalid_token"
	case errors.Is(err, kakaoapi.ErrInsufficientScope):
		return "insufficient_scope"
	case errors.Is(err, kakaoapi.ErrMalformedResponse), errors.Is(err, kakaoapi.ErrResponseTooLarge):
		return "malformed"
	}
	var te *kakaoapi.TransportError
	if errors.As(err, &te) {
		return "transport"
	}
	return "error"
}

// statusClass is "2xx" for 200 and so on, "none" when no answer came.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "none"
	}
	return strconv.Itoa(status/100) + "xx"
}

// flowRecord is what a flow handler's span and metric learn while it
// runs; fail fills in the error code.
type flowRecord struct {
	span    trace.Span
	flow    string
	outcome string
}

type flowRecordKey struct{}

// beginFlow starts the span of a flow handler (callback, consent, logout,
// unlink, unlink callback) and puts it, with the flow's record, in the
// request's context, so that child spans and fail find them.
func (k *Kakao) beginFlow(c *gin.Context, name string) *flowRecord {
	ctx, span := k.tel.tracer.Start(c.Request.Context(), name)
	r := &flowRecord{span: span}
	c.Request = c.Request.WithContext(context.WithValue(ctx, flowRecordKey{}, r))
	return r
}

// end ends r's span, naming the outcome: the one set, else the error
// code the handler failed with, else ok for a success status and error
// otherwise.
func (r *flowRecord) end(c *gin.Context) string {
	if r.outcome == "" {
		if s := c.Writer.Status(); s < 400 {
			r.outcome = outcomeOK
		} else {
			r.outcome = outcomeError
		}
	}
	r.span.SetAttributes(attribute.String(attrOutcome, r.outcome))
	if r.flow != "" {
		r.span.SetAttributes(attribute.String(attrFlow, r.flow))
	}
	if s := c.Writer.Status(); s >= 500 {
		r.span.SetStatus(codes.Error, r.outcome)
	}
	r.span.End()
	return r.outcome
}

// setOutcome names the outcome of the flow c is in, unless one is set.
func setOutcome(c *gin.Context, outcome string) {
	if r, ok := c.Request.Context().Value(flowRecordKey{}).(*flowRecord); ok && r.outcome == "" {
		r.outcome = outcome
	}
}

// sessionsEnded counts n sessions ended for cause.
func (k *Kakao) sessionsEnded(ctx context.Context, cause string, n int) {
	if n > 0 {
		add(ctx, k.tel.sessionsEnded, int64(n), attribute.String(attrCause, cause))
	}
}

// storeOp starts a child span for a store operation; the function it
// returns ends it and counts a failure. Answers that are part of normal
// operation (not found, a used or expired login attempt, no session) are
// not failures.
func (t *telemetry) storeOp(ctx context.Context, role, op string) (context.Context, func(error)) {
	ctx, span := t.tracer.Start(ctx, "store "+role+"."+op, trace.WithAttributes(
		attribute.String(attrRole, role), attribute.String(attrOperation, op)))
	return ctx, func(err error) {
		if err != nil && !normalStoreAnswer(err) {
			t.storeFailures.Add(ctx, 1, metric.WithAttributes(attribute.String(attrRole, role), attribute.String(attrOperation, op)))
			span.SetStatus(codes.Error, "store failure")
		}
		span.End()
	}
}

// normalStoreAnswer reports whether err is an answer rather than a failure
// of the store.
func normalStoreAnswer(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrLinkConflict) ||
		errors.Is(err, store.ErrLeaseLost) || errors.Is(err, store.ErrRevoked) ||
		errors.Is(err, session.ErrFlowNotFound) || errors.Is(err, session.ErrFlowExpired) ||
		errors.Is(err, session.ErrNotLoggedIn) || errors.Is(err, session.ErrNoTokens) ||
		errors.Is(err, context.Canceled)
}

// sessionOp is storeOp for a call of the session manager, which takes the
// gin context: its span is a child of the flow's, not a parent of the
// store's own.
func (k *Kakao) sessionOp(c *gin.Context, op string) func(error) {
	_, done := k.tel.storeOp(c.Request.Context(), "sessions", op)
	return done
}

// wrapStores returns the store roles New found and the host's link store
// with a span and a failure count per call.
func (t *telemetry) wrapStores(locks store.Locker, outbox store.Outbox, users UserLinks) (store.Locker, store.Outbox, UserLinks) {
	locks = tracedLocks{Locker: locks, t: t}
	if outbox != nil {
		outbox = tracedOutbox{Outbox: outbox, t: t}
	}
	if users != nil {
		users = tracedLinks{UserLinks: users, t: t}
	}
	return locks, outbox, users
}

// tracedLinks is Config.Users with a span and failure count per call.
type tracedLinks struct {
	UserLinks
	t *telemetry
}

// ByKakaoID calls the link store's ByKakaoID in a span.
func (l tracedLinks) ByKakaoID(ctx context.Context, kakaoID int64) (store.Link, error) {
	ctx, done := l.t.storeOp(ctx, "links", "by_kakao_id")
	v, err := l.UserLinks.ByKakaoID(ctx, kakaoID)
	done(err)
	return v, err
}

// Link calls the link store's Link in a span.
func (l tracedLinks) Link(ctx context.Context, x store.Link) (store.Link, error) {
	ctx, done := l.t.storeOp(ctx, "links", "link")
	v, err := l.UserLinks.Link(ctx, x)
	done(err)
	return v, err
}

// Unlink calls the link store's Unlink in a span.
func (l tracedLinks) Unlink(ctx context.Context, kakaoID int64) (store.Link, error) {
	ctx, done := l.t.storeOp(ctx, "links", "unlink")
	v, err := l.UserLinks.Unlink(ctx, kakaoID)
	done(err)
	return v, err
}

// tracedLocks is the store's locks with a span and failure count per call.
type tracedLocks struct {
	store.Locker
	t *telemetry
}

// TryLock calls the store's TryLock in a span.
func (l tracedLocks) TryLock(ctx context.Context, name string, ttl time.Duration) (string, bool, error) {
	ctx, done := l.t.storeOp(ctx, "locks", "try_lock")
	f, ok, err := l.Locker.TryLock(ctx, name, ttl)
	done(err)
	return f, ok, err
}

// Unlock calls the store's Unlock in a span.
func (l tracedLocks) Unlock(ctx context.Context, name, fence string) error {
	ctx, done := l.t.storeOp(ctx, "locks", "unlock")
	err := l.Locker.Unlock(ctx, name, fence)
	done(err)
	return err
}

// tracedOutbox is the store's outbox with a span and failure count per
// call.
type tracedOutbox struct {
	store.Outbox
	t *telemetry
}

// Enqueue calls the store's Enqueue in a span.
func (o tracedOutbox) Enqueue(ctx context.Context, topic string, payload []byte) (string, error) {
	ctx, done := o.t.storeOp(ctx, "outbox", "enqueue")
	id, err := o.Outbox.Enqueue(ctx, topic, payload)
	done(err)
	return id, err
}

// Claim calls the store's Claim in a span.
func (o tracedOutbox) Claim(ctx context.Context, topic string, max int, lease time.Duration) ([]store.Message, error) {
	ctx, done := o.t.storeOp(ctx, "outbox", "claim")
	ms, err := o.Outbox.Claim(ctx, topic, max, lease)
	done(err)
	return ms, err
}

// Ack calls the store's Ack in a span.
func (o tracedOutbox) Ack(ctx context.Context, m store.Message) error {
	ctx, done := o.t.storeOp(ctx, "outbox", "ack")
	err := o.Outbox.Ack(ctx, m)
	done(err)
	return err
}
