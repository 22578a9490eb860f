package kakaogin

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

const (
	pathItems        = "/auth/kakao/consent/items"
	pathRevoke       = "/auth/kakao/consent/revoke"
	pathTerms        = "/auth/kakao/terms"
	pathRevokeTerms  = "/auth/kakao/terms/revoke"
	acceptJSON       = "application/json"
	termMarketing    = "terms_marketing"
	termService      = "terms_service"
	scopeEmail       = "account_email"
	scopeImage       = "profile_image"
	scopeNickname    = "profile_nickname" // required in the fake's default items
	scopeTalkMessage = "talk_message"     // on demand: not agreed at login
)

// managed is a harness whose browser is logged in as Minji, with a route
// that needs account_email.
func managed(t *testing.T, opts ...harnessOpt) (*harness, *browser) {
	t.Helper()
	h := newHarness(t, opts...)
	h.eng.GET("/email", h.kg.RequireScopes(scopeEmail), func(c *gin.Context) { c.String(http.StatusOK, "email ok") })
	b := h.browser()
	if status, _ := b.login("/"); status != http.StatusOK {
		t.Fatalf("login: %d", status)
	}
	return h, b
}

// sessionScopes are the granted scopes GET me reports for b's session.
func sessionScopes(t *testing.T, b *browser) []string {
	t.Helper()
	status, body, _ := b.step("/auth/kakao/me", "Accept", acceptJSON)
	var me struct{ Scopes []string }
	if status != http.StatusOK || json.Unmarshal([]byte(body), &me) != nil {
		t.Fatalf("GET me: %d %s", status, body)
	}
	return me.Scopes
}

// fakeUser is Minji as the fake knows her now.
func fakeUser(t *testing.T, h *harness) kakaotest.User {
	t.Helper()
	u, ok := h.fake.User(kakaotest.UserMinji)
	if !ok {
		t.Fatal("fake lost Minji")
	}
	return u
}

// consentItems fetches GET consent/items as b.
func consentItems(t *testing.T, b *browser) map[string]consentItemJSON {
	t.Helper()
	status, body, resp := b.step(pathItems, "Accept", acceptJSON)
	var out struct{ Scopes []consentItemJSON }
	if status != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
		t.Fatalf("GET consent/items: %d %s", status, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("C64: consent/items without Cache-Control: no-store")
	}
	m := map[string]consentItemJSON{}
	for _, s := range out.Scopes {
		m[s.ID] = s
	}
	return m
}

// TestConsentItemsList: GET consent/items reports agreed and revocable as
// Kakao does (§9.1), follows changes made at Kakao, and needs a login.
func TestConsentItemsList(t *testing.T) {
	h, b := managed(t)
	items := consentItems(t, b)
	for _, tc := range []struct {
		id                string
		agreed, revocable bool
	}{
		{scopeNickname, true, false}, // required: agreed, not revocable
		{scopeEmail, true, true},
		{scopeImage, true, true},
		{scopeTalkMessage, false, false}, // on demand: not asked at login
	} {
		got, ok := items[tc.id]
		if !ok || got.Agreed != tc.agreed || got.Revocable != tc.revocable || got.DisplayName == "" || !got.Using {
			t.Errorf("%s: %+v (listed %v), want agreed=%v revocable=%v", tc.id, got, ok, tc.agreed, tc.revocable)
		}
	}
	// The list is Kakao's, not a copy of the session's.
	if err := h.fake.SetConsent(kakaotest.UserMinji, scopeTalkMessage, true); err != nil {
		t.Fatal(err)
	}
	if got := consentItems(t, b)[scopeTalkMessage]; !got.Agreed || !got.Revocable {
		t.Errorf("after agreeing at Kakao: %+v", got)
	}

	anon := h.browser()
	if status, _, _ := anon.step(pathItems, "Accept", acceptJSON); status != http.StatusUnauthorized {
		t.Errorf("logged out, JSON: %d, want 401", status)
	}
	status, _, resp := anon.step(pathItems)
	if status != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/kakao/login") {
		t.Errorf("logged out, browser: %d %q, want 303 to login", status, resp.Header.Get("Location"))
	}
}

// TestRevokeConsent is issue "consent management" with N and C94: revoking
// withdraws the items at Kakao and from the session's scopes; anything
// refused changes nothing at Kakao or in the session (C100 statuses).
func TestRevokeConsent(t *testing.T) {
	for _, tc := range []struct {
		name         string
		form         url.Values
		json         bool
		fault        *kakaotest.Fault // on PathRevokeScopes
		wantStatus   int
		wantLocation string
		gone, kept   []string // not agreed / still agreed afterwards, at Kakao and in the session
		revokeCalls  int
	}{
		{name: "a revocable item, JSON client", form: url.Values{"scope": {scopeEmail}}, json: true,
			wantStatus: http.StatusOK, gone: []string{scopeEmail}, kept: []string{scopeNickname, scopeImage}, revokeCalls: 1},
		{name: "a revocable item, browser back to next", form: url.Values{"scope": {scopeImage}, "next": {"/private"}},
			wantStatus: http.StatusSeeOther, wantLocation: "/private", gone: []string{scopeImage}, kept: []string{scopeEmail}, revokeCalls: 1},
		{name: "comma-separated and repeated values", form: url.Values{"scope": {scopeImage + " , " + scopeEmail, scopeEmail}},
			wantStatus: http.StatusSeeOther, wantLocation: "/", gone: []string{scopeImage, scopeEmail}, kept: []string{scopeNickname}, revokeCalls: 1},
		{name: "an off-site next goes to the default page (C68)", form: url.Values{"scope": {scopeEmail}, "next": {"https://evil.example/"}},
			wantStatus: http.StatusSeeOther, wantLocation: "/", gone: []string{scopeEmail}, revokeCalls: 1},
		{name: "an item never agreed needs no Kakao call", form: url.Values{"scope": {scopeTalkMessage}}, json: true,
			wantStatus: http.StatusOK, gone: []string{scopeTalkMessage}, kept: []string{scopeEmail}},
		{name: "a required item is refused", form: url.Values{"scope": {scopeNickname}}, json: true,
			wantStatus: http.StatusForbidden, kept: []string{scopeNickname, scopeEmail}},
		{name: "a required item among revocable ones refuses all", form: url.Values{"scope": {scopeEmail + "," + scopeNickname}},
			wantStatus: http.StatusForbidden, kept: []string{scopeNickname, scopeEmail}},
		{name: "an unknown scope ID is a bad request", form: url.Values{"scope": {"account_emali"}},
			wantStatus: http.StatusBadRequest, kept: []string{scopeEmail}},
		{name: "no scope is a bad request", form: url.Values{"scope": {" , "}},
			wantStatus: http.StatusBadRequest, kept: []string{scopeEmail}},
		{name: "too many values are a bad request", form: url.Values{"scope": {strings.Repeat(scopeEmail+",", 100)}},
			wantStatus: http.StatusBadRequest, kept: []string{scopeEmail}},
		{name: "a repeated next is a bad request", form: url.Values{"scope": {scopeEmail}, "next": {"/a", "/b"}},
			wantStatus: http.StatusBadRequest, kept: []string{scopeEmail}},
		{name: "Kakao's not-revocable answer (-3) is refused", form: url.Values{"scope": {scopeEmail}}, json: true,
			fault:      ptr(kakaotest.KapiFault(403, -3, "[account_email] is not revocable.")),
			wantStatus: http.StatusForbidden, kept: []string{scopeEmail}, revokeCalls: 1},
		{name: "Kakao's bad-parameter answer (-2) is a bad request", form: url.Values{"scope": {scopeEmail}}, json: true,
			fault:      ptr(kakaotest.KapiFault(400, -2, "There is no scopes to revoke.")),
			wantStatus: http.StatusBadRequest, kept: []string{scopeEmail}, revokeCalls: 1},
		{name: "Kakao down leaves the session unchanged", form: url.Values{"scope": {scopeEmail}},
			fault:      &kakaotest.Fault{Status: http.StatusServiceUnavailable},
			wantStatus: http.StatusServiceUnavailable, kept: []string{scopeEmail}, revokeCalls: 1},
		{name: "Kakao rate-limiting is 503", form: url.Values{"scope": {scopeEmail}}, json: true,
			fault:      ptr(kakaotest.RateLimitFault(429, 30)),
			wantStatus: http.StatusServiceUnavailable, kept: []string{scopeEmail}, revokeCalls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, b := managed(t)
			before := sessionScopes(t, b)
			for _, s := range append(slices.Clone(tc.gone), tc.kept...) {
				if s != scopeTalkMessage && !slices.Contains(before, s) {
					t.Fatalf("precondition: %s not granted at login: %v", s, before)
				}
			}
			if tc.fault != nil {
				h.fake.Fail(kakaotest.PathRevokeScopes, *tc.fault)
			}
			var hdr []string
			if tc.json {
				hdr = []string{"Accept", acceptJSON}
			}
			status, body, resp := b.post(pathRevoke, tc.form, true, hdr...)
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tc.wantStatus, body)
			}
			if tc.wantLocation != "" && resp.Header.Get("Location") != tc.wantLocation {
				t.Errorf("Location %q, want %q", resp.Header.Get("Location"), tc.wantLocation)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Error("C64: no Cache-Control: no-store")
			}
			if n := h.fake.Hits(kakaotest.PathRevokeScopes); n != tc.revokeCalls {
				t.Errorf("revoke calls at Kakao: %d, want %d", n, tc.revokeCalls)
			}
			h.fake.ClearFault(kakaotest.PathRevokeScopes)
			after := sessionScopes(t, b)
			agreed := fakeUser(t, h).Consents
			for _, s := range tc.gone {
				if slices.Contains(agreed, s) || slices.Contains(after, s) {
					t.Errorf("%s still granted: Kakao %v, session %v", s, agreed, after)
				}
			}
			for _, s := range tc.kept {
				if !slices.Contains(agreed, s) || (s != scopeTalkMessage && !slices.Contains(after, s)) {
					t.Errorf("%s withdrawn: Kakao %v, session %v", s, agreed, after)
				}
			}
			if tc.wantStatus >= 400 && !slices.Equal(before, after) {
				t.Errorf("refused request changed the session scopes: %v → %v", before, after)
			}
			if tc.json && status == http.StatusOK {
				var got struct {
					OK      bool
					Revoked []string
					Scopes  []string
				}
				if err := json.Unmarshal([]byte(body), &got); err != nil || !got.OK || !slices.Equal(got.Scopes, after) {
					t.Errorf("JSON answer %s, session scopes %v", body, after)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestRevokeConsentRequireScopes: after a revoke, RequireScopes for the
// item sends the browser to consent again (N), and the session token was
// renewed (C94, C56): the old cookie no longer logs anyone in.
func TestRevokeConsentRequireScopes(t *testing.T) {
	h, b := managed(t)
	if status, body, _ := b.step("/email"); status != http.StatusOK {
		t.Fatalf("before revoke: %d %s", status, body)
	}
	srvURL, _ := url.Parse(h.srv.URL)
	oldCookies := b.Jar.Cookies(srvURL)
	if status, body, _ := b.post(pathRevoke, url.Values{"scope": {scopeEmail}}, true); status != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", status, body)
	}
	status, _, resp := b.step("/email")
	if status != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/kakao/consent?scope="+scopeEmail) {
		t.Fatalf("after revoke: %d %q, want 303 to consent", status, resp.Header.Get("Location"))
	}
	if !b.loggedIn() {
		t.Fatal("revoke logged the user out")
	}
	old := h.browser()
	old.Jar.SetCookies(srvURL, oldCookies)
	if old.loggedIn() {
		t.Error("C94: the session token from before the revoke still works")
	}
}

// TestManagePOSTProtection is H for the management routes: GET is 405
// (C65), cross-site requests (C66) and a missing or wrong CSRF token are
// 403, a logged-out request is 401; none of them reaches Kakao or changes
// anything.
func TestManagePOSTProtection(t *testing.T) {
	routes := []struct {
		path, field, item string
		kakao             string // the revoke endpoint at Kakao
	}{
		{pathRevoke, "scope", scopeEmail, kakaotest.PathRevokeScopes},
		{pathRevokeTerms, "tags", termMarketing, kakaotest.PathRevokeTerms},
	}
	cases := []struct {
		name       string
		send       func(b *browser, path string, form url.Values) int
		wantStatus int
	}{
		{"GET is 405 (C65)", func(b *browser, path string, form url.Values) int {
			s, _, _ := b.step(path + "?" + form.Encode())
			return s
		}, http.StatusMethodNotAllowed},
		{"Sec-Fetch-Site cross-site is 403 (C66)", func(b *browser, path string, form url.Values) int {
			s, _, _ := b.post(path, form, true, "Sec-Fetch-Site", "cross-site")
			return s
		}, http.StatusForbidden},
		{"a foreign Origin is 403 (C66)", func(b *browser, path string, form url.Values) int {
			s, _, _ := b.post(path, form, true, "Origin", "https://evil.example")
			return s
		}, http.StatusForbidden},
		{"a missing CSRF token is 403", func(b *browser, path string, form url.Values) int {
			s, _, _ := b.post(path, form, false)
			return s
		}, http.StatusForbidden},
		{"a wrong CSRF token is 403", func(b *browser, path string, form url.Values) int {
			form.Set(CSRFField, strings.Repeat("A", 43))
			s, _, _ := b.post(path, form, false)
			return s
		}, http.StatusForbidden},
		{"another session's CSRF token is 403", func(b *browser, path string, form url.Values) int {
			other := b.h.browser()
			_, tok, _ := other.step("/csrf")
			form.Set(CSRFField, tok)
			s, _, _ := b.post(path, form, false, CSRFHeader, tok)
			return s
		}, http.StatusForbidden},
		{"logged out is 401", func(b *browser, path string, form url.Values) int {
			s, _, _ := b.h.browser().post(path, form, true, "Accept", acceptJSON)
			return s
		}, http.StatusUnauthorized},
		{"logged out, browser, is 401", func(b *browser, path string, form url.Values) int {
			s, _, _ := b.h.browser().post(path, form, true)
			return s
		}, http.StatusUnauthorized},
		{"same-origin with the token is allowed", func(b *browser, path string, form url.Values) int {
			s, _, _ := b.post(path, form, true, "Sec-Fetch-Site", "same-origin", "Origin", b.h.srv.URL, "Accept", acceptJSON)
			return s
		}, http.StatusOK},
	}
	for _, r := range routes {
		for _, tc := range cases {
			t.Run(r.path+": "+tc.name, func(t *testing.T) {
				h, b := managed(t)
				if status := tc.send(b, r.path, url.Values{r.field: {r.item}}); status != tc.wantStatus {
					t.Fatalf("status %d, want %d", status, tc.wantStatus)
				}
				u := fakeUser(t, h)
				agreed := slices.Contains(u.Consents, scopeEmail) && slices.Contains(u.AgreedTerms, termMarketing)
				if tc.wantStatus == http.StatusOK {
					if agreed || h.fake.Hits(r.kakao) != 1 {
						t.Errorf("allowed request did not revoke: %v %v", u.Consents, u.AgreedTerms)
					}
					return
				}
				if !agreed || h.fake.Hits(r.kakao) != 0 {
					t.Errorf("refused request reached Kakao (%d calls) or changed %v %v", h.fake.Hits(r.kakao), u.Consents, u.AgreedTerms)
				}
				if !b.loggedIn() {
					t.Error("refused request ended the session")
				}
			})
		}
	}
}

// TestServiceTerms is §10 through GET terms and POST terms/revoke: the
// optional marketing term can be withdrawn, required terms cannot.
func TestServiceTerms(t *testing.T) {
	h, b := managed(t)
	status, body, _ := b.step(pathTerms, "Accept", acceptJSON)
	var got struct {
		ServiceTerms []kakaoapi.ServiceTerm `json:"service_terms"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("GET terms: %d %s", status, body)
	}
	want := map[string][3]bool{ // required, agreed, revocable
		termService:     {true, true, false},
		"terms_privacy": {true, true, false},
		termMarketing:   {false, true, true},
	}
	if len(got.ServiceTerms) != len(want) {
		t.Fatalf("terms %+v", got.ServiceTerms)
	}
	for _, term := range got.ServiceTerms {
		if term.Required == nil || term.Revocable == nil {
			t.Fatalf("%s: required or revocable missing: %+v", term.Tag, term)
		}
		if w := want[term.Tag]; w != [3]bool{*term.Required, term.Agreed, *term.Revocable} || term.AgreedAt == nil {
			t.Errorf("%s: %+v, want required/agreed/revocable %v", term.Tag, term, w)
		}
	}
	if status, _, _ := h.browser().step(pathTerms, "Accept", acceptJSON); status != http.StatusUnauthorized {
		t.Errorf("logged out: %d", status)
	}

	for _, tc := range []struct {
		name        string
		tags        []string
		fault       *kakaotest.Fault // on PathRevokeTerms
		wantStatus  int
		agreed      []string // the user's terms at Kakao afterwards
		revokeCalls int
	}{
		{name: "a required term is refused", tags: []string{termService},
			wantStatus: http.StatusForbidden, agreed: []string{termMarketing, "terms_privacy", termService}},
		{name: "a required term among optional ones refuses all", tags: []string{termMarketing + "," + termService},
			wantStatus: http.StatusForbidden, agreed: []string{termMarketing, "terms_privacy", termService}},
		{name: "a tag the app does not have is a bad request", tags: []string{"terms_promo"},
			wantStatus: http.StatusBadRequest, agreed: []string{termMarketing, "terms_privacy", termService}},
		{name: "a malformed tag is a bad request", tags: []string{"terms marketing!"},
			wantStatus: http.StatusBadRequest, agreed: []string{termMarketing, "terms_privacy", termService}},
		{name: "Kakao down is 503", tags: []string{termMarketing}, fault: &kakaotest.Fault{Status: http.StatusServiceUnavailable},
			wantStatus: http.StatusServiceUnavailable, agreed: []string{termMarketing, "terms_privacy", termService}, revokeCalls: 1},
		{name: "Kakao skipping the term is refused", tags: []string{termMarketing},
			fault:      &kakaotest.Fault{Status: http.StatusOK, Body: `{"id":4012345678,"revoked_service_terms":[]}`},
			wantStatus: http.StatusForbidden, agreed: []string{termMarketing, "terms_privacy", termService}, revokeCalls: 1},
		{name: "the optional marketing term is withdrawn", tags: []string{termMarketing},
			wantStatus: http.StatusOK, agreed: []string{"terms_privacy", termService}, revokeCalls: 1},
		{name: "a term no longer agreed needs no Kakao call", tags: []string{termMarketing},
			wantStatus: http.StatusOK, agreed: []string{"terms_privacy", termService}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.fake.Reset()
			if tc.fault != nil {
				h.fake.Fail(kakaotest.PathRevokeTerms, *tc.fault)
			}
			status, body, _ := b.post(pathRevokeTerms, url.Values{"tags": tc.tags}, true, "Accept", acceptJSON)
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tc.wantStatus, body)
			}
			if got := fakeUser(t, h).AgreedTerms; !slices.Equal(got, tc.agreed) {
				t.Errorf("terms at Kakao %v, want %v", got, tc.agreed)
			}
			if n := h.fake.Hits(kakaotest.PathRevokeTerms); n != tc.revokeCalls {
				t.Errorf("revoke calls %d, want %d", n, tc.revokeCalls)
			}
		})
	}
}

// TestServiceTermsWithoutKakaoSync: an app without Kakao Sync gets Kakao's
// refusal as a generic 502 page (C100).
func TestServiceTermsWithoutKakaoSync(t *testing.T) {
	_, b := managed(t, withFake(kakaotest.WithServiceTerms()))
	if status, body, _ := b.step(pathTerms, "Accept", acceptJSON); status != http.StatusBadGateway || !strings.Contains(body, string(CodeKakaoError)) {
		t.Fatalf("%d %s", status, body)
	}
}

// TestManageMethods drives the exported methods from host routes, as a
// host building its own pages does, and checks their typed errors.
func TestManageMethods(t *testing.T) {
	cases := []struct {
		name   string
		call   func(k *Kakao, c *gin.Context) error
		login  bool
		fault  string // endpoint answering -3 / 503 by the case's needs
		is     []error
		isNot  []error
		verify func(t *testing.T, h *harness)
	}{
		{name: "SetProperties stores the properties", login: true,
			call: func(k *Kakao, c *gin.Context) error {
				return k.SetProperties(c, map[string]string{"member_grade": "gold", "signup_source": "ad"})
			},
			verify: func(t *testing.T, h *harness) {
				p := fakeUser(t, h).Properties
				if p["member_grade"] != "gold" || p["signup_source"] != "ad" {
					t.Errorf("properties at Kakao: %v", p)
				}
			}},
		{name: "SetProperties with an undefined key", login: true,
			call: func(k *Kakao, c *gin.Context) error {
				return k.SetProperties(c, map[string]string{"grade": "gold"})
			},
			is: []error{ErrInvalidItem, kakaoapi.ErrUnknownProperty},
			verify: func(t *testing.T, h *harness) {
				if p := fakeUser(t, h).Properties; len(p) != 0 {
					t.Errorf("properties at Kakao: %v", p)
				}
			}},
		{name: "SetProperties with nothing", login: true,
			call: func(k *Kakao, c *gin.Context) error { return k.SetProperties(c, nil) },
			is:   []error{ErrInvalidItem},
			verify: func(t *testing.T, h *harness) {
				if n := h.fake.Hits(kakaotest.PathUpdateProfile); n != 0 {
					t.Errorf("%d Kakao calls", n)
				}
			}},
		{name: "SetProperties with a malformed key", login: true,
			call: func(k *Kakao, c *gin.Context) error { return k.SetProperties(c, map[string]string{"a\nb": "x"}) },
			is:   []error{ErrInvalidItem}},
		{name: "SetProperties logged out",
			call: func(k *Kakao, c *gin.Context) error {
				return k.SetProperties(c, map[string]string{"member_grade": "x"})
			},
			is: []error{ErrNoKakaoTokens}},
		{name: "RevokeConsent of a required item", login: true,
			call:  func(k *Kakao, c *gin.Context) error { return k.RevokeConsent(c, scopeNickname) },
			is:    []error{ErrNotRevocable},
			isNot: []error{kakaoapi.ErrNotRevocable}, // refused before calling Kakao
		},
		{name: "RevokeConsent refused by Kakao (-3)", login: true, fault: kakaotest.PathRevokeScopes,
			call: func(k *Kakao, c *gin.Context) error { return k.RevokeConsent(c, scopeEmail) },
			is:   []error{ErrNotRevocable, kakaoapi.ErrNotRevocable}},
		{name: "RevokeConsent of an unknown ID",
			call: func(k *Kakao, c *gin.Context) error { return k.RevokeConsent(c, "email") },
			is:   []error{ErrInvalidItem}},
		{name: "RevokeConsent logged out",
			call: func(k *Kakao, c *gin.Context) error { return k.RevokeConsent(c, scopeEmail) },
			is:   []error{ErrNoKakaoTokens}},
		{name: "RevokeServiceTerms of a required term", login: true,
			call: func(k *Kakao, c *gin.Context) error { return k.RevokeServiceTerms(c, termService) },
			is:   []error{ErrNotRevocable}},
		{name: "ConsentItems with Kakao down", login: true, fault: kakaotest.PathScopes,
			call: func(k *Kakao, c *gin.Context) error { _, err := k.ConsentItems(c); return err },
			is:   []error{kakaoapi.ErrUnavailable}},
		{name: "ServiceTerms logged out",
			call: func(k *Kakao, c *gin.Context) error { _, err := k.ServiceTerms(c); return err },
			is:   []error{ErrNoKakaoTokens}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var gotErr error
			h.eng.POST("/host-action", func(c *gin.Context) {
				gotErr = tc.call(h.kg, c)
				c.Status(http.StatusNoContent)
			})
			b := h.browser()
			if tc.login {
				b.login("/")
			}
			switch tc.fault {
			case kakaotest.PathRevokeScopes:
				h.fake.Fail(tc.fault, kakaotest.KapiFault(403, -3, "not revocable"))
			case "":
			default:
				h.fake.Fail(tc.fault, kakaotest.Fault{Status: http.StatusServiceUnavailable})
			}
			if status, _, _ := b.post("/host-action", nil, false); status != http.StatusNoContent {
				t.Fatalf("host route: %d", status)
			}
			if len(tc.is) == 0 && gotErr != nil {
				t.Fatalf("error: %v", gotErr)
			}
			for _, target := range tc.is {
				if !errors.Is(gotErr, target) {
					t.Errorf("error %v does not match %v", gotErr, target)
				}
			}
			for _, target := range tc.isNot {
				if errors.Is(gotErr, target) {
					t.Errorf("error %v matches %v", gotErr, target)
				}
			}
			if tc.verify != nil {
				tc.verify(t, h)
			}
		})
	}
}

// TestManageLogs is C102 and C101: revokes are logged as security events
// naming the items, never the tokens or property values.
func TestManageLogs(t *testing.T) {
	h, b := managed(t)
	h.eng.POST("/props", func(c *gin.Context) {
		if err := h.kg.SetProperties(c, map[string]string{"member_grade": "secret-grade-value"}); err != nil {
			c.Status(http.StatusBadGateway)
			return
		}
		c.Status(http.StatusNoContent)
	})
	if status, _, _ := b.post("/props", nil, false); status != http.StatusNoContent {
		t.Fatalf("props: %d", status)
	}
	if status, _, _ := b.post(pathRevoke, url.Values{"scope": {scopeEmail}}, true); status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", status)
	}
	if status, _, _ := b.post(pathRevokeTerms, url.Values{"tags": {termMarketing}}, true); status != http.StatusSeeOther {
		t.Fatalf("revoke terms: %d", status)
	}
	logs := h.logs.String()
	for _, want := range []string{"consent revoked", "scopes=" + scopeEmail, "service terms revoked", "tags=" + termMarketing, "user properties stored", "keys=member_grade"} {
		if !strings.Contains(logs, want) {
			t.Errorf("C102: log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "secret-grade-value") {
		t.Error("a property value was logged")
	}
}

// FuzzManageList: the item lists of the revoke routes never panic, and
// what they accept is at most maxManageItems distinct, valid items.
func FuzzManageList(f *testing.F) {
	for _, s := range []string{"account_email", "a,b,,c", " terms_marketing , x", "\x00,\u202e", strings.Repeat("a,", 80)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for name, valid := range map[string]func(string) bool{"scopes": knownScope, "tags": validTag} {
			items, err := cleanList(strings.Split(raw, ","), valid)
			if err != nil {
				if !errors.Is(err, ErrInvalidItem) || items != nil {
					t.Fatalf("%s: %v %v", name, items, err)
				}
				continue
			}
			if len(items) == 0 || len(items) > maxManageItems {
				t.Fatalf("%s: %d items", name, len(items))
			}
			for i, it := range items {
				if !valid(it) || !utf8.ValidString(it) || strings.ContainsAny(it, ", \t") || slices.Contains(items[:i], it) {
					t.Fatalf("%s: accepted %q in %q", name, it, items)
				}
			}
		}
	})
}
