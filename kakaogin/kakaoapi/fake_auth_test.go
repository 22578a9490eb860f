package kakaoapi_test

// Authorization-server calls against the fake: AuthCodeURL and
// AccountLogoutURL (followed on the fake with a non-redirect-following
// browser), Exchange, Refresh, Discover, IDTokenInfo and HTTPClient.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// TestFakeLoginDance is the whole authorize → code → Exchange → Me flow on
// the fake, for the user whose ID exceeds 2^53 (C28, C29, C30).
func TestFakeLoginDance(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t)
	verifier := "dance-verifier-" + strings.Repeat("k", 40)
	authURL := e.c.AuthCodeURL(kakaoapi.AuthRequest{
		State: "st-123", Nonce: "n-456", Verifier: verifier,
		Scopes: []string{"openid", "account_email", "gender"}, LoginHint: idString(kakaotest.UserJunho),
	})
	status, loc, koe := visit(t, browser(t), authURL)
	if status != http.StatusFound || koe != "" || loc == nil {
		t.Fatalf("authorize: %d %q %v", status, koe, loc)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != fakeRedirect {
		t.Fatalf("redirected to %s, want %s", got, fakeRedirect)
	}
	q := loc.Query()
	if q.Get("state") != "st-123" || q.Get("code") == "" || kakaoapi.ParseAuthorizeError(q) != nil {
		t.Fatalf("redirect query %v: want code and state", q)
	}
	// The authorize request carried an S256 challenge, never the verifier.
	ar := e.fake.Requests()[0]
	if ar.Query.Get("code_challenge_method") != "S256" || ar.Query.Get("code_verifier") != "" ||
		strings.Contains(authURL, verifier) {
		t.Errorf("authorize query %v: want S256 challenge and no verifier", ar.Query)
	}

	before := len(e.fake.Requests())
	tok, err := e.c.Exchange(t.Context(), q.Get("code"), verifier)
	e.checkRequests(t, before, kakaotest.PathToken, false)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	// C28: code, exact redirect_uri, client_id, client_secret (body) and
	// code_verifier, sent once.
	tr := e.fake.Requests()[before]
	for _, k := range []string{"code", "client_secret", "code_verifier"} {
		if got := tr.Form[k]; len(got) != 1 || got[0] != "[redacted]" {
			t.Errorf("token request %s = %v, want exactly one (redacted) value", k, got)
		}
	}
	if tr.Form.Get("redirect_uri") != fakeRedirect || tr.Form.Get("client_id") != e.fake.ClientID ||
		tr.Form.Get("grant_type") != "authorization_code" || tr.Method != http.MethodPost {
		t.Errorf("token request form %v", tr.Form)
	}
	if tok.IDToken == "" || !slices.Contains(tok.Scopes, "openid") || !slices.Contains(tok.Scopes, "account_email") {
		t.Errorf("token %v: want ID token and scopes openid, account_email", tok)
	}

	before = len(e.fake.Requests())
	u, err := e.c.Me(t.Context(), kakaoapi.Bearer(tok.AccessToken), nil)
	e.checkRequests(t, before, kakaotest.PathMe, false)
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if u.ID != kakaotest.UserJunho || u.KakaoAccount == nil || u.KakaoAccount.Gender != kakaoapi.Male {
		t.Fatalf("Me = %+v, want user %d (> 2^53, exact) with gender male", u, kakaotest.UserJunho)
	}
	if r := e.fake.Requests()[before]; r.AuthScheme != "Bearer" {
		t.Errorf("Me auth scheme %q, want Bearer", r.AuthScheme)
	}
}

// TestFakeAuthCodeURL follows AuthCodeURL on the fake and checks the result
// of each documented authorize outcome (§1.3, §1.4).
func TestFakeAuthCodeURL(t *testing.T) {
	t.Parallel()
	type result struct {
		code    bool
		errCode kakaoapi.AuthorizeErrorCode
		koe     string
		status  int
	}
	cases := []struct {
		name string
		opts []kakaotest.Option
		mod  func(*kakaoapi.Config)
		req  kakaoapi.AuthRequest
		// session logs the browser in to Kakao first (a normal login).
		session bool
		want    result
	}{
		{name: "auto approval redirects with code and state", req: kakaoapi.AuthRequest{State: "s", Nonce: "n", Verifier: "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"},
			want: result{code: true, status: 302}},
		{name: "prompt=none with a session and nothing to agree gives a code", session: true,
			req: kakaoapi.AuthRequest{State: "s", Prompts: []kakaoapi.Prompt{kakaoapi.PromptNone}}, want: result{code: true, status: 302}},
		{name: "prompt=login and select_account are accepted", session: true,
			req: kakaoapi.AuthRequest{State: "s", Prompts: []kakaoapi.Prompt{kakaoapi.PromptLogin, kakaoapi.PromptSelectAccount}}, want: result{code: true, status: 302}},
		{name: "service_terms tags are accepted", opts: nil,
			req: kakaoapi.AuthRequest{State: "s", ServiceTerms: []string{"terms_marketing"}}, want: result{code: true, status: 302}},
		{name: "prompt=none without a Kakao session is login_required",
			req: kakaoapi.AuthRequest{State: "s", Prompts: []kakaoapi.Prompt{kakaoapi.PromptNone}}, want: result{errCode: kakaoapi.LoginRequired, status: 302}},
		{name: "prompt=none needing more consent is consent_required", session: true,
			req:  kakaoapi.AuthRequest{State: "s", Prompts: []kakaoapi.Prompt{kakaoapi.PromptNone}, Scopes: []string{"shipping_address"}},
			want: result{errCode: kakaoapi.ConsentRequired, status: 302}},
		{name: "unregistered redirect URI is KOE006 on Kakao's page", mod: func(c *kakaoapi.Config) { c.RedirectURL = "https://evil.test/cb" },
			req: kakaoapi.AuthRequest{State: "s"}, want: result{koe: "KOE006", status: 400}},
		{name: "unknown client ID is KOE101 on Kakao's page", mod: func(c *kakaoapi.Config) { c.ClientID = "not-the-app-key" },
			req: kakaoapi.AuthRequest{State: "s"}, want: result{koe: "KOE101", status: 401}},
		{name: "unconfigured consent item is KOE205", req: kakaoapi.AuthRequest{State: "s", Scopes: []string{"friends"}},
			want: result{koe: "KOE205", status: 400}},
		{name: "unknown service term is KOE204", req: kakaoapi.AuthRequest{State: "s", ServiceTerms: []string{"no_such_term"}},
			want: result{koe: "KOE204", status: 400}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newFakeEnv(t, tc.opts...)
			b := browser(t)
			if tc.session { // a completed first login: Kakao session, user linked
				_, loc, _ := visit(t, b, e.c.AuthCodeURL(kakaoapi.AuthRequest{State: "first"}))
				if _, err := e.c.Exchange(t.Context(), loc.Query().Get("code"), ""); err != nil {
					t.Fatalf("first login: %v", err)
				}
			}
			c := e.c
			if tc.mod != nil {
				c = e.client(tc.mod)
			}
			status, loc, koe := visit(t, b, c.AuthCodeURL(tc.req))
			if status != tc.want.status || koe != tc.want.koe {
				t.Fatalf("status %d KOE %q, want %d %q", status, koe, tc.want.status, tc.want.koe)
			}
			if tc.want.koe != "" {
				if loc != nil {
					t.Errorf("Kakao error page must not redirect (got %v)", loc)
				}
				if kakaoapi.KOE(koe).Hint() == "unknown Kakao authorization error code" {
					t.Errorf("no operator hint for %s", koe)
				}
				return
			}
			q := loc.Query()
			if q.Get("state") != tc.req.State {
				t.Errorf("state = %q, want %q", q.Get("state"), tc.req.State)
			}
			ae := kakaoapi.ParseAuthorizeError(q)
			switch {
			case tc.want.code && (q.Get("code") == "" || ae != nil):
				t.Errorf("redirect %v: want a code", q)
			case !tc.want.code && (ae == nil || ae.Code != tc.want.errCode || q.Get("code") != ""):
				t.Errorf("redirect %v: want error %s and no code (got %+v)", q, tc.want.errCode, ae)
			}
		})
	}
}

// TestFakeAuthCodeURLAccessDenied cancels the fake's interactive consent
// screen: the redirect carries error=access_denied (§1.3).
func TestFakeAuthCodeURLAccessDenied(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, kakaotest.WithInteractiveConsent())
	b := browser(t)
	resp, err := b.Get(e.c.AuthCodeURL(kakaoapi.AuthRequest{State: "deny-me"}))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := pendingRE.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("consent screen: status %d, no pending id", resp.StatusCode)
	}
	resp, err = b.PostForm(e.fake.URL+kakaotest.PathConsent, url.Values{"p": {string(m[1])}, "action": {"cancel"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := location(t, resp)
	if loc == nil {
		t.Fatalf("cancel: status %d without redirect", resp.StatusCode)
	}
	ae := kakaoapi.ParseAuthorizeError(loc.Query())
	if ae == nil || ae.Code != kakaoapi.AccessDenied || loc.Query().Get("state") != "deny-me" || loc.Query().Get("code") != "" {
		t.Errorf("redirect %v: want access_denied with state and no code", loc)
	}
}

// TestFakeAccountLogoutURL follows AccountLogoutURL on the fake (§6.2).
func TestFakeAccountLogoutURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		clientID string
		redirect string
		state    string
		status   int
		koe      string
	}{
		{name: "registered URI redirects back with state", redirect: fakeLogoutRedirect, state: "bye-1", status: 302},
		{name: "no state, no state parameter", redirect: fakeLogoutRedirect, status: 302},
		{name: "unregistered logout redirect URI is KOE007", redirect: "https://evil.test/out", state: "x", status: 400, koe: "KOE007"},
		{name: "login redirect URI is not a logout redirect URI (KOE007)", redirect: fakeRedirect, status: 400, koe: "KOE007"},
		{name: "unknown client ID is KOE101", clientID: "nope", redirect: fakeLogoutRedirect, status: 401, koe: "KOE101"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newFakeEnv(t)
			b := browser(t)
			if status, _, _ := visit(t, b, e.c.AuthCodeURL(kakaoapi.AuthRequest{State: "login"})); status != http.StatusFound {
				t.Fatalf("login: status %d", status)
			}
			c := e.c
			if tc.clientID != "" {
				c = e.client(func(cfg *kakaoapi.Config) { cfg.ClientID = tc.clientID })
			}
			status, loc, koe := visit(t, b, c.AccountLogoutURL(tc.redirect, tc.state))
			if status != tc.status || koe != tc.koe {
				t.Fatalf("status %d KOE %q, want %d %q", status, koe, tc.status, tc.koe)
			}
			// Whether the Kakao Account session survived: prompt=none.
			_, silent, _ := visit(t, b, e.c.AuthCodeURL(kakaoapi.AuthRequest{State: "p", Prompts: []kakaoapi.Prompt{kakaoapi.PromptNone}}))
			ae := kakaoapi.ParseAuthorizeError(silent.Query())
			loggedOut := ae != nil && ae.Code == kakaoapi.LoginRequired
			if tc.koe != "" {
				if loggedOut {
					t.Error("a rejected logout must keep the Kakao Account session")
				}
				return
			}
			want := tc.redirect
			if tc.state != "" {
				want += "?state=" + tc.state
			}
			if loc.String() != want {
				t.Errorf("Location = %s, want %s", loc, want)
			}
			if !loggedOut {
				t.Error("Kakao Account session still alive after account logout")
			}
		})
	}
}

// exchangeMethod calls Exchange with the code and verifier prepared in e.
var exchangeMethod = method[*kakaoapi.Token]{
	path: kakaotest.PathToken,
	call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
		return e.c.Exchange(ctx, e.code, e.verifier)
	},
}

func loggedIn(id int64, scopes ...string) func(*testing.T, *fakeEnv) kakaoapi.Auth {
	return func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
		e.login(t, id, scopes...)
		return kakaoapi.Auth{}
	}
}

// wantAuthErr checks the kauth error's KOE code and HTTP status.
func wantAuthErr[T any](koe kakaoapi.KOE, status int) func(*testing.T, *fakeEnv, T, error) {
	return func(t *testing.T, _ *fakeEnv, _ T, err error) {
		var ae *kakaoapi.AuthError
		if !errors.As(err, &ae) || ae.KOE != koe || ae.HTTPStatus != status {
			t.Errorf("err = %#v, want *AuthError %s HTTP %d", err, koe, status)
		}
		if errors.Is(err, kakaoapi.ErrUnavailable) {
			t.Errorf("%s must not read as Kakao unavailable (C32)", koe)
		}
	}
}

func TestFakeExchange(t *testing.T) {
	t.Parallel()
	withClient := func(mod func(*kakaoapi.Config)) func(context.Context, *fakeEnv, kakaoapi.Auth) (*kakaoapi.Token, error) {
		return func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
			// The code comes from the normal client; mod changes the exchanging one.
			return e.client(mod).Exchange(ctx, e.code, e.verifier)
		}
	}
	cases := []apiCase[*kakaoapi.Token]{
		{
			name: "C28: success decodes tokens, scopes and expiry times",
			prep: loggedIn(kakaotest.UserMinji, "openid", "account_email"),
			check: func(t *testing.T, e *fakeEnv, tok *kakaoapi.Token, _ error) {
				now := e.clock.Now()
				if tok.AccessToken == "" || tok.RefreshToken == "" || tok.IDToken == "" || tok.TokenType != "bearer" {
					t.Errorf("token %v: want access, refresh and ID token, type bearer", tok)
				}
				if !tok.Expiry.Equal(now.Add(21599*time.Second)) || !tok.RefreshExpiry.Equal(now.Add(5183999*time.Second)) {
					t.Errorf("Expiry %v RefreshExpiry %v, want now+21599s and now+5183999s", tok.Expiry, tok.RefreshExpiry)
				}
				for _, s := range []string{"openid", "account_email", "profile_nickname"} {
					if !slices.Contains(tok.Scopes, s) {
						t.Errorf("Scopes %v lack %s", tok.Scopes, s)
					}
				}
				if strings.Contains(tok.String(), tok.AccessToken) || strings.Contains(tok.String(), tok.RefreshToken) {
					t.Error("Token.String shows a token")
				}
			},
		},
		{
			name: "C29: no client secret configured and check off: no client_secret field",
			opts: []kakaotest.Option{kakaotest.WithClientSecret("")},
			prep: loggedIn(kakaotest.UserSeoyeon),
			call: withClient(func(c *kakaoapi.Config) { c.ClientSecret = "" }),
			check: func(t *testing.T, e *fakeEnv, tok *kakaoapi.Token, _ error) {
				r := e.fake.Requests()
				if _, ok := r[len(r)-1].Form["client_secret"]; ok {
					t.Error("client_secret sent although none is configured")
				}
			},
		},
		{
			name: "C30: used code is ErrCodeUsed (KOE320)",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				e.login(t, kakaotest.UserMinji)
				if _, err := e.c.Exchange(t.Context(), e.code, e.verifier); err != nil {
					t.Fatalf("first exchange: %v", err)
				}
				return kakaoapi.Auth{}
			},
			want:  []error{kakaoapi.ErrCodeUsed, kakaoapi.ErrInvalidGrant},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE320, 400),
		},
		{
			name: "unknown code is ErrCodeUsed (KOE320)",
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
				return e.c.Exchange(ctx, "dummy-code", "")
			},
			want:  []error{kakaoapi.ErrCodeUsed, kakaoapi.ErrInvalidGrant},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE320, 400),
		},
		{
			name: "expired code (WithClock +10m) is ErrCodeUsed",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				e.login(t, kakaotest.UserMinji)
				e.clock.Advance(10 * time.Minute)
				return kakaoapi.Auth{}
			},
			want:  []error{kakaoapi.ErrCodeUsed},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE320, 400),
		},
		{
			name:  "C32: wrong client secret is ErrInvalidClient (KOE010)",
			prep:  loggedIn(kakaotest.UserMinji),
			call:  withClient(func(c *kakaoapi.Config) { c.ClientSecret = "wrong-secret" }),
			want:  []error{kakaoapi.ErrInvalidClient},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE010, 401),
		},
		{
			name:  "missing client secret while the check is on is ErrInvalidClient (KOE010)",
			prep:  loggedIn(kakaotest.UserMinji),
			call:  withClient(func(c *kakaoapi.Config) { c.ClientSecret = "" }),
			want:  []error{kakaoapi.ErrInvalidClient},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE010, 401),
		},
		{
			name:  "unknown client ID is ErrInvalidClient (KOE101)",
			prep:  loggedIn(kakaotest.UserMinji),
			call:  withClient(func(c *kakaoapi.Config) { c.ClientID = "other-app-key" }),
			want:  []error{kakaoapi.ErrInvalidClient},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE101, 401),
		},
		{
			name: "C28: PKCE verifier mismatch is ErrInvalidGrant",
			prep: loggedIn(kakaotest.UserMinji),
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
				return e.c.Exchange(ctx, e.code, "another-verifier-"+strings.Repeat("x", 40))
			},
			want:  []error{kakaoapi.ErrInvalidGrant},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE320, 400),
		},
		{
			name: "C28: PKCE verifier missing is ErrInvalidGrant",
			prep: loggedIn(kakaotest.UserMinji),
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
				return e.c.Exchange(ctx, e.code, "")
			},
			want: []error{kakaoapi.ErrInvalidGrant},
		},
		{
			name: "C28: redirect_uri differing from authorize is ErrRedirectMismatch (KOE303)",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				other := e.client(func(c *kakaoapi.Config) { c.RedirectURL = fakeRedirect2 })
				e.code = e.authorize(t, other, kakaoapi.AuthRequest{State: "s"})
				return kakaoapi.Auth{}
			},
			want:  []error{kakaoapi.ErrRedirectMismatch},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE303, 400),
		},
		{
			name: "KOE237 token issuance limit (20 per 10 min) is ErrRateLimited",
			opts: []kakaotest.Option{kakaotest.WithBehavior(func(b *kakaotest.Behavior) { b.TokenRateLimit = true })},
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				for range 20 {
					e.issue(t, kakaotest.UserMinji)
				}
				e.login(t, kakaotest.UserMinji)
				return kakaoapi.Auth{}
			},
			want:  []error{kakaoapi.ErrRateLimited},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE237, 429),
		},
		{
			name:  "KOE114 code of another app key is an *AuthError with its KOE",
			prep:  loggedIn(kakaotest.UserMinji),
			fault: faultPtr(kakaotest.KauthFault(400, "invalid_request", "KOE114", "code issued to another key")),
			fail:  true,
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE114, 400),
		},
		{
			name:  "KOE310 redirect problem is ErrRedirectMismatch",
			prep:  loggedIn(kakaotest.UserMinji),
			fault: faultPtr(kakaotest.KauthFault(400, "invalid_request", "KOE310", "redirect")),
			want:  []error{kakaoapi.ErrRedirectMismatch},
		},
		{
			name:  "C31: 200 with an error field is ErrMalformedResponse",
			prep:  loggedIn(kakaotest.UserMinji),
			fault: faultPtr(kakaotest.Fault{Status: 200, Body: `{"error":"invalid_grant","access_token":"a","token_type":"bearer","expires_in":10}`}),
			want:  []error{kakaoapi.ErrMalformedResponse},
		},
		{
			name:  "C31: token_type other than bearer is ErrMalformedResponse",
			prep:  loggedIn(kakaotest.UserMinji),
			fault: faultPtr(kakaotest.Fault{Status: 200, Body: `{"access_token":"a","token_type":"mac","expires_in":10}`}),
			want:  []error{kakaoapi.ErrMalformedResponse},
		},
		{
			name: "empty code is rejected locally",
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
				return e.c.Exchange(ctx, "", "v")
			},
			local: true,
		},
	}
	runCases(t, exchangeMethod, concat(cases, kauthFaultCases[*kakaoapi.Token](loggedIn(kakaotest.UserMinji))))
}

// refreshMethod refreshes e.tok.
var refreshMethod = method[*kakaoapi.Token]{
	path: kakaotest.PathToken,
	call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
		return e.c.Refresh(ctx, e.tok)
	},
}

func exchanged(id int64, advance time.Duration) func(*testing.T, *fakeEnv) kakaoapi.Auth {
	return func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
		e.exchange(t, id, "openid", "account_email")
		e.clock.Advance(advance)
		return kakaoapi.Auth{}
	}
}

// TestFakeRefresh covers Kakao's rotation rule (§2.5) with WithClock: no
// new refresh token while more than 30 days are left (the old one is kept
// and still works); within the last 30 days a new one replaces it and the
// old one is then KOE322 (C95, C96).
func TestFakeRefresh(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	kept := func(t *testing.T, e *fakeEnv, tok *kakaoapi.Token, _ error) {
		t.Helper()
		if tok.RefreshToken != e.tok.RefreshToken || !tok.RefreshExpiry.Equal(e.tok.RefreshExpiry) {
			t.Errorf("refresh token rotated early: got expiry %v, want old one kept (%v)", tok.RefreshExpiry, e.tok.RefreshExpiry)
		}
		if tok.AccessToken == "" || tok.AccessToken == e.tok.AccessToken || !tok.Expiry.Equal(e.clock.Now().Add(21599*time.Second)) {
			t.Errorf("new access token %v: want a fresh one expiring now+21599s", tok)
		}
		if tok.IDToken == "" {
			t.Error("refresh of an OIDC login must re-issue an ID token (§3.4)")
		}
		if !slices.Equal(tok.Scopes, e.tok.Scopes) {
			t.Errorf("Scopes %v, want the previous %v kept", tok.Scopes, e.tok.Scopes)
		}
		// The old refresh token still works.
		if _, err := e.c.Refresh(t.Context(), e.tok); err != nil {
			t.Errorf("old refresh token after a non-rotating refresh: %v", err)
		}
	}
	rotated := func(t *testing.T, e *fakeEnv, tok *kakaoapi.Token, _ error) {
		t.Helper()
		if tok.RefreshToken == "" || tok.RefreshToken == e.tok.RefreshToken ||
			!tok.RefreshExpiry.Equal(e.clock.Now().Add(5183999*time.Second)) {
			t.Fatalf("refresh within the last 30 days: got expiry %v, want a new refresh token expiring now+5183999s", tok.RefreshExpiry)
		}
		_, err := e.c.Refresh(t.Context(), e.tok)
		if !errors.Is(err, kakaoapi.ErrRefreshTokenInvalid) || !errors.Is(err, kakaoapi.ErrInvalidGrant) {
			t.Errorf("old refresh token after rotation: err = %v, want ErrRefreshTokenInvalid (KOE322)", err)
		}
		if _, err := e.c.Refresh(t.Context(), tok); err != nil {
			t.Errorf("new refresh token: %v", err)
		}
	}
	cases := []apiCase[*kakaoapi.Token]{
		{name: "C95: right after login: no rotation, old refresh token kept", prep: exchanged(kakaotest.UserMinji, time.Hour), check: kept},
		{name: "C95: 30 days left exactly: no rotation", prep: exchanged(kakaotest.UserJunho, 30*day), check: kept},
		{name: "C95: under 30 days left: rotated, old one then KOE322", prep: exchanged(kakaotest.UserJunho, 30*day+time.Second), check: rotated},
		{name: "C95: one day left: rotated", prep: exchanged(kakaotest.UserMinji, 59*day), check: rotated},
		{
			name: "caller holding only a refresh token gets the new access token",
			prep: exchanged(kakaotest.UserMinji, time.Minute),
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
				return e.c.Refresh(ctx, &kakaoapi.Token{RefreshToken: e.tok.RefreshToken})
			},
			check: func(t *testing.T, e *fakeEnv, tok *kakaoapi.Token, _ error) {
				if tok.RefreshToken != e.tok.RefreshToken || tok.AccessToken == "" {
					t.Errorf("got %v, want new access token and the same refresh token", tok)
				}
			},
		},
		{
			name: "refresh of a non-OIDC login has no ID token",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				e.login(t, kakaotest.UserMinji, "account_email") // scope without openid
				tok, err := e.c.Exchange(t.Context(), e.code, e.verifier)
				if err != nil || tok.IDToken != "" {
					t.Fatalf("exchange: %v, id token %t", err, tok != nil && tok.IDToken != "")
				}
				e.tok = tok
				return kakaoapi.Auth{}
			},
			check: func(t *testing.T, _ *fakeEnv, tok *kakaoapi.Token, _ error) {
				if tok.IDToken != "" {
					t.Error("ID token issued on refresh of a login without openid")
				}
			},
		},
		{
			name: "C96: expired refresh token (60 days) is ErrRefreshTokenInvalid (KOE322)",
			prep: exchanged(kakaotest.UserMinji, 60*day), want: []error{kakaoapi.ErrRefreshTokenInvalid, kakaoapi.ErrInvalidGrant},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE322, 400),
		},
		{
			name: "C96: unknown refresh token is ErrRefreshTokenInvalid",
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
				return e.c.Refresh(ctx, &kakaoapi.Token{RefreshToken: "no-such-refresh-token"})
			},
			want: []error{kakaoapi.ErrRefreshTokenInvalid}, check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE322, 400),
		},
		{
			name: "C96: user unlinked in Kakao is ErrRefreshTokenInvalid",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				exchanged(kakaotest.UserMinji, 0)(t, e)
				if err := e.fake.UnlinkUser(kakaotest.UserMinji); err != nil {
					t.Fatal(err)
				}
				return kakaoapi.Auth{}
			},
			want: []error{kakaoapi.ErrRefreshTokenInvalid},
		},
		{
			name: "refresh token revoked by Logout is ErrRefreshTokenInvalid",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				exchanged(kakaotest.UserMinji, 0)(t, e)
				if _, err := e.c.Logout(t.Context(), kakaoapi.Bearer(e.tok.AccessToken)); err != nil {
					t.Fatal(err)
				}
				return kakaoapi.Auth{}
			},
			want: []error{kakaoapi.ErrRefreshTokenInvalid},
		},
		{
			name: "C32: wrong client secret is ErrInvalidClient (KOE010)",
			prep: exchanged(kakaotest.UserMinji, 0),
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
				return e.client(func(c *kakaoapi.Config) { c.ClientSecret = "wrong" }).Refresh(ctx, e.tok)
			},
			want:  []error{kakaoapi.ErrInvalidClient},
			check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE010, 401),
		},
		{
			name: "KOE237 refresh limit (30 per hour) is ErrRateLimited",
			opts: []kakaotest.Option{kakaotest.WithBehavior(func(b *kakaotest.Behavior) { b.TokenRateLimit = true })},
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				exchanged(kakaotest.UserMinji, 0)(t, e)
				for i := range 30 {
					if _, err := e.c.Refresh(t.Context(), e.tok); err != nil {
						t.Fatalf("refresh %d: %v", i, err)
					}
				}
				return kakaoapi.Auth{}
			},
			want: []error{kakaoapi.ErrRateLimited}, check: wantAuthErr[*kakaoapi.Token](kakaoapi.KOE237, 429),
		},
		{
			name: "KOE319 cannot happen: no refresh token is rejected locally",
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Token, error) {
				return e.c.Refresh(ctx, &kakaoapi.Token{AccessToken: "a"})
			},
			local: true,
		},
	}
	runCases(t, refreshMethod, concat(cases, kauthFaultCases[*kakaoapi.Token](exchanged(kakaotest.UserMinji, 0))))
}

func TestFakeDiscover(t *testing.T) {
	t.Parallel()
	m := method[*kakaoapi.Discovery]{
		path: kakaotest.PathDiscovery,
		call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.Discovery, error) {
			return e.c.Discover(ctx)
		},
	}
	cases := []apiCase[*kakaoapi.Discovery]{
		{
			name: "C3: success decodes the document (issuer left to the caller)",
			check: func(t *testing.T, e *fakeEnv, d *kakaoapi.Discovery, _ error) {
				if d.Issuer != e.fake.URL || d.JWKSURL != e.fake.URL+kakaotest.PathJWKS ||
					d.TokenEndpoint != e.fake.URL+kakaotest.PathToken || d.UserinfoEndpoint != e.fake.URL+kakaotest.PathOIDCUserInfo {
					t.Errorf("discovery %+v", d)
				}
				if !slices.Equal(d.CodeChallengeMethodsSupported, []string{"S256"}) ||
					!slices.Equal(d.TokenEndpointAuthMethodsSupported, []string{"client_secret_post"}) ||
					!isFalseP(d.RequestURIParameterSupported) || !slices.Contains(d.ClaimsSupported, "nonce") {
					t.Errorf("discovery lists %+v", d)
				}
			},
		},
		{
			name:  "C31: document without issuer is ErrMalformedResponse",
			fault: faultPtr(kakaotest.Fault{Status: 200, Body: `{"jwks_uri":"https://x.test/jwks"}`}),
			want:  []error{kakaoapi.ErrMalformedResponse},
		},
		{
			name:  "404 Kakao error page (KOE002) is an *AuthError",
			fault: faultPtr(kakaotest.Fault{Status: 404, Body: "<html>KOE002</html>"}),
			fail:  true,
			check: func(t *testing.T, _ *fakeEnv, _ *kakaoapi.Discovery, err error) {
				var ae *kakaoapi.AuthError
				if !errors.As(err, &ae) || ae.HTTPStatus != 404 {
					t.Errorf("err = %#v, want *AuthError HTTP 404", err)
				}
			},
		},
	}
	runCases(t, m, concat(cases, kauthFaultCases[*kakaoapi.Discovery](nil)))
}

func TestFakeIDTokenInfo(t *testing.T) {
	t.Parallel()
	m := method[*kakaoapi.IDTokenClaims]{
		path: kakaotest.PathTokenInfo,
		call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.IDTokenClaims, error) {
			return e.c.IDTokenInfo(ctx, e.idToken)
		},
	}
	withID := func(id int64, f kakaotest.IDTokenFault, after func(*fakeEnv)) func(*testing.T, *fakeEnv) kakaoapi.Auth {
		return func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
			e.fake.FailIDToken(f)
			e.idToken = e.issue(t, id, "account_email").IDToken
			e.fake.FailIDToken(kakaotest.IDTokenOK)
			if after != nil {
				after(e)
			}
			return kakaoapi.Auth{}
		}
	}
	invalid := []error{kakaoapi.ErrInvalidToken}
	koe400 := wantAuthErr[*kakaoapi.IDTokenClaims](kakaoapi.KOE400, 400)
	cases := []apiCase[*kakaoapi.IDTokenClaims]{
		{
			name: "success decodes claims, sub > 2^53 as a string, times as time.Time",
			prep: withID(kakaotest.UserJunho, kakaotest.IDTokenOK, nil),
			check: func(t *testing.T, e *fakeEnv, c *kakaoapi.IDTokenClaims, _ error) {
				now := e.clock.Now()
				if c.Subject != "1376016924429759243" || c.Audience != e.fake.ClientID || c.Issuer != e.fake.URL {
					t.Errorf("claims %+v", c)
				}
				if !c.IssuedAt.Equal(now) || !c.AuthTime.Equal(now) || !c.Expiry.Equal(now.Add(6*time.Hour-time.Second)) {
					t.Errorf("iat %v auth_time %v exp %v, want now, now, now+6h-1s", c.IssuedAt, c.AuthTime, c.Expiry)
				}
				if c.Email != "" || c.Nickname != "준호" {
					t.Errorf("email %q nickname %q: an unverified email must be absent (§3.3)", c.Email, c.Nickname)
				}
			},
		},
		{
			name: "nonce from the authorize request is returned",
			prep: func(t *testing.T, e *fakeEnv) kakaoapi.Auth {
				e.exchange(t, kakaotest.UserMinji, "openid", "account_email")
				e.idToken = e.tok.IDToken
				return kakaoapi.Auth{}
			},
			check: func(t *testing.T, _ *fakeEnv, c *kakaoapi.IDTokenClaims, _ error) {
				if c.Nonce != "nonce-1" || c.Subject != "4012345678" || c.Email != "minji@example.com" {
					t.Errorf("claims %+v, want nonce-1 and Minji's verified email", c)
				}
			},
		},
		{name: "tampered payload is ErrInvalidToken (KOE400)", prep: withID(kakaotest.UserMinji, kakaotest.IDTokenTampered, nil), want: invalid, check: koe400},
		{name: "signed by an unpublished key is ErrInvalidToken", prep: withID(kakaotest.UserMinji, kakaotest.IDTokenWrongKey, nil), want: invalid, check: koe400},
		{name: "alg none is ErrInvalidToken", prep: withID(kakaotest.UserMinji, kakaotest.IDTokenAlgNone, nil), want: invalid, check: koe400},
		{name: "wrong issuer is ErrInvalidToken", prep: withID(kakaotest.UserMinji, kakaotest.IDTokenWrongIss, nil), want: invalid, check: koe400},
		{name: "expired (WithClock +6h) is ErrInvalidToken",
			prep: withID(kakaotest.UserMinji, kakaotest.IDTokenOK, func(e *fakeEnv) { e.clock.Advance(6 * time.Hour) }), want: invalid, check: koe400},
		{name: "signing key rotated out of the JWKS is ErrInvalidToken",
			prep: withID(kakaotest.UserMinji, kakaotest.IDTokenOK, func(e *fakeEnv) {
				e.fake.RotateKeyTo(fakeKeys()[1])
				e.fake.DropRetiredKeys()
			}), want: invalid, check: koe400},
		{name: "not a JWT is ErrInvalidToken", prep: func(*testing.T, *fakeEnv) kakaoapi.Auth { return kakaoapi.Auth{} },
			call: func(ctx context.Context, e *fakeEnv, _ kakaoapi.Auth) (*kakaoapi.IDTokenClaims, error) {
				return e.c.IDTokenInfo(ctx, "not-a-jwt")
			}, want: invalid, check: koe400},
		{name: "empty ID token is rejected locally", local: true},
	}
	runCases(t, m, concat(cases, kauthFaultCases[*kakaoapi.IDTokenClaims](withID(kakaotest.UserMinji, kakaotest.IDTokenOK, nil))))
}

// TestFakeHTTPClient uses the client's own *http.Client against the fake:
// it works, never follows redirects (C5) and caps bodies (C6).
func TestFakeHTTPClient(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fault  *kakaotest.Fault
		status int
		err    error
	}{
		{name: "JWKS fetch succeeds", status: 200},
		{name: "C5: redirect returned, not followed",
			fault: faultPtr(kakaotest.Fault{Status: 302, Header: http.Header{"Location": {kakaotest.PathDiscovery}}}), status: 302},
		{name: "C6: body over the cap fails with ErrResponseTooLarge",
			fault: faultPtr(kakaotest.Fault{Status: 200, Body: bigJSON()}), status: 200, err: kakaoapi.ErrResponseTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newFakeEnv(t)
			if tc.fault != nil {
				e.fake.Fail(kakaotest.PathJWKS, *tc.fault)
			}
			resp, err := e.c.HTTPClient().Get(e.fake.URL + kakaotest.PathJWKS)
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || (tc.err == nil) != (err == nil) || !errors.Is(err, tc.err) {
				t.Fatalf("status %d, read err %v; want %d, %v", resp.StatusCode, err, tc.status, tc.err)
			}
			if tc.err == nil && tc.status == 200 && !strings.Contains(string(body), `"keys"`) {
				t.Errorf("JWKS body %q", body)
			}
			if n := e.fake.Hits(kakaotest.PathJWKS) + e.fake.Hits(kakaotest.PathDiscovery); n != 1 {
				t.Errorf("%d requests, want exactly 1", n)
			}
		})
	}
}
