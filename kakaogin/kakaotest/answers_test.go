package kakaotest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The fake answers as Kakao's own samples do (issue 11, point 8).

// TestFakeShippingAddressEmptyStrings: an address's empty strings are sent
// as "" rather than left out, as in Kakao's shipping-address sample
// ("receiver_phone_number2": ""), so that clients are tested against the
// shape Kakao really sends.
func TestFakeShippingAddressEmptyStrings(t *testing.T) {
	s := newFake(t)
	tok, _ := s.IssueTokens(UserMinji, "shipping_address")
	body, status := newReq(s, PathShipping, nil, "Bearer "+tok.AccessToken)
	var got struct {
		Addresses []map[string]json.RawMessage `json:"shipping_addresses"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got.Addresses) != 2 {
		t.Fatalf("shipping: %d %s", status, body)
	}
	// Minji's addresses have no second phone number, the first no old zip
	// code and the second no new zone number.
	empty := map[string][]string{
		"101": {"receiver_phone_number2", "zip_code"},
		"102": {"receiver_phone_number2", "zone_number"},
	}
	keys := []string{"name", "type", "base_address", "detail_address", "receiver_name",
		"receiver_phone_number1", "receiver_phone_number2", "zone_number", "zip_code"}
	for _, a := range got.Addresses {
		id := string(a["id"])
		for _, k := range keys {
			v, ok := a[k]
			switch {
			case !ok:
				t.Errorf("address %s: %s left out", id, k)
			case slices.Contains(empty[id], k) && string(v) != `""`:
				t.Errorf("address %s: %s = %s, want \"\"", id, k, v)
			}
		}
	}
}

// TestFakeImageURLsHTTP: profile image URLs are on http, as in Kakao's
// samples of /v2/app/users, the ID token's picture and /v2/user/me; only
// /v2/user/me with secure_resource=true answers https.
func TestFakeImageURLsHTTP(t *testing.T) {
	s := newFake(t)
	tok := login(t, s, browser(t), "img")
	picture := func() []string {
		return []string{decodeClaims(t, tok["id_token"].(string))["picture"].(string)}
	}
	profile := func(path string, q url.Values, authz string, list bool) func() []string {
		return func() []string {
			body, status := newReq(s, path, q, authz)
			var users []map[string]any
			if list {
				if err := json.Unmarshal(body, &users); err != nil {
					t.Fatalf("%s: %d %s", path, status, body)
				}
			} else {
				var u map[string]any
				if err := json.Unmarshal(body, &u); err != nil {
					t.Fatalf("%s: %d %s", path, status, body)
				}
				users = append(users, u)
			}
			if len(users) == 0 {
				t.Fatalf("%s: no user in %s", path, body)
			}
			acct, _ := users[0]["kakao_account"].(map[string]any)
			p, _ := acct["profile"].(map[string]any)
			thumb, _ := p["thumbnail_image_url"].(string)
			full, _ := p["profile_image_url"].(string)
			return []string{thumb, full}
		}
	}
	user := bearer(tok["access_token"])
	admin := "KakaoAK " + s.AdminKey
	cases := []struct {
		name   string
		urls   func() []string
		scheme string
	}{
		{"ID token picture", picture, "http://"},
		{"/v2/app/users", profile(PathAppUsers, url.Values{"target_id_type": {"user_id"}, "target_ids": {"[4012345678]"},
			"property_keys": {`["kakao_account.profile"]`}}, admin, true), "http://"},
		{"/v2/user/me", profile(PathMe, nil, user, false), "http://"},
		{"/v2/user/me with secure_resource", profile(PathMe, url.Values{"secure_resource": {"true"}}, user, false), "https://"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, u := range tc.urls() {
				if !strings.HasPrefix(u, tc.scheme+"k.kakaocdn.net/") {
					t.Errorf("image URL %q, want %s", u, tc.scheme)
				}
			}
		})
	}
}

var selectedRe = regexp.MustCompile(`<option value="([0-9]+)" selected>`)

// TestFakeAccountPickerAsksConsent: picking another account in the consent
// screen's account picker shows the screen again, computed for that
// account, instead of granting every item that account needs unseen; its
// optional items can then be declined.
func TestFakeAccountPickerAsksConsent(t *testing.T) {
	s := newFake(t, WithInteractiveConsent())
	all := []string{"profile_image", "account_email", "name", "gender", "age_range", "birthday", "birthyear", "phone_number"}

	// 민지 (the picker's first account) signs up with everything, so that
	// the next screen computed for her asks nothing.
	c := browser(t)
	p, _ := consentForm(t, c, s, s.authParams("a"))
	q := submitConsent(t, c, s, url.Values{"p": {p}, "user": {"4012345678"}, "action": {"accept"},
		"scope": all, "term": {"terms_marketing"}})
	if st, tok := exchange(t, s, q.Get("code"), "a"); st != 200 {
		t.Fatalf("exchange %d %v", st, tok)
	}

	// In a fresh browser the screen is computed for 민지 and lists nothing;
	// the user picks 서연, who has never agreed to anything.
	c = browser(t)
	p, page := consentForm(t, c, s, s.authParams("b"))
	if strings.Contains(page, `name="scope"`) || strings.Contains(page, `name="term"`) {
		t.Fatalf("screen for a fully consented account lists items: %.400s", page)
	}
	resp, err := c.PostForm(s.URL+PathConsent, url.Values{"p": {p}, "user": {"2984711002"}, "action": {"accept"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page = string(b)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("picking another account answered %d (Location %q), want the consent screen for it",
			resp.StatusCode, resp.Header.Get("Location"))
	}
	if m := selectedRe.FindStringSubmatch(page); m == nil || m[1] != "2984711002" {
		t.Errorf("screen again does not select the picked account: %v", m)
	}
	for _, want := range []string{`id="scope-account_email"`, `id="scope-profile_nickname"`, `id="term-terms_marketing"`, `id="term-terms_service"`} {
		if !strings.Contains(page, want) {
			t.Errorf("screen for the picked account lacks %s", want)
		}
	}

	// 서연 accepts the required items and only her profile picture.
	m := pendingRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no pending id in %.300s", page)
	}
	q = submitConsent(t, c, s, url.Values{"p": {m[1]}, "user": {"2984711002"}, "action": {"accept"},
		"scope": {"profile_image"}})
	st, tok := exchange(t, s, q.Get("code"), "b")
	if st != 200 {
		t.Fatalf("exchange %d %v", st, tok)
	}
	scope := strings.Fields(tok["scope"].(string))
	if !slices.Contains(scope, "profile_image") || !slices.Contains(scope, "profile_nickname") || slices.Contains(scope, "account_email") {
		t.Errorf("scope %v: want the required item and profile_image, no email", scope)
	}
	u, _ := s.User(UserSeoyeon)
	if slices.Contains(u.AgreedTerms, "terms_marketing") || len(u.AgreedTerms) != 2 {
		t.Errorf("terms %v: want the two required only", u.AgreedTerms)
	}
}

// Issue 12 (a dead end in the demo): a consent screen left open past its
// lifetime answers Kakao's KOE001 page with a link back to the service (the
// origin of the request's registered redirect URI); a made-up request id,
// or one answered already (the expired one again: it was dropped), gets
// the page with a link back to the registered services, one for each
// origin.
func TestExpiredConsentScreenLinksBack(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	s := newFake(t, WithInteractiveConsent(), WithClock(func() time.Time { return time.Unix(0, now.Load()) }))
	c := browser(t)
	p, _ := consentForm(t, c, s, s.authParams("a"))
	now.Add(int64(11 * time.Minute))
	back := regexp.MustCompile(`<a(?: id="back")? href="([^"]+)"`)
	for _, tc := range []struct {
		name, p string
		want    []string
	}{
		{"expired", p, []string{"http://app.test/"}},
		{"made up", "nope", []string{"http://app.test/"}},
		{"expired again", p, []string{"http://app.test/"}},
		{"made up, two services", "nope", []string{"http://app.test/", "https://other.test/"}},
	} {
		if len(tc.want) > 1 {
			s.AddRedirectURI("https://other.test/auth/kakao/callback")
			s.AddRedirectURI("https://other.test/second/callback")
		}
		resp, err := c.PostForm(s.URL+PathConsent, url.Values{"p": {tc.p}, "user": {"4012345678"}, "action": {"accept"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Kakaotest-Error-Code") != "KOE001" {
			t.Fatalf("%s: %d %s", tc.name, resp.StatusCode, resp.Header.Get("X-Kakaotest-Error-Code"))
		}
		var got []string
		for _, m := range back.FindAllStringSubmatch(string(b), -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, tc.want) || !strings.Contains(string(b), `<a id="back" href="`+tc.want[0]+`"`) {
			t.Errorf("%s: links back %q, want %q (the first with id back)", tc.name, got, tc.want)
		}
	}
}
