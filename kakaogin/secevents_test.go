package kakaogin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// eventsPath is the security event receiver of the harness.
const eventsPath = "/auth/kakao/events"

// testSDKKey is the harness app's JavaScript key, an accepted audience.
const testSDKKey = "js-key-0123456789abcdef0123456789ab"

// eventHost is a host's OnEvent: it records every event.
type eventHost struct {
	mu     sync.Mutex
	events []SecurityEvent
}

func (e *eventHost) hook(_ context.Context, ev SecurityEvent) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, ev)
	return nil
}

func (e *eventHost) snapshot() []SecurityEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]SecurityEvent(nil), e.events...)
}

// setHarness is a webhook harness with the security event receiver on.
func setHarness(t *testing.T, opts ...harnessOpt) (*harness, *webhookHost, *eventHost) {
	t.Helper()
	events := &eventHost{}
	opts = append([]harnessOpt{withConfig(func(c *Config) {
		c.SecurityEvents = &SecurityEventsConfig{OnEvent: events.hook}
		c.SDKKeys = []string{testSDKKey}
	})}, opts...)
	h, host := webhookHarness(t, opts...)
	return h, host, events
}

// fireSET sends ev to base's receiver and checks what every answer must
// be: no redirect, no cookie, no HTML.
func fireSET(t *testing.T, h *harness, base string, ev kakaotest.SecurityEvent, opts ...kakaotest.SETOption) kakaotest.SETAnswer {
	t.Helper()
	a, err := h.fake.FireSecurityEvent(context.Background(), base+eventsPath, ev, opts...)
	if err != nil {
		t.Fatalf("security event: %v", err)
	}
	checkSETAnswer(t, a)
	return a
}

func checkSETAnswer(t *testing.T, a kakaotest.SETAnswer) {
	t.Helper()
	if a.Status >= 300 && a.Status < 400 {
		t.Errorf("answered a redirect: %d", a.Status)
	}
	if strings.Contains(a.Body, "<") {
		t.Errorf("answered HTML: %q", a.Body)
	}
	if c := a.Header.Values("Set-Cookie"); len(c) != 0 {
		t.Errorf("the answer sets a cookie: %q", c)
	}
	if a.Status != http.StatusAccepted && a.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("error answer of type %q", a.Header.Get("Content-Type"))
	}
}

// meNickname is the nickname of b's login as /auth/kakao/me shows it at
// base.
func meNickname(t *testing.T, b *browser, base string) string {
	t.Helper()
	status, body, _ := b.step(base+"/auth/kakao/me", "Accept", "application/json")
	if status != http.StatusOK {
		return ""
	}
	var me struct {
		Nickname string `json:"nickname"`
		ImageURL string `json:"image_url"`
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatalf("me: %v: %q", err, body)
	}
	return me.Nickname + "|" + me.ImageURL
}

// TestSecurityEventActions is C113–C115 and issue 15 point 2: each event
// type, delivered to one of two instances sharing the store, acts on the
// sessions every instance serves (the user's two browsers, seen through
// the other instance), runs the right hooks, and leaves another user alone.
func TestSecurityEventActions(t *testing.T) {
	type want struct {
		loggedIn bool
		action   SecurityEventAction
		sessions int
		unlinked bool // OnUnlink ran and the link is gone
		known    bool
	}
	left := want{false, ActionUserLeft, 0, true, true}
	ended := want{false, ActionSessionsEnded, 2, false, true}
	none := want{true, ActionNone, 0, false, true}
	cases := []struct {
		name   string
		ev     kakaotest.SecurityEvent
		want   want
		logged string
	}{
		{"user unlinked", kakaotest.SecurityEvent{Type: kakaotest.EventUserUnlinked, Reason: "UNLINK_FROM_APPS"}, left, ""},
		{"account purged", kakaotest.SecurityEvent{Type: kakaotest.EventAccountPurged}, left, ""},
		{"tokens revoked", kakaotest.SecurityEvent{Type: kakaotest.EventTokensRevoked}, ended, ""},
		{"session revoked", kakaotest.SecurityEvent{Type: kakaotest.EventSessionRevoked}, ended, ""},
		{"credential changed", kakaotest.SecurityEvent{Type: kakaotest.EventCredentialChange,
			Fields: map[string]any{"credential_type": "password", "change_type": "update"}}, ended, ""},
		{"account disabled", kakaotest.SecurityEvent{Type: kakaotest.EventAccountDisabled, Reason: "HIJACKING"}, ended, ""},
		{"credential change required", kakaotest.SecurityEvent{Type: kakaotest.EventCredentialChangeRequired}, ended, ""},
		{"account enabled", kakaotest.SecurityEvent{Type: kakaotest.EventAccountEnabled}, none, ""},
		{"user linked", kakaotest.SecurityEvent{Type: kakaotest.EventUserLinked}, none, ""},
		{"unknown type", kakaotest.SecurityEvent{Type: "https://schemas.example/secevent/x/event-type/new-thing"},
			want{true, ActionNone, 0, false, false}, "unknown type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, host, events := setHarness(t)
			_, twin := h.twin()
			b1 := loginLinked(t, h)
			b2 := h.browser()
			b2.login("/")
			h.fake.SetLoginUser(kakaotest.UserSeoyeon)
			other := h.browser()
			other.login("/")

			ev := tc.ev
			ev.UserID = kakaotest.UserMinji
			if a := fireSET(t, h, twin.URL, ev); a.Status != http.StatusAccepted || a.Body != "" {
				t.Fatalf("answer %d %q, want 202", a.Status, a.Body)
			}
			for _, b := range []*browser{b1, b2} {
				if b.loggedIn() != tc.want.loggedIn {
					t.Errorf("logged in %v, want %v", !tc.want.loggedIn, tc.want.loggedIn)
				}
			}
			if !other.loggedIn() {
				t.Error("another user's session ended")
			}
			got := events.snapshot()
			if len(got) != 1 {
				t.Fatalf("OnEvent ran %d times, want 1", len(got))
			}
			e := got[0]
			if e.Type != SecurityEventType(tc.ev.Type) || e.KakaoID != kakaotest.UserMinji || e.UserID != "host-minji" ||
				e.Action != tc.want.action || e.SessionsChanged != tc.want.sessions || e.Known != tc.want.known ||
				e.Reason != tc.ev.Reason || e.JTI == "" || e.IssuedAt.IsZero() {
				t.Errorf("event %+v", e)
			}
			calls, _ := host.snapshot()
			_, linkErr := h.st.Links().ByKakaoID(context.Background(), kakaotest.UserMinji)
			if tc.want.unlinked {
				if len(calls) != 1 || calls[0].UserID != "host-minji" || calls[0].KakaoID != kakaotest.UserMinji {
					t.Errorf("OnUnlink calls %+v, want one for host-minji", calls)
				}
				if !errors.Is(linkErr, store.ErrNotFound) {
					t.Errorf("link not dropped: %v", linkErr)
				}
			} else if len(calls) != 0 || linkErr != nil {
				t.Errorf("OnUnlink calls %+v, link %v; want none and kept", calls, linkErr)
			}
			if tc.logged != "" && !strings.Contains(h.logs.String(), tc.logged) {
				t.Errorf("log lacks %q", tc.logged)
			}
			if !strings.Contains(h.logs.String(), "security event") {
				t.Error("C102: no security event logged")
			}
		})
	}
}

// TestSecurityEventProfileChanged: a profile change sent to one instance
// updates the login of the user's live sessions, as every instance serves
// them, and hands every changed item to OnEvent; another user's sessions
// keep theirs.
func TestSecurityEventProfileChanged(t *testing.T) {
	cases := []struct {
		name    string
		fields  map[string]any
		want    string // nickname|image as /me shows it afterwards
		profile map[string]string
	}{
		{"values in the event", map[string]any{"nickname": "새민지", "email": "new@example.com"},
			"새민지|", map[string]string{"nickname": "새민지", "email": "new@example.com"}},
		{"values in a claims object", map[string]any{"claims": map[string]any{"nickname": "민지2",
			"thumbnail_image_url": "https://k.kakaocdn.net/dn/new/img_110x110.jpg"}},
			"민지2|https://k.kakaocdn.net/dn/new/img_110x110.jpg", nil},
		{"names only", map[string]any{"changed_claims": []string{"nickname", "email"}},
			"", map[string]string{"nickname": "", "email": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, _, events := setHarness(t)
			_, twin := h.twin()
			b1 := loginLinked(t, h)
			b2 := h.browser()
			b2.login("/")
			before := meNickname(t, b1, h.srv.URL)
			h.fake.SetLoginUser(kakaotest.UserSeoyeon)
			other := h.browser()
			other.login("/")
			otherBefore := meNickname(t, other, h.srv.URL)

			a := fireSET(t, h, twin.URL, kakaotest.SecurityEvent{Type: kakaotest.EventProfileChanged,
				UserID: kakaotest.UserMinji, Fields: tc.fields})
			if a.Status != http.StatusAccepted {
				t.Fatalf("answer %d %q", a.Status, a.Body)
			}
			want := tc.want
			if want == "" {
				want = before
			} else if strings.HasSuffix(want, "|") {
				want += strings.SplitN(before, "|", 2)[1]
			}
			for _, b := range []*browser{b1, b2} {
				for _, base := range []string{h.srv.URL, twin.URL} {
					if got := meNickname(t, b, base); got != want {
						t.Errorf("at %s: profile %q, want %q", base, got, want)
					}
				}
				if !b.loggedIn() {
					t.Error("a profile change ended a session")
				}
			}
			if got := meNickname(t, other, twin.URL); got != otherBefore {
				t.Errorf("another user's profile changed: %q", got)
			}
			got := events.snapshot()
			if len(got) != 1 || got[0].Action != ActionProfileUpdated {
				t.Fatalf("events %+v", got)
			}
			wantN := 2
			if tc.want == "" {
				wantN = 0
			}
			if got[0].SessionsChanged != wantN {
				t.Errorf("%d sessions updated, want %d", got[0].SessionsChanged, wantN)
			}
			for k, v := range tc.profile {
				if got[0].Profile[k] != v {
					t.Errorf("Profile[%q] = %q, want %q (all: %v)", k, got[0].Profile[k], v, got[0].Profile)
				}
			}
		})
	}
}

// TestSecurityEventAndUnlinkCallbackOnce is C115: the unlink callback and
// a user-unlinked (or account-purged) event for the same user, in either
// order, to two instances, end the sessions and run OnUnlink once in all.
func TestSecurityEventAndUnlinkCallbackOnce(t *testing.T) {
	for _, setFirst := range []bool{true, false} {
		for _, typ := range []string{kakaotest.EventUserUnlinked, kakaotest.EventAccountPurged} {
			name := map[bool]string{true: "event first", false: "callback first"}[setFirst] + ", " + typ[strings.LastIndex(typ, "/")+1:]
			t.Run(name, func(t *testing.T) {
				h, host, events := setHarness(t)
				_, twin := h.twin()
				b := loginLinked(t, h)
				sendSET := func() {
					a := fireSET(t, h, twin.URL, kakaotest.SecurityEvent{Type: typ, UserID: kakaotest.UserMinji,
						Reason: "ACCOUNT_DELETE"})
					if a.Status != http.StatusAccepted {
						t.Fatalf("event: %d %q", a.Status, a.Body)
					}
				}
				sendCallback := func() {
					status, err := h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+webhookPath,
						kakaotest.UserMinji, kakaotest.ReferrerAccountDelete)
					if err != nil || status != http.StatusOK {
						t.Fatalf("callback: %d %v", status, err)
					}
				}
				if setFirst {
					sendSET()
					sendCallback()
				} else {
					sendCallback()
					sendSET()
				}
				if b.loggedIn() {
					t.Error("the session survived")
				}
				calls, deleted := host.snapshot()
				if len(calls) != 1 || !deleted[kakaotest.UserMinji] {
					t.Errorf("OnUnlink ran %d times (%+v), want once", len(calls), calls)
				}
				evs := events.snapshot()
				wantAction := map[bool]SecurityEventAction{true: ActionUserLeft, false: ActionAlreadyLeft}[setFirst]
				if len(evs) != 1 || evs[0].Action != wantAction {
					t.Errorf("events %+v, want one with action %s", evs, wantAction)
				}
				if left := queuedUnlinks(t, h); left != 0 {
					t.Errorf("%d unlink hooks queued", left)
				}
			})
		}
	}
}

// TestSecurityEventRefused is C113: each bad SET (and each bad push) is
// answered 400 with RFC 8935's error code, and nothing changes: the
// session lives, no hook runs, the link stays.
func TestSecurityEventRefused(t *testing.T) {
	cases := []struct {
		name string
		opts []kakaotest.SETOption
		code string
	}{
		{"signed by another key", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETBadSignature)}, "invalid_key"},
		{"unknown kid", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETUnknownKid)}, "invalid_key"},
		{"alg none", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETAlgNone)}, "invalid_key"},
		{"HS256 with the REST API key", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETHS256)}, "invalid_key"},
		{"payload changed after signing", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETTampered)}, "invalid_key"},
		{"another issuer", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETWrongIssuer)}, "invalid_issuer"},
		{"another app's audience", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETWrongAudience)}, "invalid_audience"},
		{"issued two hours ago", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETOld)}, "invalid_request"},
		{"issued an hour ahead", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETFuture)}, "invalid_request"},
		{"no jti", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETNoJTI)}, "invalid_request"},
		{"typ of an access token", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETWrongTyp)}, "invalid_request"},
		{"no events (an ordinary JWT)", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETNoEvents)}, "invalid_request"},
		{"Content-Type application/json", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETWrongMediaType)}, "invalid_request"},
		{"over 16 KiB", []kakaotest.SETOption{kakaotest.SETWith(kakaotest.SETOversized)}, "invalid_request"},
		{"subject of another issuer", []kakaotest.SETOption{kakaotest.SETMutate(func(_, c map[string]any) {
			for _, ev := range c["events"].(map[string]any) {
				ev.(map[string]any)["subject"].(map[string]any)["iss"] = "https://evil.example"
			}
		})}, "invalid_issuer"},
		{"subjects disagree", []kakaotest.SETOption{kakaotest.SETSubject("all"), kakaotest.SETMutate(func(_, c map[string]any) {
			c["sub"] = "2984711002"
		})}, "invalid_request"},
		{"not a Kakao user ID", []kakaotest.SETOption{kakaotest.SETSubject("sub"), kakaotest.SETMutate(func(_, c map[string]any) {
			c["sub"] = "0042"
		})}, "invalid_request"},
		{"no subject", []kakaotest.SETOption{kakaotest.SETSubject("none")}, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, host, events := setHarness(t)
			_, twin := h.twin()
			b := loginLinked(t, h)
			a := fireSET(t, h, twin.URL, kakaotest.SecurityEvent{Type: kakaotest.EventUserUnlinked,
				UserID: kakaotest.UserMinji}, tc.opts...)
			var body struct {
				Err         string `json:"err"`
				Description string `json:"description"`
			}
			if a.Status != http.StatusBadRequest || json.Unmarshal([]byte(a.Body), &body) != nil || body.Err != tc.code || body.Description == "" {
				t.Fatalf("answer %d %q, want 400 %s", a.Status, a.Body, tc.code)
			}
			assertNothingChanged(t, h, b, host, events)
			if !strings.Contains(h.logs.String(), "security event rejected") {
				t.Error("the refusal is not logged")
			}
		})
	}
}

func assertNothingChanged(t *testing.T, h *harness, b *browser, host *webhookHost, events *eventHost) {
	t.Helper()
	if !b.loggedIn() {
		t.Error("the session ended")
	}
	if calls, _ := host.snapshot(); len(calls) != 0 {
		t.Errorf("OnUnlink ran: %+v", calls)
	}
	if evs := events.snapshot(); len(evs) != 0 {
		t.Errorf("OnEvent ran: %+v", evs)
	}
	if _, err := h.st.Links().ByKakaoID(context.Background(), kakaotest.UserMinji); err != nil {
		t.Errorf("link: %v", err)
	}
}

// TestSecurityEventReplay is C113: a SET taken by one instance is refused
// when sent again, to the same or another instance, one after another or
// at once; OnEvent runs once.
func TestSecurityEventReplay(t *testing.T) {
	for _, concurrent := range []bool{false, true} {
		t.Run(map[bool]string{false: "sequential", true: "concurrent"}[concurrent], func(t *testing.T) {
			h, _, events := setHarness(t)
			_, twin := h.twin()
			b := loginLinked(t, h)
			tok, jti := h.fake.SignSecurityEvent(kakaotest.SecurityEvent{Type: kakaotest.EventSessionRevoked,
				UserID: kakaotest.UserMinji})
			const n = 6
			answers := make([]kakaotest.SETAnswer, n)
			send := func(i int) {
				base := []string{h.srv.URL, twin.URL}[i%2]
				a, err := kakaotest.PushSET(context.Background(), base+eventsPath, tok, jti)
				if err != nil {
					t.Error(err)
				}
				answers[i] = a
			}
			var wg sync.WaitGroup
			for i := range n {
				if concurrent {
					wg.Go(func() { send(i) })
				} else {
					send(i)
				}
			}
			wg.Wait()
			accepted := 0
			for _, a := range answers {
				switch {
				case a.Status == http.StatusAccepted:
					accepted++
				case a.Status != http.StatusBadRequest || !strings.Contains(a.Body, `"invalid_request"`) ||
					!strings.Contains(a.Body, "jti"):
					t.Errorf("repeat answered %d %q", a.Status, a.Body)
				}
			}
			if accepted != 1 {
				t.Errorf("%d deliveries accepted, want 1", accepted)
			}
			if evs := events.snapshot(); len(evs) != 1 {
				t.Errorf("OnEvent ran %d times", len(evs))
			}
			if b.loggedIn() {
				t.Error("the session survived")
			}
		})
	}
}

// TestSecurityEventVariants: where Kakao's format is unconfirmed, the
// plausible forms are taken (and the non-standard ones logged): typ JWT,
// none or the media-type form; aud an SDK key or an array; the subject as
// sub, sub_id or in the event; Content-Type application/jwt; several
// events in one SET.
func TestSecurityEventVariants(t *testing.T) {
	cases := []struct {
		name    string
		opts    []kakaotest.SETOption
		warned  bool
		nEvents int
	}{
		{"standard", nil, false, 1},
		{"typ JWT", []kakaotest.SETOption{kakaotest.SETTyp("JWT")}, true, 1},
		{"no typ", []kakaotest.SETOption{kakaotest.SETTyp("")}, true, 1},
		{"typ application/secevent+jwt", []kakaotest.SETOption{kakaotest.SETTyp("application/secevent+jwt")}, false, 1},
		{"aud the JavaScript key", []kakaotest.SETOption{kakaotest.SETAudience(testSDKKey)}, false, 1},
		{"aud an array", []kakaotest.SETOption{kakaotest.SETMutate(func(_, c map[string]any) {
			c["aud"] = []string{"another-app", c["aud"].(string)}
		})}, false, 1},
		{"top-level sub", []kakaotest.SETOption{kakaotest.SETSubject("sub")}, false, 1},
		{"top-level sub_id", []kakaotest.SETOption{kakaotest.SETSubject("sub_id")}, false, 1},
		{"every subject form", []kakaotest.SETOption{kakaotest.SETSubject("all")}, false, 1},
		{"Content-Type application/jwt", []kakaotest.SETOption{kakaotest.SETContentType("application/jwt")}, true, 1},
		{"two events", []kakaotest.SETOption{kakaotest.SETAlso(kakaotest.SecurityEvent{
			Type: kakaotest.EventCredentialChange, UserID: kakaotest.UserMinji})}, false, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, _, events := setHarness(t)
			b := loginLinked(t, h)
			a := fireSET(t, h, h.srv.URL, kakaotest.SecurityEvent{Type: kakaotest.EventAccountDisabled,
				UserID: kakaotest.UserMinji}, tc.opts...)
			if a.Status != http.StatusAccepted {
				t.Fatalf("answer %d %q", a.Status, a.Body)
			}
			if b.loggedIn() {
				t.Error("the session survived")
			}
			if evs := events.snapshot(); len(evs) != tc.nEvents {
				t.Errorf("%d events, want %d", len(evs), tc.nEvents)
			}
			if got := strings.Contains(h.logs.String(), "tolerated non-standard form"); got != tc.warned {
				t.Errorf("variant logged %v, want %v", got, tc.warned)
			}
		})
	}
}

// TestSecurityEventStoreDown is C113 under store failure: when the store
// cannot take the jti, end the sessions or find the link, the answer is
// 503 (not one of RFC 8935's codes, which blame the sender), nothing is
// told to the host, and the same SET is taken once the store is back
// (the jti was released).
func TestSecurityEventStoreDown(t *testing.T) {
	down := fmt.Errorf("%w: connection refused", store.ErrUnavailable)
	cases := []struct {
		name  string
		fault storetest.Method
		f     storetest.Fault
	}{
		{"jti cannot be recorded", storetest.TryLock, storetest.Fault{Err: down}},
		{"revocation fails", storetest.RevokeUser, storetest.Fault{Err: down}},
		{"link lookup fails", storetest.ByKakaoID, storetest.Fault{Err: down}},
		{"revocation hangs", storetest.RevokeUser, storetest.Fault{Hang: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.New()
			t.Cleanup(func() { mem.Close() })
			faulty := storetest.NewFaulty(mem)
			sm, err := session.New(faulty, session.Config{SealKeys: [][]byte{testSealKey}, InsecureCookies: true})
			if err != nil {
				t.Fatal(err)
			}
			h, _, events := setHarness(t, withConfig(func(c *Config) { c.Sessions = sm }))
			b := loginLinked(t, h)
			tok, jti := h.fake.SignSecurityEvent(kakaotest.SecurityEvent{Type: kakaotest.EventAccountDisabled,
				UserID: kakaotest.UserMinji})
			faulty.Set(tc.fault, tc.f)
			start := time.Now()
			a, err := kakaotest.PushSET(context.Background(), h.srv.URL+eventsPath, tok, jti)
			if err != nil || a.Status != http.StatusServiceUnavailable || !strings.Contains(a.Body, "temporarily_unavailable") {
				t.Fatalf("with the store down: %d %q %v", a.Status, a.Body, err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("answered after %v", d)
			}
			if evs := events.snapshot(); len(evs) != 0 {
				t.Fatalf("OnEvent ran with the store down: %+v", evs)
			}
			faulty.Clear()
			a, err = kakaotest.PushSET(context.Background(), h.srv.URL+eventsPath, tok, jti)
			if err != nil || a.Status != http.StatusAccepted {
				t.Fatalf("store back: %d %q %v", a.Status, a.Body, err)
			}
			if b.loggedIn() {
				t.Error("the session survived")
			}
		})
	}
}

// TestSecurityEventsNotMounted: without SecurityEvents there is no
// receiver.
func TestSecurityEventsNotMounted(t *testing.T) {
	h, _ := webhookHarness(t)
	a, err := h.fake.FireSecurityEvent(context.Background(), h.srv.URL+eventsPath,
		kakaotest.SecurityEvent{Type: kakaotest.EventUserUnlinked, UserID: kakaotest.UserMinji})
	if err != nil || a.Status != http.StatusNotFound {
		t.Fatalf("answer %d %v, want 404", a.Status, err)
	}
}

// TestSecurityEventSlowHook: an OnEvent that hangs does not hold the
// answer past Kakao's 3 s, and the event stays accepted.
func TestSecurityEventSlowHook(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	h := newHarness(t, withConfig(func(c *Config) {
		c.SecurityEvents = &SecurityEventsConfig{OnEvent: func(context.Context, SecurityEvent) error {
			<-release // ignores its context
			return nil
		}}
	}))
	b := h.browser()
	b.login("/")
	a, err := h.fake.FireSecurityEvent(context.Background(), h.srv.URL+eventsPath,
		kakaotest.SecurityEvent{Type: kakaotest.EventSessionRevoked, UserID: kakaotest.UserMinji},
		kakaotest.SETTimeout(10*time.Second))
	if err != nil || a.Status != http.StatusAccepted {
		t.Fatalf("answer %d %v", a.Status, err)
	}
	if b.loggedIn() {
		t.Error("the session survived")
	}
	if !strings.Contains(h.logs.String(), "OnEvent failed") {
		t.Error("the hook's timeout is not logged")
	}
}
