package kakaogin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/store"
)

// telemetryRun is a host's OpenTelemetry set-up for one test: an SDK meter
// provider with an in-memory reader, a tracer provider with a span
// recorder, and an HTTP client for the Kakao calls whose transport injects
// the trace context and baggage of each request's context (as otelhttp
// does) and remembers every secret that crosses it.
type telemetryRun struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	mp     *sdkmetric.MeterProvider
	tp     *sdktrace.TracerProvider

	mu      sync.Mutex
	secrets []string
	tokens  int
}

func newTelemetryRun() *telemetryRun {
	r := &telemetryRun{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	r.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	return r
}

// option makes the harness use the run's providers and client.
func (r *telemetryRun) option() harnessOpt {
	return withConfig(func(c *Config) {
		c.Telemetry = TelemetryConfig{MeterProvider: r.mp, TracerProvider: r.tp}
		c.HTTPClient = &http.Client{Transport: r}
	})
}

func (r *telemetryRun) secret(vs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range vs {
		if v != "" {
			r.secrets = append(r.secrets, v)
		}
	}
}

var propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// RoundTrip injects the context's trace and baggage, as a host's
// instrumented transport would, and collects the codes and tokens sent to
// and received from Kakao.
func (r *telemetryRun) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	propagator.Inject(req.Context(), propagation.HeaderCarrier(req.Header))
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		if form, err := url.ParseQuery(string(b)); err == nil {
			r.secret(form.Get("code"), form.Get("code_verifier"), form.Get("refresh_token"), form.Get("client_secret"))
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, kakaotest.PathToken) {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		IDToken      string `json:"id_token"`
	}
	if json.Unmarshal(b, &tok) == nil && tok.AccessToken != "" {
		r.secret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
		r.mu.Lock()
		r.tokens++
		r.mu.Unlock()
	}
	return resp, nil
}

// metrics collects the run's metrics.
func (r *telemetryRun) metrics(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

// find returns the instrument named name, or nil.
func find(rm metricdata.ResourceMetrics, name string) *metricdata.Metrics {
	for _, sm := range rm.ScopeMetrics {
		for i := range sm.Metrics {
			if sm.Metrics[i].Name == name {
				return &sm.Metrics[i]
			}
		}
	}
	return nil
}

// hasAttrs reports whether set holds every key=value of want.
func hasAttrs(set attribute.Set, want map[string]string) bool {
	for k, v := range want {
		got, ok := set.Value(attribute.Key(k))
		if !ok || got.String() != v {
			return false
		}
	}
	return true
}

// count sums the counter name's points whose attributes include want (for
// a histogram, its calls).
func count(rm metricdata.ResourceMetrics, name string, want map[string]string) int64 {
	m := find(rm, name)
	if m == nil {
		return 0
	}
	var n int64
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if hasAttrs(p.Attributes, want) {
				n += p.Value
			}
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			if hasAttrs(p.Attributes, want) {
				n += int64(p.Count)
			}
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			if hasAttrs(p.Attributes, want) {
				n += p.Value
			}
		}
	}
	return n
}

// attributeValues lists every attribute value the run recorded in
// metrics and spans, with span names and status descriptions.
func (r *telemetryRun) attributeValues(t *testing.T) []string {
	t.Helper()
	var vals []string
	addSet := func(s attribute.Set) {
		for _, kv := range s.ToSlice() {
			vals = append(vals, string(kv.Key), kv.Value.String())
		}
	}
	for _, sm := range r.metrics(t).ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					addSet(p.Attributes)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					addSet(p.Attributes)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					addSet(p.Attributes)
				}
			}
		}
	}
	for _, s := range r.spans.Ended() {
		vals = append(vals, s.Name(), s.Status().Description)
		addSet(attribute.NewSet(s.Attributes()...))
		for _, e := range s.Events() {
			vals = append(vals, e.Name)
			addSet(attribute.NewSet(e.Attributes...))
		}
	}
	return vals
}

// ended returns the ended spans named name.
func (r *telemetryRun) ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// children returns the names of the ended spans whose parent is p.
func (r *telemetryRun) children(p sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range r.spans.Ended() {
		if s.Parent().SpanID() == p.SpanContext().SpanID() {
			out = append(out, s.Name())
		}
	}
	return out
}

func spanAttr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

// TestTelemetryScript is C117 and issue 16's acceptance test: a scripted
// run of logins (good, with a forged state, with Kakao down), token
// refreshes (done and refused), a logout, a Kakao call from a host route
// and unlink callbacks (good and unauthenticated) is counted and traced as
// it happened; no request to Kakao carries the host's trace context or
// baggage; and no attribute value in any metric or span contains a token,
// code, secret, key, email, name or user ID used in the run.
func TestTelemetryScript(t *testing.T) {
	run := newTelemetryRun()
	const hostUserID = "host-user-8c1f2e"
	h := newHarness(t, run.option(), withConfig(func(c *Config) {
		c.Linking.OnNewUser = func(context.Context, NewUser) (string, error) { return hostUserID, nil }
	}))
	minji, _ := h.fake.User(kakaotest.UserMinji)
	run.secret(h.fake.ClientSecret, h.fake.AdminKey, h.fake.ClientID, hostUserID,
		strconv.FormatInt(kakaotest.UserMinji, 10), minji.Email, minji.Nickname, minji.Name, "127.0.0.1", string(testSealKey))
	// A host route that calls Kakao inside its own span, with baggage
	// naming the user, as an instrumented host would.
	h.eng.GET("/traced/me", h.kg.RequireLogin(), func(c *gin.Context) {
		m, _ := baggage.NewMemberRaw("user.email", minji.Email)
		bg, _ := baggage.New(m)
		ctx, span := run.tp.Tracer("host").Start(baggage.ContextWithBaggage(c.Request.Context(), bg), "host route")
		defer span.End()
		c.Request = c.Request.WithContext(ctx)
		api, auth := h.kg.Client(c)
		if _, err := api.Me(ctx, auth, nil); err != nil {
			c.String(http.StatusBadGateway, "kakao: %v", err)
			return
		}
		c.String(http.StatusOK, "ok")
	})

	// 1. A good login; 2. a refresh it needs later.
	good := h.browser()
	if status, body := good.login("/private"); status != http.StatusOK {
		t.Fatalf("login: %d %s", status, body)
	}
	// 3. A callback naming a state this browser never started.
	forged := h.browser()
	forged.toKakao("/auth/kakao/login")
	if status, _, _ := forged.step("/auth/kakao/callback?state=forged-state-value&code=forged-code-value"); status != http.StatusBadRequest {
		t.Fatalf("forged callback: %d", status)
	}
	run.secret("forged-state-value", "forged-code-value")
	// 4. A login while Kakao's token endpoint is down.
	h.fake.Fail(kakaotest.PathToken, kakaotest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	if status, _ := h.browser().login("/private"); status != http.StatusServiceUnavailable {
		t.Fatalf("login with Kakao down: %d", status)
	}
	// 5. A second good login, whose refresh Kakao will refuse.
	refused := h.browser()
	if status, body := refused.login("/private"); status != http.StatusOK {
		t.Fatalf("second login: %d %s", status, body)
	}

	// 6. A third, whose session Kakao's unlink callback will end.
	if status, body := h.browser().login("/private"); status != http.StatusOK {
		t.Fatalf("third login: %d %s", status, body)
	}

	h.clock.Advance(nearExpiry)
	if status, body, _ := good.get("/traced/me"); status != http.StatusOK {
		t.Fatalf("host route: %d %s", status, body)
	}
	h.fake.Fail(kakaotest.PathToken, kakaotest.KauthFault(400, "invalid_grant", "KOE322", "invalid refresh token"))
	if status, _, _ := refused.get("/kakao/me"); status != http.StatusBadGateway {
		t.Fatalf("refused refresh: %d", status)
	}
	h.fake.ClearFault(kakaotest.PathToken)

	// 7. A logout.
	if status, _, _ := good.post("/auth/kakao/logout", nil, true); status != http.StatusSeeOther {
		t.Fatalf("logout: %d", status)
	}
	// 8. Kakao's unlink callback for the user, and one with a
	// wrong admin key.
	if status, err := h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+webhookPath, kakaotest.UserMinji, "UNLINK_FROM_APPS"); err != nil || status != http.StatusOK {
		t.Fatalf("unlink callback: %d %v", status, err)
	}
	if status, _ := h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+webhookPath, kakaotest.UserMinji, "UNLINK_FROM_APPS",
		kakaotest.CallbackAdminKey("not-the-admin-key")); status != http.StatusUnauthorized {
		t.Fatalf("unauthenticated unlink callback: %d", status)
	}

	rm := run.metrics(t)
	counts := []struct {
		name string
		attr map[string]string
		want int64
	}{
		{"kakaologin.logins", map[string]string{"outcome": "ok", "flow": "login"}, 3},
		{"kakaologin.logins", map[string]string{"outcome": string(CodeStateMismatch), "flow": "unknown"}, 1},
		{"kakaologin.logins", map[string]string{"outcome": string(CodeKakaoUnavailable), "flow": "login"}, 1},
		{"kakaologin.logins", nil, 5},
		{"kakaologin.token.refreshes", map[string]string{"result": refreshDone}, 1},
		{"kakaologin.token.refreshes", map[string]string{"result": refreshRefused}, 1},
		{"kakaologin.sessions.ended", map[string]string{"cause": "logout_service"}, 1},
		{"kakaologin.sessions.ended", map[string]string{"cause": causeRefreshRefused}, 1},
		{"kakaologin.sessions.ended", map[string]string{"cause": causeUnlinkCallback}, 1},
		{"kakaologin.unlink.callbacks", map[string]string{"referrer": "UNLINK_FROM_APPS", "result": "ok"}, 1},
		{"kakaologin.unlink.callbacks", map[string]string{"referrer": "none", "result": string(CodeUnauthorizedCaller)}, 1},
		{"kakaologin.kakao.call.duration", map[string]string{"endpoint": kakaotest.PathToken, "result": "unavailable", "status_class": "5xx"}, 1},
		{"kakaologin.kakao.call.duration", map[string]string{"endpoint": kakaotest.PathToken, "result": "invalid_grant", "status_class": "4xx"}, 1},
		// Four exchanges and one refresh.
		{"kakaologin.kakao.call.duration", map[string]string{"endpoint": kakaotest.PathToken, "result": "ok", "status_class": "2xx"}, 4},
		{"kakaologin.kakao.call.duration", map[string]string{"endpoint": kakaotest.PathMe, "result": "ok"}, 4},
		{"kakaologin.kakao.call.duration", map[string]string{"endpoint": "jwks", "result": "ok"}, 1},
		{"kakaologin.store.failures", nil, 0},
	}
	for _, c := range counts {
		if got := count(rm, c.name, c.attr); got != c.want {
			t.Errorf("%s %v = %d, want %d", c.name, c.attr, got, c.want)
		}
	}

	// Spans: each login callback is a span with the Kakao calls and
	// store operations as its children.
	callbacks := run.ended("kakaologin.callback")
	if len(callbacks) != 5 {
		t.Fatalf("%d callback spans, want 5", len(callbacks))
	}
	okLogins := 0
	for _, s := range callbacks {
		if spanAttr(s, "outcome") != "ok" {
			continue
		}
		okLogins++
		kids := run.children(s)
		for _, want := range []string{"kakao " + kakaotest.PathToken, "kakao " + kakaotest.PathMe,
			"store sessions.take_flow", "store links.by_kakao_id", "store sessions.log_in"} {
			if !slices.Contains(kids, want) {
				t.Errorf("login callback span lacks child %q; has %v", want, kids)
			}
		}
	}
	if okLogins != 3 {
		t.Errorf("%d successful callback spans, want 3", okLogins)
	}
	for _, name := range []string{"kakaologin.login", "kakaologin.logout", "kakaologin.unlink_callback", "kakaologin.token_refresh"} {
		if len(run.ended(name)) == 0 {
			t.Errorf("no %s span", name)
		}
	}
	for _, s := range run.ended("kakaologin.token_refresh") {
		if spanAttr(s, "result") != refreshDone {
			continue
		}
		if kids := run.children(s); !slices.Contains(kids, "kakao "+kakaotest.PathToken) || !slices.Contains(kids, "store locks.try_lock") {
			t.Errorf("refresh span children %v", kids)
		}
	}
	for _, s := range run.ended("kakaologin.unlink_callback") {
		if spanAttr(s, "outcome") == "ok" && !slices.Contains(run.children(s), "store sessions.revoke_kakao_user") {
			t.Errorf("unlink callback span children %v", run.children(s))
		}
	}
	// The host route's Kakao call is a child of the host's span ...
	hostSpans := run.ended("host route")
	if len(hostSpans) != 1 || !slices.Contains(run.children(hostSpans[0]), "kakao "+kakaotest.PathMe) {
		t.Errorf("host span %v lacks the Kakao call", hostSpans)
	}

	// ... but nothing of the trace or the baggage reached Kakao.
	for _, req := range h.fake.Requests() {
		for _, hdr := range []string{"Traceparent", "Tracestate", "Baggage"} {
			if v := req.Header.Get(hdr); v != "" {
				t.Errorf("%s %s sent %s: %q", req.Method, req.Path, hdr, v)
			}
		}
	}

	// C117: no attribute carries a secret or an identifier.
	run.mu.Lock()
	tokens := run.tokens
	run.mu.Unlock()
	if tokens < 4 {
		t.Fatalf("the scan would be vacuous: %d token answers seen", tokens)
	}
	run.assertNoSecrets(t)
}

// assertNoSecrets fails t if any attribute value, span name or status
// recorded in the run contains a secret or identifier the run used.
func (r *telemetryRun) assertNoSecrets(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	secrets := slices.Clone(r.secrets)
	r.mu.Unlock()
	for _, v := range r.attributeValues(t) {
		for _, s := range secrets {
			if v == s || (len(s) >= 4 && strings.Contains(v, s)) {
				t.Errorf("C117: an attribute value %q contains a secret or identifier used in the run (%.6s…)", v, s)
			}
		}
	}
}

// TestTelemetryAppsAndSecurityEvents: an app's token sign-ins count as
// logins of the token flow (accepted and refused), with a span whose
// children are the Kakao calls; an app's logout and a security event count
// the sessions they end; security events count by type and result,
// refused ones as unverified; and no attribute carries a token, nonce,
// session token or identifier of the run.
func TestTelemetryAppsAndSecurityEvents(t *testing.T) {
	run := newTelemetryRun()
	h := newHarness(t, run.option(), withSDK(t, nil), withConfig(func(c *Config) {
		c.SecurityEvents = &SecurityEventsConfig{}
	}))
	run.secret(h.fake.ClientSecret, h.fake.ClientID, testNativeKey, strconv.FormatInt(kakaotest.UserMinji, 10))
	signIn := func() (string, string) {
		tok, n := h.sdkLogin(kakaotest.UserMinji, testNativeKey)
		run.secret(tok.AccessToken, tok.RefreshToken, tok.IDToken, n)
		status, m, _ := h.signIn(body(tok, n))
		st, _ := m["session_token"].(string)
		if status != http.StatusOK || st == "" {
			t.Fatalf("token sign-in: %d %v", status, m)
		}
		run.secret(st)
		return st, n
	}
	session, nonce := signIn()
	// The same nonce again: refused.
	tok, err := h.fake.SDKLogin(kakaotest.UserMinji, testNativeKey, nonce, "account_email")
	if err != nil {
		t.Fatal(err)
	}
	run.secret(tok.AccessToken, tok.RefreshToken, tok.IDToken)
	if status, m, _ := h.signIn(body(tok, nonce)); status != http.StatusBadRequest || m["error"] != string(CodeInvalidNonce) {
		t.Fatalf("reused nonce: %d %v", status, m)
	}
	if status, m, _ := h.call(http.MethodPost, "/auth/kakao/token/logout", session, "", nil); status != http.StatusOK {
		t.Fatalf("token logout: %d %v", status, m)
	}
	signIn()
	if a := fireSET(t, h, h.srv.URL, kakaotest.SecurityEvent{Type: kakaotest.EventSessionRevoked, UserID: kakaotest.UserMinji}); a.Status != http.StatusAccepted {
		t.Fatalf("session-revoked: %d %s", a.Status, a.Body)
	}
	if a := fireSET(t, h, h.srv.URL, kakaotest.SecurityEvent{Type: kakaotest.EventUserLinked, UserID: kakaotest.UserMinji},
		kakaotest.SETWith(kakaotest.SETWrongAudience)); a.Status != http.StatusBadRequest {
		t.Fatalf("wrong audience: %d %s", a.Status, a.Body)
	}
	if a := fireSET(t, h, h.srv.URL, kakaotest.SecurityEvent{Type: "https://schemas.example/secevent/made-up", UserID: kakaotest.UserMinji}); a.Status != http.StatusAccepted {
		t.Fatalf("unknown type: %d %s", a.Status, a.Body)
	}

	rm := run.metrics(t)
	for _, c := range []struct {
		name string
		attr map[string]string
		want int64
	}{
		{"kakaologin.logins", map[string]string{"flow": "token", "outcome": "ok"}, 2},
		{"kakaologin.logins", map[string]string{"flow": "token", "outcome": string(CodeInvalidNonce)}, 1},
		{"kakaologin.sessions.ended", map[string]string{"cause": "logout_token"}, 1},
		{"kakaologin.sessions.ended", map[string]string{"cause": "security_event"}, 1},
		{"kakaologin.security_events", map[string]string{"event": "session-revoked", "result": "ok"}, 1},
		{"kakaologin.security_events", map[string]string{"event": "unverified", "result": "invalid_audience"}, 1},
		{"kakaologin.security_events", map[string]string{"event": "unknown", "result": "ok"}, 1},
		{"kakaologin.kakao.call.duration", map[string]string{"endpoint": kakaotest.PathAccessTokenInfo, "result": "ok"}, 2},
	} {
		if got := count(rm, c.name, c.attr); got != c.want {
			t.Errorf("%s %v = %d, want %d", c.name, c.attr, got, c.want)
		}
	}
	spans := run.ended("kakaologin.token_sign_in")
	if len(spans) != 3 {
		t.Fatalf("%d token sign-in spans, want 3", len(spans))
	}
	if kids := run.children(spans[0]); !slices.Contains(kids, "kakao "+kakaotest.PathAccessTokenInfo) || !slices.Contains(kids, "kakao "+kakaotest.PathMe) {
		t.Errorf("token sign-in span's children %v lack the Kakao calls", kids)
	}
	if n := len(run.ended("kakaologin.security_event")); n != 3 {
		t.Errorf("%d security event spans, want 3", n)
	}
	run.assertNoSecrets(t)
}

// TestTelemetryConsentAndStoreFailure counts an additional consent and a
// cancelled one, and a store failure by role and operation.
func TestTelemetryConsentAndStoreFailure(t *testing.T) {
	run := newTelemetryRun()
	h := newHarness(t, run.option())
	b := h.browser()
	if status, body := b.login("/private"); status != http.StatusOK {
		t.Fatalf("login: %d %s", status, body)
	}
	if status, body, _ := b.get("/auth/kakao/consent?scope=talk_message&next=/talk"); status != http.StatusOK {
		t.Fatalf("consent: %d %s", status, body)
	}
	// The store fails while the next consent is being saved.
	h.fake.Fail(kakaotest.PathScopes, kakaotest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	if status, _, _ := b.get("/auth/kakao/consent?scope=talk_message&next=/talk"); status != http.StatusServiceUnavailable {
		t.Fatalf("consent with Kakao down: %d", status)
	}
	rm := run.metrics(t)
	if n := count(rm, "kakaologin.consents", map[string]string{"outcome": "ok"}); n != 1 {
		t.Errorf("consents ok = %d, want 1", n)
	}
	if n := count(rm, "kakaologin.consents", map[string]string{"outcome": string(CodeKakaoUnavailable)}); n != 1 {
		t.Errorf("consents kakao_unavailable = %d, want 1", n)
	}
	if n := count(rm, "kakaologin.logins", nil); n != 1 {
		t.Errorf("logins = %d, want only the login (consents are counted apart)", n)
	}
	if len(run.ended("kakaologin.consent")) != 2 {
		t.Errorf("%d consent spans, want 2", len(run.ended("kakaologin.consent")))
	}

	// A link store that fails: the failure is counted by role and
	// operation, and the login fails with session_unavailable.
	run2 := newTelemetryRun()
	h2 := newHarness(t, run2.option(), withConfig(func(c *Config) { c.Users = failingLinks{} }))
	if status, _ := h2.browser().login("/private"); status != http.StatusServiceUnavailable {
		t.Fatalf("login with the link store down: %d", status)
	}
	rm = run2.metrics(t)
	if n := count(rm, "kakaologin.store.failures", map[string]string{"role": "links", "operation": "by_kakao_id"}); n != 1 {
		t.Errorf("store failures links/by_kakao_id = %d, want 1", n)
	}
	if n := count(rm, "kakaologin.logins", map[string]string{"outcome": string(CodeSessionUnavailable)}); n != 1 {
		t.Errorf("logins session_unavailable = %d, want 1", n)
	}
}

// failingLinks is a link store that is down.
type failingLinks struct{}

func (failingLinks) ByKakaoID(context.Context, int64) (store.Link, error) {
	return store.Link{}, errStoreDown
}
func (failingLinks) Link(context.Context, store.Link) (store.Link, error) {
	return store.Link{}, errStoreDown
}
func (failingLinks) Unlink(context.Context, int64) (store.Link, error) {
	return store.Link{}, errStoreDown
}

// TestTelemetryUnlinkQueue counts a failed unlink hook's queueing, its
// retries and the queue left after a retry pass.
func TestTelemetryUnlinkQueue(t *testing.T) {
	run := newTelemetryRun()
	fail := true
	var mu sync.Mutex
	storeClock := &testClock{}
	sm := sessionsOnClock(t, storeClock)
	h := newHarness(t, run.option(), withConfig(func(c *Config) {
		c.Sessions = sm
		c.Unlink.OnUnlink = func(context.Context, UnlinkEvent) error {
			mu.Lock()
			defer mu.Unlock()
			if fail {
				return errStoreDown
			}
			return nil
		}
	}))
	if status, body := h.browser().login("/private"); status != http.StatusOK {
		t.Fatalf("login: %d %s", status, body)
	}
	if status, err := h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+webhookPath, kakaotest.UserMinji, "ACCOUNT_DELETE"); err != nil || status != http.StatusOK {
		t.Fatalf("unlink callback: %d %v", status, err)
	}
	if _, err := h.kg.RetryPendingUnlinks(context.Background()); err != nil {
		t.Fatal(err)
	}
	rm := run.metrics(t)
	if n := count(rm, "kakaologin.unlink.queued", nil); n != 1 {
		t.Errorf("queued = %d, want 1", n)
	}
	if n := count(rm, "kakaologin.unlink.retries", map[string]string{"result": "failed"}); n != 1 {
		t.Errorf("failed retries = %d, want 1", n)
	}
	if n := count(rm, "kakaologin.unlink.queue.pending", nil); n != 1 {
		t.Errorf("pending after a failed pass = %d, want 1", n)
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	storeClock.Advance(unlinkLease)
	if _, err := h.kg.RetryPendingUnlinks(context.Background()); err != nil {
		t.Fatal(err)
	}
	rm = run.metrics(t)
	if n := count(rm, "kakaologin.unlink.retries", map[string]string{"result": "ok"}); n != 1 {
		t.Errorf("ok retries = %d, want 1", n)
	}
	if m := find(rm, "kakaologin.unlink.queue.pending"); m == nil || count(rm, "kakaologin.unlink.queue.pending", nil) != 0 {
		t.Errorf("pending after a good pass: %+v", m)
	}
}

// TestTelemetryNoTraceToKakao: the Kakao calls of a login go out with no
// trace context, even through a host transport that injects whatever the
// request's context holds.
func TestTelemetryNoTraceToKakao(t *testing.T) {
	run := newTelemetryRun()
	h := newHarness(t, run.option())
	b := h.browser()
	if status, body := b.login("/private"); status != http.StatusOK {
		t.Fatalf("login: %d %s", status, body)
	}
	n := 0
	for _, req := range h.fake.Requests() {
		if req.Path == kakaotest.PathToken || req.Path == kakaotest.PathMe || req.Path == kakaotest.PathJWKS {
			n++
		}
		if v := req.Header.Get("Traceparent"); v != "" {
			t.Errorf("%s %s sent traceparent %q", req.Method, req.Path, v)
		}
	}
	if n < 3 {
		t.Fatalf("only %d Kakao calls recorded", n)
	}
	if len(run.ended("kakao "+kakaotest.PathToken)) != 1 {
		t.Fatalf("token call spans: %d", len(run.ended("kakao "+kakaotest.PathToken)))
	}
}

// TestTelemetryNothingPerRequest: authenticated requests that need no
// refresh record no metric and no span.
func TestTelemetryNothingPerRequest(t *testing.T) {
	run := newTelemetryRun()
	h := newHarness(t, run.option())
	b := h.browser()
	if status, body := b.login("/private"); status != http.StatusOK {
		t.Fatalf("login: %d %s", status, body)
	}
	total := func() (n int64) {
		rm := run.metrics(t)
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				n += count(rm, m.Name, nil)
			}
		}
		return n
	}
	spans, points := len(run.spans.Ended()), total()
	for _, path := range []string{"/private", "/", "/private", "/kakao/me"} {
		if status, _, _ := b.get(path); status != http.StatusOK {
			t.Fatalf("%s: %d", path, status)
		}
	}
	// /kakao/me calls Kakao: one span and one histogram sample, nothing
	// else.
	if got := len(run.spans.Ended()) - spans; got != 1 {
		t.Errorf("%d spans for four requests, want only /kakao/me's Kakao call", got)
	}
	if got := total() - points; got != 1 {
		t.Errorf("%d measurements for four requests, want only /kakao/me's Kakao call", got)
	}
}
