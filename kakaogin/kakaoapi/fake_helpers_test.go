package kakaoapi_test

// Helpers of the tests that run every Client call against the fake Kakao
// server (package kakaotest): one fresh fake per case, a shared RSA key so
// that starting a fake is cheap, a controllable clock, and a table runner
// that checks on every call that exactly one request was made (C30) and
// that the client secret travelled only in the token request body (C29).

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// Redirect URIs registered on every fake.
const (
	fakeRedirect       = "https://app.test/auth/kakao/callback"
	fakeRedirect2      = "https://app.test/auth/kakao/other"
	fakeLogoutRedirect = "https://app.test/logged-out"
)

// fakeStart is where every fake's clock starts (whole seconds, so RFC 3339
// times round-trip exactly).
var fakeStart = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// fakeKeys are two RSA keys shared by all fakes of the package: generating
// a 2048-bit key per fake would make the suite slow.
var fakeKeys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var ks [2]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ks[i] = k
	}
	return ks
})

// clock is a settable clock shared by a fake and its clients.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeEnv is one fake Kakao server, its clock and a client pointed at it,
// plus scratch state a case's preparation hands to its call.
type fakeEnv struct {
	t     *testing.T
	fake  *kakaotest.Server
	clock *clock
	c     *kakaoapi.Client

	code, verifier string          // from an authorize redirect
	tok            *kakaoapi.Token // from a code exchange
	raw            kakaotest.Tokens
	idToken        string
	other          string // another access token
}

func newFakeEnv(t *testing.T, opts ...kakaotest.Option) *fakeEnv {
	t.Helper()
	clk := &clock{t: fakeStart}
	base := []kakaotest.Option{
		kakaotest.WithSigningKey(fakeKeys()[0]),
		kakaotest.WithClock(clk.Now),
		kakaotest.WithRedirectURI(fakeRedirect, fakeRedirect2),
		kakaotest.WithLogoutRedirectURI(fakeLogoutRedirect),
	}
	fake := kakaotest.NewServer(append(base, opts...)...)
	t.Cleanup(fake.Close)
	e := &fakeEnv{t: t, fake: fake, clock: clk}
	e.c = e.client(nil)
	return e
}

// client returns a Client for the fake; mod may change its Config.
func (e *fakeEnv) client(mod func(*kakaoapi.Config)) *kakaoapi.Client {
	t := e.t
	t.Helper()
	cfg := kakaoapi.Config{
		ClientID: e.fake.ClientID, ClientSecret: e.fake.ClientSecret, RedirectURL: fakeRedirect,
		AuthURL: e.fake.URL, APIURL: e.fake.URL, Now: e.clock.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := kakaoapi.New(cfg)
	if err != nil {
		t.Fatalf("kakaoapi.New: %v", err)
	}
	return c
}

// issue links userID with scopes consented and returns fresh tokens.
func (e *fakeEnv) issue(t *testing.T, userID int64, scopes ...string) kakaotest.Tokens {
	t.Helper()
	toks, err := e.fake.IssueTokens(userID, scopes...)
	if err != nil {
		t.Fatalf("IssueTokens(%d): %v", userID, err)
	}
	return toks
}

// browser returns a back-channel-like client that never follows redirects,
// with a cookie jar for the fake's Kakao Account session.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar: jar, Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// visit GETs rawURL with b and returns the status, the Location (parsed,
// nil if none) and the KOE code of a Kakao error page ("" if none).
func visit(t *testing.T, b *http.Client, rawURL string) (int, *url.URL, string) {
	t.Helper()
	resp, err := b.Get(rawURL)
	if err != nil {
		t.Fatalf("GET authorize: %v", err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, location(t, resp), resp.Header.Get("X-Kakaotest-Error-Code")
}

func location(t *testing.T, resp *http.Response) *url.URL {
	t.Helper()
	if resp.Header.Get("Location") == "" {
		return nil
	}
	u, err := resp.Location()
	if err != nil {
		t.Fatalf("Location: %v", err)
	}
	return u
}

var pendingRE = regexp.MustCompile(`name="p" value="([^"]+)"`)

// authorize runs the browser part of the login on the fake with c's
// AuthCodeURL and returns the code from the redirect back to the app.
func (e *fakeEnv) authorize(t *testing.T, c *kakaoapi.Client, r kakaoapi.AuthRequest) string {
	t.Helper()
	status, loc, koe := visit(t, browser(t), c.AuthCodeURL(r))
	if status != http.StatusFound || loc == nil || koe != "" {
		t.Fatalf("authorize: status %d, location %v, KOE %q; want 302 with code", status, loc, koe)
	}
	q := loc.Query()
	if q.Get("code") == "" || q.Get("state") != r.State {
		t.Fatalf("authorize redirect %v: want a code and state %q", loc, r.State)
	}
	return q.Get("code")
}

// login authorizes userID (by login_hint) with PKCE and stores the code and
// verifier in e.
func (e *fakeEnv) login(t *testing.T, userID int64, scopes ...string) {
	t.Helper()
	e.verifier = "verifier-" + strings.Repeat("v", 40)
	e.code = e.authorize(t, e.c, kakaoapi.AuthRequest{
		State: "state-1", Nonce: "nonce-1", Verifier: e.verifier, Scopes: scopes,
		LoginHint: idString(userID),
	})
}

// exchange logs userID in and exchanges the code; the result goes to e.tok.
func (e *fakeEnv) exchange(t *testing.T, userID int64, scopes ...string) {
	t.Helper()
	e.login(t, userID, scopes...)
	tok, err := e.c.Exchange(t.Context(), e.code, e.verifier)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	e.tok = tok
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// checkRequests checks the requests the fake received since index before:
// exactly one to path (none when local) — each call is one request, never
// retried (C30) — and no secret outside the token request body (C29).
func (e *fakeEnv) checkRequests(t *testing.T, before int, path string, local bool) {
	t.Helper()
	reqs := e.fake.Requests()[before:]
	switch {
	case local && len(reqs) != 0:
		t.Fatalf("call rejected locally made %d requests, want 0", len(reqs))
	case !local && len(reqs) != 1:
		paths := make([]string, len(reqs))
		for i, r := range reqs {
			paths[i] = r.Method + " " + r.Path
		}
		t.Fatalf("call made %d requests %v, want exactly 1 to %s (C30: no retries, no redirects followed)", len(reqs), paths, path)
	case !local && reqs[0].Path != path:
		t.Fatalf("call went to %s, want %s", reqs[0].Path, path)
	}
	e.checkSecrets(t, reqs)
}

// checkSecrets asserts C29: the client secret is only ever a token request
// body field, never in a URL, never in a header (no Basic auth); the admin
// key never in a URL or body.
func (e *fakeEnv) checkSecrets(t *testing.T, reqs []kakaotest.Request) {
	t.Helper()
	secret, admin := e.fake.ClientSecret, e.fake.AdminKey
	for _, r := range reqs {
		if _, ok := r.Query["client_secret"]; ok {
			t.Errorf("%s %s: client_secret in the URL query (C29)", r.Method, r.Path)
		}
		if r.AuthScheme == "Basic" {
			t.Errorf("%s %s: Basic authorization header (C29)", r.Method, r.Path)
		}
		leaks := func(v string) bool {
			return (secret != "" && strings.Contains(v, secret)) || strings.Contains(v, admin)
		}
		for k, vs := range r.Header {
			for _, v := range vs {
				if leaks(v) {
					t.Errorf("%s %s: header %s carries a secret (C29)", r.Method, r.Path, k)
				}
			}
		}
		for _, vals := range []url.Values{r.Query, r.Form} {
			for k, vs := range vals {
				for _, v := range vs {
					if leaks(v) {
						t.Errorf("%s %s: parameter %s carries a secret unredacted", r.Method, r.Path, k)
					}
				}
			}
		}
		if _, ok := r.Form["client_secret"]; ok && r.Path != kakaotest.PathToken {
			t.Errorf("%s %s: client_secret sent outside the token request (C29)", r.Method, r.Path)
		}
	}
}

// apiCase is one row of a per-method table run against a fresh fake.
type apiCase[T any] struct {
	name string
	opts []kakaotest.Option
	// prep readies the fake and returns the credential of the call.
	prep func(t *testing.T, e *fakeEnv) kakaoapi.Auth
	// call overrides the method's default call.
	call    func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (T, error)
	fault   *kakaotest.Fault // injected on the method's path after prep
	timeout time.Duration    // context deadline (default 5 s)
	local   bool             // rejected by the client: no request at all
	fail    bool             // an error is expected (implied by want)
	want    []error          // sentinels the error must match (errors.Is)
	check   func(t *testing.T, e *fakeEnv, got T, err error)
}

// method is the Client method under test: its fake path and default call.
type method[T any] struct {
	path string
	call func(ctx context.Context, e *fakeEnv, a kakaoapi.Auth) (T, error)
}

// runCases runs each case in parallel against its own fake.
func runCases[T any](t *testing.T, m method[T], cases []apiCase[T]) {
	t.Helper()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newFakeEnv(t, tc.opts...)
			var a kakaoapi.Auth
			if tc.prep != nil {
				a = tc.prep(t, e)
			}
			if tc.fault != nil {
				e.fake.Fail(m.path, *tc.fault)
			}
			ctx, cancel := context.WithTimeout(t.Context(), cmp.Or(tc.timeout, 5*time.Second))
			defer cancel()
			call := m.call
			if tc.call != nil {
				call = tc.call
			}
			before := len(e.fake.Requests())
			got, err := call(ctx, e, a)
			e.checkRequests(t, before, m.path, tc.local)
			wantErr := tc.fail || tc.local || len(tc.want) > 0
			switch {
			case wantErr && err == nil:
				t.Fatalf("err = nil, want an error matching %v", tc.want)
			case !wantErr && err != nil:
				t.Fatalf("err = %v, want success", err)
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v; errors.Is(err, %v) = false", err, w)
				}
			}
			if err != nil {
				assertNoSecretInError(t, e, err)
			}
			if tc.check != nil {
				tc.check(t, e, got, err)
			}
		})
	}
}

// assertNoSecretInError checks that an error message never contains the
// client secret or admin key.
func assertNoSecretInError(t *testing.T, e *fakeEnv, err error) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, e.fake.ClientSecret) || strings.Contains(msg, e.fake.AdminKey) {
		t.Errorf("error message %q contains a secret", msg)
	}
}

// Credential preparations shared by the kapi tables.

func asUser(id int64, scopes ...string) func(*testing.T, *fakeEnv) kakaoapi.Auth {
	return func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
		e.raw = e.issue(t, id, scopes...)
		return kakaoapi.Bearer(e.raw.AccessToken)
	}
}

func asAdmin(id int64, scopes ...string) func(*testing.T, *fakeEnv) kakaoapi.Auth {
	return func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
		e.raw = e.issue(t, id, scopes...)
		return kakaoapi.Admin(e.fake.AdminKey, id)
	}
}

// Standard credential failures of a kapi method (§4, §5.6, §7, §14.3).
func authCases[T any](userOnly bool) []apiCase[T] {
	invalid := func(t *testing.T, _ *fakeEnv, _ T, err error) {
		var ae *kakaoapi.APIError
		if !errors.As(err, &ae) || ae.Code != kakaoapi.CodeInvalidToken || ae.HTTPStatus != http.StatusUnauthorized {
			t.Errorf("err = %#v, want an *APIError -401 with HTTP 401", err)
		}
		if errors.Is(err, kakaoapi.ErrUnavailable) {
			t.Errorf("an invalid token must not read as Kakao unavailable")
		}
	}
	cs := []apiCase[T]{
		{
			name: "expired access token (WithClock +6h) is ErrInvalidToken",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				a := asUser(kakaotest.UserMinji)(t, e)
				e.clock.Advance(6 * time.Hour)
				return a
			},
			want: []error{kakaoapi.ErrInvalidToken}, check: invalid,
		},
		{
			name: "unknown access token is ErrInvalidToken",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				e.issue(t, kakaotest.UserMinji)
				return kakaoapi.Bearer("no-such-access-token")
			},
			want: []error{kakaoapi.ErrInvalidToken}, check: invalid,
		},
		{
			name: "token of a user who unlinked in Kakao is ErrInvalidToken",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				a := asUser(kakaotest.UserMinji)(t, e)
				if err := e.fake.UnlinkUser(kakaotest.UserMinji); err != nil {
					t.Fatal(err)
				}
				return a
			},
			want: []error{kakaoapi.ErrInvalidToken}, check: invalid,
		},
		{
			name:  "zero Auth is rejected locally",
			prep:  func(*testing.T, *fakeEnv) kakaoapi.Auth { return kakaoapi.Auth{} },
			local: true,
		},
	}
	if userOnly {
		return append(cs, apiCase[T]{
			name:  "admin key refused locally for a user-token API",
			prep:  asAdmin(kakaotest.UserMinji),
			local: true,
			check: func(t *testing.T, _ *fakeEnv, _ T, err error) {
				if errors.Is(err, kakaoapi.ErrInvalidToken) || errors.Is(err, kakaoapi.ErrUnavailable) {
					t.Errorf("local refusal %v must not look like a Kakao answer", err)
				}
			},
		})
	}
	return append(cs,
		apiCase[T]{
			name: "admin: wrong admin key is ErrInvalidToken",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				e.issue(t, kakaotest.UserMinji)
				return kakaoapi.Admin("wrong-admin-key", kakaotest.UserMinji)
			},
			want: []error{kakaoapi.ErrInvalidToken}, check: invalid,
		},
		apiCase[T]{
			name: "admin: user not linked is ErrNotLinked",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				return kakaoapi.Admin(e.fake.AdminKey, kakaotest.UserSeoyeon)
			},
			want: []error{kakaoapi.ErrNotLinked},
			check: func(t *testing.T, _ *fakeEnv, _ T, err error) {
				var ae *kakaoapi.APIError
				if !errors.As(err, &ae) || ae.Code != kakaoapi.CodeNotLinked || ae.HTTPStatus != 400 {
					t.Errorf("err = %#v, want *APIError -101 HTTP 400", err)
				}
			},
		},
		apiCase[T]{
			name:  "admin: non-positive target ID is rejected locally",
			prep:  func(t *testing.T, e *fakeEnv) kakaoapi.Auth { return kakaoapi.Admin(e.fake.AdminKey, 0) },
			local: true,
		},
	)
}

// retryAfterOf returns the RetryAfter of a typed Kakao error.
func retryAfterOf(err error) time.Duration {
	var ae *kakaoapi.APIError
	if errors.As(err, &ae) {
		return ae.RetryAfter
	}
	var au *kakaoapi.AuthError
	if errors.As(err, &au) {
		return au.RetryAfter
	}
	return -1
}

func wantRetryAfter[T any](d time.Duration) func(*testing.T, *fakeEnv, T, error) {
	return func(t *testing.T, _ *fakeEnv, _ T, err error) {
		if got := retryAfterOf(err); got != d {
			t.Errorf("RetryAfter = %v, want %v", got, d)
		}
	}
}

func wantTimeout[T any](t *testing.T, _ *fakeEnv, _ T, err error) {
	var te *kakaoapi.TransportError
	if !errors.As(err, &te) || !te.Timeout() {
		t.Errorf("err = %v, want a *TransportError that is a timeout", err)
	}
}

func faultPtr(f kakaotest.Fault) *kakaotest.Fault { return &f }

// Faults every call must survive; the fake answers them instead of (or cut
// from) the real response.
const hugeBody = 300 << 10 // over both body caps (C6)

func bigJSON() string { return `{"pad":"` + strings.Repeat("x", hugeBody) + `"}` }

// kapiFaultCases are the transient and quota failures of a kapi method
// (§14.2, §14.3), with prep the method's success preparation.
func kapiFaultCases[T any](prep func(*testing.T, *fakeEnv) kakaoapi.Auth) []apiCase[T] {
	unavailable := []error{kakaoapi.ErrUnavailable}
	malformed := []error{kakaoapi.ErrMalformedResponse, kakaoapi.ErrUnavailable}
	return []apiCase[T]{
		{name: "C32: HTTP 502 without a Kakao body is ErrUnavailable", prep: prep,
			fault: faultPtr(kakaotest.Fault{Status: 502, Body: "<html>bad gateway</html>"}), want: unavailable},
		{name: "C32: -1 internal error is ErrUnavailable", prep: prep,
			fault: faultPtr(kakaotest.KapiFault(400, -1, "internal error")), want: unavailable},
		{name: "C32: -7 maintenance is ErrUnavailable", prep: prep,
			fault: faultPtr(kakaotest.KapiFault(400, -7, "service check")), want: unavailable},
		{name: "C32: -9798 service maintenance 503 is ErrUnavailable", prep: prep,
			fault: faultPtr(kakaotest.KapiFault(503, -9798, "maintenance")), want: unavailable},
		{name: "C32: -10 quota 429 is ErrRateLimited with Retry-After", prep: prep,
			fault: faultPtr(kakaotest.RateLimitFault(429, 7)), want: []error{kakaoapi.ErrRateLimited},
			check: wantRetryAfter[T](7 * time.Second)},
		{name: "C32: -10 quota 400 is ErrRateLimited", prep: prep,
			fault: faultPtr(kakaotest.RateLimitFault(400, 0)), want: []error{kakaoapi.ErrRateLimited},
			check: wantRetryAfter[T](0)},
		{name: "-402 not-consented item is ErrInsufficientScope with RequiredScopes", prep: prep,
			fault: faultPtr(kakaotest.InsufficientScopesFault([]string{"talk_message"}, []string{"profile_nickname", "account_email"})),
			want:  []error{kakaoapi.ErrInsufficientScope},
			check: func(t *testing.T, _ *fakeEnv, _ T, err error) {
				var ae *kakaoapi.APIError
				if !errors.As(err, &ae) || strings.Join(ae.RequiredScopes, ",") != "talk_message" ||
					strings.Join(ae.AllowedScopes, ",") != "profile_nickname,account_email" || ae.HTTPStatus != 403 {
					t.Errorf("err = %#v, want -402 with required [talk_message]", err)
				}
			}},
		{name: "C4/C30: timeout is ErrUnavailable after one attempt", prep: prep,
			fault: faultPtr(kakaotest.Fault{Delay: 3 * time.Second}), timeout: 100 * time.Millisecond,
			want: unavailable, check: wantTimeout[T]},
		{name: "C31: truncated body is ErrMalformedResponse", prep: prep,
			fault: faultPtr(kakaotest.Fault{Truncate: true}), want: malformed},
		{name: "C31: non-JSON 200 is ErrMalformedResponse", prep: prep,
			fault: faultPtr(kakaotest.Fault{Malformed: true}), want: malformed},
		{name: "C5: redirect is not followed and is ErrUnavailable", prep: prep,
			fault: faultPtr(kakaotest.Fault{Status: 302, Header: http.Header{"Location": {"/elsewhere"}}}), want: unavailable},
		{name: "C6: oversized body is ErrResponseTooLarge", prep: prep,
			fault: faultPtr(kakaotest.Fault{Status: 200, Body: bigJSON()}),
			want:  []error{kakaoapi.ErrResponseTooLarge, kakaoapi.ErrUnavailable}},
	}
}

// kauthFaultCases are the failures of an authorization-server call (§2.6,
// §14.1).
func kauthFaultCases[T any](prep func(*testing.T, *fakeEnv) kakaoapi.Auth) []apiCase[T] {
	unavailable := []error{kakaoapi.ErrUnavailable}
	malformed := []error{kakaoapi.ErrMalformedResponse, kakaoapi.ErrUnavailable}
	rl := kakaotest.KauthFault(429, "invalid_request", "KOE237", "token request rate limit exceeded")
	rl.Header.Set("Retry-After", "30")
	return []apiCase[T]{
		{name: "C32: HTTP 500 without a Kakao body is ErrUnavailable", prep: prep,
			fault: faultPtr(kakaotest.Fault{Status: 500, Body: "oops"}), want: unavailable},
		{name: "C32: KOE003 server_error is ErrUnavailable", prep: prep,
			fault: faultPtr(kakaotest.KauthFault(500, "server_error", "KOE003", "temporary error")), want: unavailable},
		{name: "C32: KOE237 429 is ErrRateLimited with Retry-After", prep: prep,
			fault: &rl, want: []error{kakaoapi.ErrRateLimited}, check: wantRetryAfter[T](30 * time.Second)},
		{name: "C4/C30: timeout is ErrUnavailable after one attempt", prep: prep,
			fault: faultPtr(kakaotest.Fault{Delay: 3 * time.Second}), timeout: 100 * time.Millisecond,
			want: unavailable, check: wantTimeout[T]},
		{name: "C31: truncated body is ErrMalformedResponse", prep: prep,
			fault: faultPtr(kakaotest.Fault{Truncate: true}), want: malformed},
		{name: "C31: non-JSON 200 is ErrMalformedResponse", prep: prep,
			fault: faultPtr(kakaotest.Fault{Malformed: true}), want: malformed},
		{name: "C5: 307 redirect is not followed (secret not re-sent)", prep: prep,
			fault: faultPtr(kakaotest.Fault{Status: 307, Header: http.Header{"Location": {"https://evil.test/steal"}}}), want: unavailable},
		{name: "C6: oversized body is ErrResponseTooLarge", prep: prep,
			fault: faultPtr(kakaotest.Fault{Status: 200, Body: bigJSON()}),
			want:  []error{kakaoapi.ErrResponseTooLarge, kakaoapi.ErrUnavailable}},
	}
}

// concat joins case lists.
func concat[T any](lists ...[]apiCase[T]) []apiCase[T] {
	var out []apiCase[T]
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// withFakeOpts sets fake options on every case of cs.
func withFakeOpts[T any](cs []apiCase[T], opts ...kakaotest.Option) []apiCase[T] {
	for i := range cs {
		cs[i].opts = append(cs[i].opts, opts...)
	}
	return cs
}

func isTrueP(b *bool) bool  { return b != nil && *b }
func isFalseP(b *bool) bool { return b != nil && !*b }
