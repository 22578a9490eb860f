package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// webhookPath is the unlink callback route of the harness.
const webhookPath = "/auth/kakao/unlink/callback"

// webhookHost is a host's OnUnlink: it records every call and "deletes"
// the user (an idempotent effect), and can be made to fail or to hang.
type webhookHost struct {
	mu      sync.Mutex
	calls   []UnlinkEvent
	deleted map[int64]bool
	fail    atomic.Bool
	// hang, when set, makes the hook wait for release (ignoreCtx) or for
	// release or its context (otherwise), at most 10 s, then fail.
	hang      atomic.Bool
	ignoreCtx bool
	release   chan struct{}
}

func newWebhookHost() *webhookHost {
	return &webhookHost{deleted: map[int64]bool{}, release: make(chan struct{})}
}

func (w *webhookHost) hook(ctx context.Context, ev UnlinkEvent) error {
	w.mu.Lock()
	w.calls = append(w.calls, ev)
	w.mu.Unlock()
	if w.hang.Load() {
		done := ctx.Done()
		if w.ignoreCtx {
			done = nil
		}
		select {
		case <-w.release:
		case <-done:
		case <-time.After(10 * time.Second):
		}
		return errors.New("host hook timed out")
	}
	if w.fail.Load() {
		return errors.New("host database down")
	}
	w.mu.Lock()
	w.deleted[ev.KakaoID] = true // idempotent: deleting twice is deleting once
	w.mu.Unlock()
	return nil
}

func (w *webhookHost) snapshot() ([]UnlinkEvent, map[int64]bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := make(map[int64]bool, len(w.deleted))
	for k, v := range w.deleted {
		d[k] = v
	}
	return append([]UnlinkEvent(nil), w.calls...), d
}

// webhookHarness is a harness whose OnUnlink is a webhookHost.
func webhookHarness(t *testing.T, opts ...harnessOpt) (*harness, *webhookHost) {
	t.Helper()
	host := newWebhookHost()
	opts = append([]harnessOpt{withConfig(func(c *Config) { c.Unlink.OnUnlink = host.hook })}, opts...)
	return newHarness(t, opts...), host
}

// loginLinked logs a new browser in as Minji, linked to host user
// "host-minji".
func loginLinked(t *testing.T, h *harness) *browser {
	t.Helper()
	if _, err := h.st.Links().Link(context.Background(), store.Link{KakaoID: kakaotest.UserMinji, UserID: "host-minji"}); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("/")
	if !b.loggedIn() {
		t.Fatal("login failed")
	}
	return b
}

// webhookReq is one raw request to the callback route.
type webhookReq struct {
	method string
	query  string // raw query
	body   string
	ctype  string      // Content-Type; default form for POST
	hdr    [][2]string // headers, added in order (duplicates allowed)
	auth   *string     // Authorization; nil = the right one, "" = none
}

type webhookAnswer struct {
	status int
	body   string
	hdr    http.Header
}

// send sends r to base+webhookPath and checks what every callback answer
// must be (C84): no redirect, no cookie, no HTML, no admin key echoed (C85).
func (h *harness) sendWebhook(t *testing.T, base string, r webhookReq) webhookAnswer {
	t.Helper()
	if base == "" {
		base = h.srv.URL
	}
	u := base + webhookPath
	if r.query != "" {
		u += "?" + r.query
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case r.ctype != "":
		req.Header.Set("Content-Type", r.ctype)
	case r.method == http.MethodPost:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	switch {
	case r.auth == nil:
		req.Header.Set("Authorization", "KakaoAK "+h.fake.AdminKey)
	case *r.auth != "":
		req.Header.Set("Authorization", *r.auth)
	}
	for _, kv := range r.hdr {
		req.Header.Add(kv[0], kv[1])
	}
	c := &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := webhookAnswer{status: resp.StatusCode, body: string(b), hdr: resp.Header}
	if a.status >= 300 && a.status < 400 || a.hdr.Get("Location") != "" {
		t.Errorf("C84: callback answered a redirect (%d %q)", a.status, a.hdr.Get("Location"))
	}
	if len(a.hdr.Values("Set-Cookie")) != 0 {
		t.Errorf("C84: callback answer sets a cookie: %q", a.hdr.Values("Set-Cookie"))
	}
	if strings.Contains(a.hdr.Get("Content-Type"), "html") || strings.Contains(a.body, "<") {
		t.Errorf("callback answered HTML: %q %q", a.hdr.Get("Content-Type"), a.body)
	}
	if strings.Contains(a.body, h.fake.AdminKey) {
		t.Error("C85: the admin key is echoed in the answer")
	}
	return a
}

// callbackQuery is a well-formed callback's parameters, with changes.
func (h *harness) callbackQuery(userID int64, referrer string) url.Values {
	return url.Values{
		"app_id":        {strconv.FormatInt(h.fake.AppID, 10)},
		"user_id":       {strconv.FormatInt(userID, 10)},
		"referrer_type": {referrer},
	}
}

// TestUnlinkCallbackEndsSessions is C83 (and C61, C81): Kakao's callback,
// GET or POST, to either of two instances sharing the store, ends the
// user's sessions on both, drops the link and tells the host once with
// the right event.
func TestUnlinkCallbackEndsSessions(t *testing.T) {
	cases := []struct {
		name     string
		toTwin   bool
		referrer ReferrerType
		opts     []kakaotest.CallbackOption
	}{
		{"GET to the instance that made the session", false, ReferrerUnlinkFromApps, nil},
		{"POST to another instance", true, ReferrerAccountDelete, []kakaotest.CallbackOption{kakaotest.CallbackPOST()}},
		{"GET to another instance with a group user token", true, ReferrerForcedAccountDelete,
			[]kakaotest.CallbackOption{kakaotest.CallbackGroupUserToken("group-token-1234")}},
		{"POST to the instance that made the session", false, ReferrerIncompleteSignUp,
			[]kakaotest.CallbackOption{kakaotest.CallbackPOST()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, host := webhookHarness(t)
			_, twin := h.twin()
			b := loginLinked(t, h)
			h.fake.SetLoginUser(kakaotest.UserSeoyeon)
			other := h.browser()
			other.login("/")
			if _, body, _ := b.step(twin.URL + "/"); !strings.HasPrefix(body, "home: logged in") {
				t.Fatalf("the twin does not see the session: %q", body)
			}
			if err := h.fake.UnlinkUser(kakaotest.UserMinji); err != nil {
				t.Fatal(err)
			}
			target := h.srv.URL
			if tc.toTwin {
				target = twin.URL
			}
			start := time.Now()
			status, err := h.fake.FireUnlinkCallback(context.Background(), target+webhookPath,
				kakaotest.UserMinji, string(tc.referrer), tc.opts...)
			if err != nil || status != http.StatusOK {
				t.Fatalf("callback: %d %v", status, err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("C81: answered after %v", d)
			}
			for _, base := range []string{h.srv.URL, twin.URL} {
				if _, body, _ := b.step(base + "/"); body != "home: anonymous" {
					t.Errorf("C83: the session is still alive at %s: %q", base, body)
				}
				if _, body, _ := other.step(base + "/"); !strings.HasPrefix(body, "home: logged in") {
					t.Errorf("another user's session ended at %s: %q", base, body)
				}
			}
			calls, deleted := host.snapshot()
			if len(calls) != 1 {
				t.Fatalf("OnUnlink called %d times, want 1", len(calls))
			}
			ev := calls[0]
			if ev.KakaoID != kakaotest.UserMinji || ev.UserID != "host-minji" || ev.Referrer != tc.referrer || ev.Attempt != 1 {
				t.Errorf("event %+v", ev)
			}
			if !deleted[kakaotest.UserMinji] {
				t.Error("the host did not delete the user")
			}
			if _, err := h.st.Links().ByKakaoID(context.Background(), kakaotest.UserMinji); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("C83: link not dropped: %v", err)
			}
			if !strings.Contains(h.logs.String(), "unlink callback received") {
				t.Error("C102: no security event logged")
			}
		})
	}
}

// TestUnlinkCallbackAuthorization is C79: anything but exactly one
// "Authorization: KakaoAK <admin key>" is a 401 and nothing else: no hook,
// no session ended.
func TestUnlinkCallbackAuthorization(t *testing.T) {
	h, host := webhookHarness(t)
	b := loginLinked(t, h)
	key := h.fake.AdminKey
	q := h.callbackQuery(kakaotest.UserMinji, string(ReferrerUnlinkFromApps)).Encode()
	form := q
	cases := []struct {
		name string
		auth string
		hdr  [][2]string
		post bool
	}{
		{name: "missing header", auth: ""},
		{name: "two Authorization headers, both right", hdr: [][2]string{{"Authorization", "KakaoAK " + key}, {"Authorization", "KakaoAK " + key}}},
		{name: "right header plus a lower-case duplicate", hdr: [][2]string{{"Authorization", "KakaoAK " + key}, {"authorization", "KakaoAK " + key}}},
		{name: "Bearer scheme", auth: "Bearer " + key},
		{name: "lower-case scheme", auth: "kakaoak " + key},
		{name: "upper-case scheme", auth: "KAKAOAK " + key},
		{name: "double space", auth: "KakaoAK  " + key},
		{name: "tab separator", auth: "KakaoAK\t" + key},
		{name: "no separator", auth: "KakaoAK" + key},
		{name: "scheme only", auth: "KakaoAK"},
		{name: "wrong key", auth: "KakaoAK " + strings.Repeat("0", len(key))},
		{name: "key prefix", auth: "KakaoAK " + key[:len(key)-1]},
		{name: "key with a suffix", auth: "KakaoAK " + key + "0"},
		{name: "key plus a second token", auth: "KakaoAK " + key + " x"},
		{name: "REST API key instead of the admin key", auth: "KakaoAK " + h.fake.ClientID},
		{name: "Basic scheme", auth: "Basic " + key},
		{name: "wrong key on POST", auth: "KakaoAK nope", post: true},
		{name: "missing header on POST", auth: "", post: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := webhookReq{method: http.MethodGet, query: q, hdr: tc.hdr}
			if tc.post {
				r = webhookReq{method: http.MethodPost, body: form, hdr: tc.hdr}
			}
			if tc.hdr == nil {
				r.auth = &tc.auth
			} else {
				none := ""
				r.auth = &none
			}
			a := h.sendWebhook(t, "", r)
			if a.status != http.StatusUnauthorized {
				t.Fatalf("C79: status %d, want 401", a.status)
			}
			if a.body != `{"error":"unauthorized"}` {
				t.Errorf("body %q", a.body)
			}
		})
	}
	if calls, _ := host.snapshot(); len(calls) != 0 {
		t.Fatalf("C79: hook called %d times by unauthenticated callbacks", len(calls))
	}
	if !b.loggedIn() {
		t.Fatal("C79: an unauthenticated callback ended the session")
	}
	if _, err := h.st.Links().ByKakaoID(context.Background(), kakaotest.UserMinji); err != nil {
		t.Fatalf("C79: link changed: %v", err)
	}
	if n := strings.Count(h.logs.String(), "unlink callback rejected"); n < len(cases) {
		t.Errorf("C102: %d rejections logged, want %d", n, len(cases))
	}
}

// TestUnlinkCallbackAuthHeaderExact is C79 below net/http, which drops
// whitespace around header values before the handler sees them: the check
// itself trims nothing.
func TestUnlinkCallbackAuthHeaderExact(t *testing.T) {
	k := &Kakao{cfg: &settings{Config: Config{AdminKey: "admin-key-0123456789"}}}
	cases := []struct {
		name string
		vals []string
		want bool
	}{
		{"exact", []string{"KakaoAK admin-key-0123456789"}, true},
		{"none", nil, false},
		{"empty", []string{""}, false},
		{"two", []string{"KakaoAK admin-key-0123456789", "KakaoAK admin-key-0123456789"}, false},
		{"trailing space", []string{"KakaoAK admin-key-0123456789 "}, false},
		{"leading space", []string{" KakaoAK admin-key-0123456789"}, false},
		{"trailing newline", []string{"KakaoAK admin-key-0123456789\n"}, false},
		{"double space", []string{"KakaoAK  admin-key-0123456789"}, false},
		{"lower-case scheme", []string{"kakaoak admin-key-0123456789"}, false},
		{"empty key", []string{"KakaoAK "}, false},
		{"other key", []string{"KakaoAK admin-key-0123456780"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := http.Header{}
			for _, v := range tc.vals {
				hdr.Add("Authorization", v)
			}
			if got := k.webhookAuthorized(hdr); got != tc.want {
				t.Fatalf("C79: authorized = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestUnlinkCallbackParameters is C80: app_id once and this app's, user_id
// once and canonical, referrer_type once, from one source only, a small
// body. Every refusal leaves sessions, link and hook alone.
func TestUnlinkCallbackParameters(t *testing.T) {
	h, host := webhookHarness(t)
	b := loginLinked(t, h)
	app := strconv.FormatInt(h.fake.AppID, 10)
	good := "app_id=" + app + "&user_id=" + minji() + "&referrer_type=UNLINK_FROM_APPS"
	with := func(kv ...string) string {
		v := h.callbackQuery(kakaotest.UserMinji, "UNLINK_FROM_APPS")
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "\x00delete" {
				v.Del(kv[i])
				continue
			}
			v[kv[i]] = strings.Split(kv[i+1], "\x00")
		}
		return v.Encode()
	}
	big := good + "&pad=" + strings.Repeat("a", 1<<20)
	justOver := good + "&pad=" + strings.Repeat("a", webhookMaxBody-len(good)-len("&pad=")+1)
	cases := []struct {
		name   string
		req    webhookReq
		status int
	}{
		{"GET: wrong app_id", webhookReq{method: "GET", query: with("app_id", "1234")}, 401},
		{"GET: app_id with a leading zero", webhookReq{method: "GET", query: with("app_id", "0"+app)}, 401},
		{"GET: app_id with a sign", webhookReq{method: "GET", query: with("app_id", "+"+app)}, 401},
		{"GET: missing app_id", webhookReq{method: "GET", query: with("app_id", "\x00delete")}, 400},
		{"GET: app_id good then bad", webhookReq{method: "GET", query: with("app_id", app+"\x00"+"1")}, 400},
		{"GET: app_id twice, equal", webhookReq{method: "GET", query: with("app_id", app+"\x00"+app)}, 400},
		{"GET: missing user_id", webhookReq{method: "GET", query: with("user_id", "\x00delete")}, 400},
		{"GET: user_id twice", webhookReq{method: "GET", query: with("user_id", minji()+"\x00"+minji())}, 400},
		{"GET: empty user_id", webhookReq{method: "GET", query: with("user_id", "")}, 400},
		{"GET: non-numeric user_id", webhookReq{method: "GET", query: with("user_id", "abc")}, 400},
		{"GET: negative user_id", webhookReq{method: "GET", query: with("user_id", "-1")}, 400},
		{"GET: zero user_id", webhookReq{method: "GET", query: with("user_id", "0")}, 400},
		{"GET: leading-zero user_id", webhookReq{method: "GET", query: with("user_id", "0"+minji())}, 400},
		{"GET: user_id with a plus", webhookReq{method: "GET", query: with("user_id", "+"+minji())}, 400},
		{"GET: user_id with a space", webhookReq{method: "GET", query: with("user_id", minji()+" ")}, 400},
		{"GET: 20-digit user_id", webhookReq{method: "GET", query: with("user_id", "12345678901234567890")}, 400},
		{"GET: user_id 99999999999999999999", webhookReq{method: "GET", query: with("user_id", "99999999999999999999")}, 400},
		{"GET: user_id just over int64", webhookReq{method: "GET", query: with("user_id", "9223372036854775808")}, 400},
		{"GET: huge user_id", webhookReq{method: "GET", query: with("user_id", strings.Repeat("9", 4000))}, 400},
		{"GET: user_id as a float", webhookReq{method: "GET", query: with("user_id", "4.012345678e9")}, 400},
		{"GET: full-width digits", webhookReq{method: "GET", query: with("user_id", "４０１２")}, 400},
		{"GET: malformed query escape", webhookReq{method: "GET", query: good + "&x=%zz"}, 400},
		{"GET: semicolon separator", webhookReq{method: "GET", query: good + ";x=1"}, 400},
		{"GET: parameters only in a body", webhookReq{method: "GET", body: good, ctype: "application/x-www-form-urlencoded"}, 400},
		{"POST: parameters only in the query", webhookReq{method: "POST", query: good}, 400},
		{"POST: query and body disagree on user_id", webhookReq{method: "POST", query: "user_id=" + strconv.FormatInt(kakaotest.UserSeoyeon, 10), body: good}, 400},
		{"POST: query and body disagree on app_id", webhookReq{method: "POST", query: "app_id=1", body: good}, 400},
		{"POST: query repeats a body field twice", webhookReq{method: "POST", query: "user_id=" + minji() + "&user_id=" + minji(), body: good}, 400},
		{"POST: query names user_id the body lacks", webhookReq{method: "POST", query: "user_id=" + minji(), body: with("user_id", "\x00delete")}, 400},
		{"POST: wrong app_id", webhookReq{method: "POST", body: with("app_id", "1")}, 401},
		{"POST: duplicate app_id", webhookReq{method: "POST", body: with("app_id", app+"\x00"+app)}, 400},
		{"POST: negative user_id", webhookReq{method: "POST", body: with("user_id", "-1")}, 400},
		{"POST: JSON body", webhookReq{method: "POST", body: `{"app_id":"` + app + `","user_id":"` + minji() + `"}`, ctype: "application/json"}, 415},
		{"POST: no content type", webhookReq{method: "POST", body: good, ctype: "text/plain"}, 415},
		{"POST: multipart", webhookReq{method: "POST", body: good, ctype: "multipart/form-data; boundary=x"}, 415},
		{"POST: malformed body escape", webhookReq{method: "POST", body: good + "&x=%zz"}, 400},
		{"POST: 1 MiB body", webhookReq{method: "POST", body: big}, 413},
		{"POST: 8 KiB + 1 body", webhookReq{method: "POST", body: justOver}, 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.sendWebhook(t, "", tc.req)
			if a.status != tc.status {
				t.Fatalf("C80: status %d, want %d (body %q)", a.status, tc.status, a.body)
			}
		})
	}
	if calls, _ := host.snapshot(); len(calls) != 0 {
		t.Fatalf("C80: hook called %d times by refused callbacks", len(calls))
	}
	if !b.loggedIn() {
		t.Fatal("C80: a refused callback ended the session")
	}

	// A chunked body over the limit (no Content-Length) is cut at 8 KiB.
	t.Run("POST: chunked body over 8 KiB", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte(good + "&pad="))
			pw.Write([]byte(strings.Repeat("a", 64<<10)))
			pw.Close()
		}()
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+webhookPath, pr)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "KakaoAK "+h.fake.AdminKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("C80: status %d, want 413", resp.StatusCode)
		}
	})

	// The well-formed POST is accepted, and a query that agrees with the
	// body is harmless.
	a := h.sendWebhook(t, "", webhookReq{method: http.MethodPost, query: "user_id=" + minji(), body: good + "&group_user_token=x&extra=1"})
	if a.status != http.StatusOK || b.loggedIn() {
		t.Fatalf("well-formed POST: %d, still logged in: %v", a.status, b.loggedIn())
	}
}

// TestUnlinkCallbackUnknownReferrer is C80: an undocumented referrer_type
// is processed and passed on as received, and logged.
func TestUnlinkCallbackUnknownReferrer(t *testing.T) {
	h, host := webhookHarness(t)
	b := loginLinked(t, h)
	status, err := h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+webhookPath, kakaotest.UserMinji, "UNLINK_FROM_FUTURE_FEATURE")
	if err != nil || status != http.StatusOK {
		t.Fatalf("C80: %d %v", status, err)
	}
	if b.loggedIn() {
		t.Fatal("C80: unknown referrer_type not processed")
	}
	calls, _ := host.snapshot()
	if len(calls) != 1 || calls[0].Referrer != "UNLINK_FROM_FUTURE_FEATURE" || calls[0].Referrer.Known() {
		t.Fatalf("events %+v", calls)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "unknown referrer_type") || !strings.Contains(logs, "UNLINK_FROM_FUTURE_FEATURE") {
		t.Fatalf("C80: unknown referrer_type not logged:\n%s", logs)
	}
}

// TestUnlinkCallbackFailsOpenOnReferrerType is issue 11, point 2, with C80
// and C83: once a callback proved it is Kakao's (C79: KakaoAK admin key;
// C80: this app's app_id) and named a canonical user_id, its reason never
// refuses it. Without referrer_type, or with one the library does not
// know, the user's sessions end, OnUnlink runs (through the outbox when it
// fails, as for the known reasons) with ReferrerUnknown or the value as
// received, the answer is 200 (C81), and a warning is logged.
func TestUnlinkCallbackFailsOpenOnReferrerType(t *testing.T) {
	cases := []struct {
		name     string
		method   string
		referrer []string // nil: no referrer_type at all
		want     ReferrerType
		hookFail bool // OnUnlink fails: the event goes through the outbox
		warning  string
	}{
		{"GET without referrer_type", "GET", nil, ReferrerUnknown, false, "without a usable referrer_type"},
		{"POST without referrer_type", "POST", nil, ReferrerUnknown, false, "without a usable referrer_type"},
		{"GET without referrer_type, hook fails", "GET", nil, ReferrerUnknown, true, "without a usable referrer_type"},
		{"GET empty referrer_type", "GET", []string{""}, ReferrerUnknown, false, "without a usable referrer_type"},
		{"GET referrer_type twice", "GET", []string{"ACCOUNT_DELETE", "UNLINK_FROM_APPS"}, ReferrerUnknown, false, "without a usable referrer_type"},
		{"GET referrer_type junk", "GET", []string{"<script>"}, ReferrerUnknown, false, "without a usable referrer_type"},
		{"POST referrer_type too long", "POST", []string{strings.Repeat("A", 65)}, ReferrerUnknown, false, "without a usable referrer_type"},
		{"GET unknown referrer_type", "GET", []string{"UNLINK_FROM_FUTURE_FEATURE"}, "UNLINK_FROM_FUTURE_FEATURE", false, "unknown referrer_type"},
		{"POST unknown referrer_type, hook fails", "POST", []string{"UNLINK_FROM_FUTURE_FEATURE"}, "UNLINK_FROM_FUTURE_FEATURE", true, "unknown referrer_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, host := webhookHarness(t)
			b := loginLinked(t, h)
			host.fail.Store(tc.hookFail)
			v := h.callbackQuery(kakaotest.UserMinji, "")
			v.Del("referrer_type")
			if tc.referrer != nil {
				v["referrer_type"] = tc.referrer
			}
			r := webhookReq{method: tc.method, query: v.Encode()}
			if tc.method == http.MethodPost {
				r = webhookReq{method: tc.method, body: v.Encode()}
			}
			if a := h.sendWebhook(t, "", r); a.status != http.StatusOK || a.body != webhookOK {
				t.Fatalf("C81: %d %q, want 200", a.status, a.body)
			}
			if b.loggedIn() {
				t.Fatal("C83: the user's session is still alive")
			}
			if _, err := h.st.Links().ByKakaoID(context.Background(), kakaotest.UserMinji); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("C83: link not dropped: %v", err)
			}
			if tc.hookFail {
				if n := queuedUnlinks(t, h); n != 1 {
					t.Fatalf("C81: %d unlink hooks queued, want 1", n)
				}
				host.fail.Store(false)
				if n, err := h.kg.RetryPendingUnlinks(context.Background()); err != nil || n != 1 {
					t.Fatalf("retry: %d %v", n, err)
				}
			}
			calls, deleted := host.snapshot()
			if len(calls) == 0 || !deleted[kakaotest.UserMinji] {
				t.Fatalf("OnUnlink did not run to success: %+v", calls)
			}
			for _, ev := range calls {
				if ev.KakaoID != kakaotest.UserMinji || ev.UserID != "host-minji" || ev.Referrer != tc.want || ev.Referrer.Known() {
					t.Errorf("event %+v, want referrer %q", ev, tc.want)
				}
			}
			if logs := h.logs.String(); !strings.Contains(logs, tc.warning) || !strings.Contains(logs, "level=WARN") {
				t.Errorf("C80: no warning %q in the log:\n%s", tc.warning, logs)
			}
		})
	}

	// Failing authentication (C79, C80) or a malformed user_id (C80) is
	// still refused whatever the referrer_type, and changes nothing.
	t.Run("refusals stay refusals", func(t *testing.T) {
		h, host := webhookHarness(t)
		b := loginLinked(t, h)
		app := strconv.FormatInt(h.fake.AppID, 10)
		noRef := "app_id=" + app + "&user_id=" + minji()
		refusals := []struct {
			name   string
			req    webhookReq
			status int
		}{
			{"no Authorization", webhookReq{method: "GET", query: noRef, auth: ptr("")}, 401},
			{"wrong admin key", webhookReq{method: "GET", query: noRef, auth: ptr("KakaoAK " + strings.Repeat("0", len(h.fake.AdminKey)))}, 401},
			{"wrong admin key, unknown referrer_type", webhookReq{method: "POST", body: noRef + "&referrer_type=NEW_THING", auth: ptr("KakaoAK nope")}, 401},
			{"another app's app_id", webhookReq{method: "GET", query: "app_id=1234&user_id=" + minji()}, 401},
			{"no app_id", webhookReq{method: "GET", query: "user_id=" + minji()}, 400},
			{"negative user_id", webhookReq{method: "GET", query: "app_id=" + app + "&user_id=-1"}, 400},
			{"leading-zero user_id, junk referrer_type", webhookReq{method: "POST", body: "app_id=" + app + "&user_id=0" + minji() + "&referrer_type=%3Cx%3E"}, 400},
			{"no user_id, unknown referrer_type", webhookReq{method: "GET", query: "app_id=" + app + "&referrer_type=NEW_THING"}, 400},
			{"user_id twice", webhookReq{method: "GET", query: noRef + "&user_id=" + minji()}, 400},
		}
		for _, r := range refusals {
			if a := h.sendWebhook(t, "", r.req); a.status != r.status {
				t.Errorf("%s: status %d, want %d", r.name, a.status, r.status)
			}
		}
		if calls, _ := host.snapshot(); len(calls) != 0 {
			t.Fatalf("hook called %d times by refused callbacks", len(calls))
		}
		if !b.loggedIn() {
			t.Fatal("a refused callback ended the session")
		}
		if _, err := h.st.Links().ByKakaoID(context.Background(), kakaotest.UserMinji); err != nil {
			t.Fatalf("link changed: %v", err)
		}
		if n := queuedUnlinks(t, h); n != 0 {
			t.Fatalf("%d unlink hooks queued by refused callbacks", n)
		}
	})
}

// TestUnlinkCallbackUnknownUser is C86 (and C81): a user never seen here
// gets the same answer as a known one.
func TestUnlinkCallbackUnknownUser(t *testing.T) {
	h, host := webhookHarness(t)
	loginLinked(t, h)
	q := func(id int64) string { return h.callbackQuery(id, "UNLINK_FROM_APPS").Encode() }
	known := h.sendWebhook(t, "", webhookReq{method: http.MethodGet, query: q(kakaotest.UserMinji)})
	unknown := h.sendWebhook(t, "", webhookReq{method: http.MethodGet, query: q(987654321)})
	never := h.sendWebhook(t, "", webhookReq{method: http.MethodPost, body: q(9223372036854775807)})
	for name, a := range map[string]webhookAnswer{"unknown": unknown, "max int64": never} {
		if a.status != known.status || a.body != known.body || a.hdr.Get("Content-Type") != known.hdr.Get("Content-Type") ||
			a.hdr.Get("Content-Length") != known.hdr.Get("Content-Length") {
			t.Errorf("C86: %s user answered %d %q %q, known user %d %q %q", name, a.status, a.body, a.hdr.Get("Content-Type"),
				known.status, known.body, known.hdr.Get("Content-Type"))
		}
	}
	if known.status != http.StatusOK || known.body != "ok\n" {
		t.Fatalf("C81: known user: %d %q", known.status, known.body)
	}
	calls, _ := host.snapshot()
	if len(calls) != 3 || calls[1].KakaoID != 987654321 || calls[1].UserID != "" {
		t.Fatalf("C86: the host is told about every user alike: %+v", calls)
	}
}

// TestUnlinkCallbackRepeated is C82: the same callback delivered again,
// one after another or at once, is answered 200 each time; each delivery
// runs the idempotent hook once and the host's state is the same as after
// one.
func TestUnlinkCallbackRepeated(t *testing.T) {
	for _, concurrent := range []bool{false, true} {
		t.Run(map[bool]string{false: "sequential", true: "concurrent"}[concurrent], func(t *testing.T) {
			h, host := webhookHarness(t)
			b := loginLinked(t, h)
			const n = 8
			errs := make([]error, n)
			send := func(i int) {
				var opts []kakaotest.CallbackOption
				if i%2 == 1 {
					opts = append(opts, kakaotest.CallbackPOST())
				}
				status, err := h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+webhookPath,
					kakaotest.UserMinji, string(ReferrerUnlinkFromApps), opts...)
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("status %d", status)
				}
				errs[i] = err
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
			for i, err := range errs {
				if err != nil {
					t.Errorf("C82: delivery %d: %v", i, err)
				}
			}
			if b.loggedIn() {
				t.Fatal("session survived")
			}
			calls, deleted := host.snapshot()
			if len(calls) != n {
				t.Errorf("C82: hook ran %d times for %d deliveries", len(calls), n)
			}
			if len(deleted) != 1 || !deleted[kakaotest.UserMinji] {
				t.Errorf("C82: host state %v", deleted)
			}
			// Only the first delivery found the link; none queued a retry.
			linked := 0
			for _, ev := range calls {
				if ev.UserID == "host-minji" {
					linked++
				}
			}
			if linked < 1 || (!concurrent && linked != 1) {
				t.Errorf("C82: %d events carried the link", linked)
			}
			if left := queuedUnlinks(t, h); left != 0 {
				t.Errorf("%d unlink hooks queued, want none", left)
			}
		})
	}
}

// TestUnlinkCallbackSlowHook is C81 and R21: a hook that takes 10 s does
// not hold the answer: 200 within 3 s with the sessions ended, the event
// queued, and RetryPendingUnlinks delivers it once the host recovers.
func TestUnlinkCallbackSlowHook(t *testing.T) {
	cases := []struct {
		name      string
		ignoreCtx bool
	}{
		{"hook honours its context", false},
		{"hook ignores its context", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, host := webhookHarness(t)
			host.ignoreCtx = tc.ignoreCtx
			b := loginLinked(t, h)
			host.hang.Store(true)
			t.Cleanup(func() { close(host.release) })
			start := time.Now()
			status, err := h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+webhookPath,
				kakaotest.UserMinji, string(ReferrerAccountDelete), kakaotest.CallbackPOST())
			took := time.Since(start)
			if err != nil || status != http.StatusOK {
				t.Fatalf("C81: %d %v after %v (a hook past its deadline must not hold the answer)", status, err, took)
			}
			if took > 3*time.Second {
				t.Fatalf("C81: answered after %v", took)
			}
			t.Logf("answered in %v", took)
			if b.loggedIn() {
				t.Fatal("C81: sessions must end before the answer")
			}
			if queued := queuedUnlinks(t, h); queued != 1 {
				t.Fatalf("C81: %d unlink hooks queued, want 1", queued)
			}
			// The host recovers; the queued event is delivered once.
			host.hang.Store(false)
			n, err := h.kg.RetryPendingUnlinks(context.Background())
			if err != nil || n != 1 {
				t.Fatalf("retry: %d %v", n, err)
			}
			calls, deleted := host.snapshot()
			last := calls[len(calls)-1]
			if !deleted[kakaotest.UserMinji] || last.KakaoID != kakaotest.UserMinji || last.UserID != "host-minji" ||
				last.Referrer != ReferrerAccountDelete || last.Attempt <= 1 {
				t.Fatalf("retried event %+v, deleted %v", last, deleted)
			}
			if n, _ := h.kg.RetryPendingUnlinks(context.Background()); n != 0 {
				t.Fatalf("retried again: %d", n)
			}
		})
	}
}

// TestUnlinkCallbackStoreDown is C81 and R20: when the sessions cannot be
// ended or the failed hook cannot be queued, Kakao is told (500, so that
// it may send it again); once the store is back the same callback works.
func TestUnlinkCallbackStoreDown(t *testing.T) {
	down := fmt.Errorf("%w: connection refused", store.ErrUnavailable)
	cases := []struct {
		name     string
		fault    storetest.Method
		f        storetest.Fault
		hookFail bool
		hookRuns bool
	}{
		{"revocation fails", storetest.RevokeUser, storetest.Fault{Err: down}, false, false},
		{"link lookup fails", storetest.ByKakaoID, storetest.Fault{Err: down}, false, false},
		{"revocation hangs", storetest.RevokeUser, storetest.Fault{Hang: true}, false, false},
		{"hook fails and the queue cannot be written", storetest.Enqueue, storetest.Fault{Err: down}, true, true},
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
			h, host := webhookHarness(t, withConfig(func(c *Config) { c.Sessions = sm }))
			b := loginLinked(t, h)
			faulty.Set(tc.fault, tc.f)
			host.fail.Store(tc.hookFail)
			start := time.Now()
			status, err := h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+webhookPath,
				kakaotest.UserMinji, string(ReferrerUnlinkFromApps))
			var ce *kakaotest.CallbackError
			if status != http.StatusInternalServerError || !errors.As(err, &ce) {
				t.Fatalf("C81: %d %v, want 500", status, err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("C81: answered after %v", d)
			}
			if calls, _ := host.snapshot(); (len(calls) > 0) != tc.hookRuns {
				t.Fatalf("hook calls %d", len(calls))
			}
			faulty.Clear()
			host.fail.Store(false)
			status, err = h.fake.FireUnlinkCallback(context.Background(), h.srv.URL+webhookPath,
				kakaotest.UserMinji, string(ReferrerUnlinkFromApps))
			if err != nil || status != http.StatusOK {
				t.Fatalf("after recovery: %d %v", status, err)
			}
			if b.loggedIn() {
				t.Fatal("session survived the redelivered callback")
			}
			if _, deleted := host.snapshot(); !deleted[kakaotest.UserMinji] {
				t.Fatal("host not told after recovery")
			}
		})
	}
}

// TestUnlinkCallbackNotMounted: without Unlink.Callback the route does not
// exist (404 for GET and POST, the key notwithstanding).
func TestUnlinkCallbackNotMounted(t *testing.T) {
	h, host := webhookHarness(t)
	cfg := h.cfg
	cfg.Unlink.Callback = nil
	eng := gin.New()
	h.mount(eng, cfg)
	srv := httptest.NewServer(eng)
	t.Cleanup(srv.Close)
	q := h.callbackQuery(kakaotest.UserMinji, "UNLINK_FROM_APPS").Encode()
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		r := webhookReq{method: m, query: q}
		if m == http.MethodPost {
			r = webhookReq{method: m, body: q}
		}
		if a := h.sendWebhook(t, srv.URL, r); a.status != http.StatusNotFound {
			t.Fatalf("%s: status %d, want 404", m, a.status)
		}
		// The harness's own instance has it mounted.
		if a := h.sendWebhook(t, "", r); a.status != http.StatusOK {
			t.Fatalf("%s on the mounted instance: status %d", m, a.status)
		}
	}
	if calls, _ := host.snapshot(); len(calls) != 2 {
		t.Fatalf("hook called %d times, want 2 (the mounted instance only)", len(calls))
	}
}

// TestUnlinkCallbackOtherMethods: only GET and POST are routed; no other
// method reaches the handler or ends a session.
func TestUnlinkCallbackOtherMethods(t *testing.T) {
	h, host := webhookHarness(t)
	b := loginLinked(t, h)
	q := h.callbackQuery(kakaotest.UserMinji, "UNLINK_FROM_APPS").Encode()
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead, http.MethodOptions} {
		if a := h.sendWebhook(t, "", webhookReq{method: m, query: q}); a.status == http.StatusOK {
			t.Errorf("%s answered 200", m)
		}
	}
	if calls, _ := host.snapshot(); len(calls) != 0 || !b.loggedIn() {
		t.Fatal("another method was processed")
	}
}

// TestUnlinkCallbackNeverLogsAdminKey is C85: the admin key, sent wrong,
// doubled, or stuffed into every parameter, shows up neither in the log
// nor in an answer (sendWebhook checks answers; the harness's secretSink
// checks the log again at cleanup).
func TestUnlinkCallbackNeverLogsAdminKey(t *testing.T) {
	h, _ := webhookHarness(t)
	key := h.fake.AdminKey
	app := strconv.FormatInt(h.fake.AppID, 10)
	stuffed := url.Values{"app_id": {key}, "user_id": {key}, "referrer_type": {key}, "group_user_token": {key}}.Encode()
	// An authenticated callback with the key as its referrer_type is
	// processed (the reason never refuses one, C80), and its reason is not
	// logged either.
	if a := h.sendWebhook(t, "", webhookReq{method: "GET", query: "app_id=" + app + "&user_id=1&referrer_type=" + key}); a.status != http.StatusOK {
		t.Errorf("key as referrer_type: %d", a.status)
	}
	reqs := []webhookReq{
		{method: "GET", query: stuffed},
		{method: "POST", body: stuffed},
		{method: "GET", query: "app_id=" + app + "&user_id=" + key + "&referrer_type=X"},
		{method: "GET", query: stuffed, auth: ptr("KakaoAK  " + key)},
		{method: "GET", query: stuffed, auth: ptr("Bearer " + key)},
		{method: "GET", query: stuffed, auth: ptr("KakaoAK " + key + "x")},
		{method: "GET", query: stuffed, hdr: [][2]string{{"Authorization", "KakaoAK " + key}}},
		{method: "POST", query: "user_id=" + key, body: "app_id=" + app + "&user_id=1&referrer_type=X"},
	}
	for i, r := range reqs {
		if a := h.sendWebhook(t, "", r); a.status == http.StatusOK {
			t.Errorf("request %d accepted", i)
		}
	}
	if strings.Contains(h.logs.String(), key) {
		t.Fatal("C85: the admin key is in the log")
	}
	if !strings.Contains(h.logs.String(), "unlink callback rejected") {
		t.Fatal("C102: rejections not logged")
	}
}

// FuzzUnlinkCallbackParams checks the parameter parser on arbitrary
// queries: no panic, and an accepted callback names this app once and a
// canonical positive user ID (C80), with a reason that is either Kakao's
// value of the right shape or ReferrerUnknown (issue 11, point 2).
func FuzzUnlinkCallbackParams(f *testing.F) {
	f.Add("app_id=1158231&user_id=4012345678&referrer_type=UNLINK_FROM_APPS")
	f.Add("app_id=1158231&app_id=1158231&user_id=1&referrer_type=X")
	f.Add("app_id=1158231&user_id=0042&referrer_type=ACCOUNT_DELETE")
	f.Add("app_id=1158231&user_id=9223372036854775808&referrer_type=A")
	f.Add("app_id=1158231&user_id=-1&referrer_type=%zz")
	f.Add("app_id=1158231&user_id=4012345678")
	f.Add("app_id=1158231&user_id=4012345678&referrer_type=&referrer_type=A")
	f.Fuzz(func(t *testing.T, raw string) {
		vals, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		cb, e := parseUnlinkCallback(vals, "1158231")
		if e != nil {
			if e.Status != http.StatusBadRequest && e.Status != http.StatusUnauthorized {
				t.Fatalf("status %d", e.Status)
			}
			return
		}
		if len(vals["app_id"]) != 1 || vals.Get("app_id") != "1158231" {
			t.Fatalf("accepted app_id %q", vals["app_id"])
		}
		if cb.KakaoID <= 0 || len(vals["user_id"]) != 1 || strconv.FormatInt(cb.KakaoID, 10) != vals.Get("user_id") {
			t.Fatalf("accepted user_id %q as %d", vals["user_id"], cb.KakaoID)
		}
		// The reason never refuses an authenticated callback: one value of
		// Kakao's shape is passed on, anything else is ReferrerUnknown.
		ref := vals["referrer_type"]
		if len(ref) == 1 && validReferrer(ref[0]) {
			if string(cb.Referrer) != ref[0] {
				t.Fatalf("referrer_type %q passed on as %q", ref[0], cb.Referrer)
			}
		} else if cb.Referrer != ReferrerUnknown || cb.problem == "" {
			t.Fatalf("referrer_type %q passed on as %q (%q)", ref, cb.Referrer, cb.problem)
		}
	})
}

// FuzzUnlinkCallbackAuth checks that exactly "KakaoAK <key>" passes (C79).
func FuzzUnlinkCallbackAuth(f *testing.F) {
	const key = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	k := &Kakao{cfg: &settings{Config: Config{AdminKey: key}}}
	f.Add("KakaoAK " + key)
	f.Add("KakaoAK  " + key)
	f.Add("kakaoak " + key)
	f.Add("KakaoAK " + key + " ")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		got := k.webhookAuthorized(http.Header{"Authorization": {v}})
		if got != (v == "KakaoAK "+key) {
			t.Fatalf("authorized(%q) = %v", v, got)
		}
	})
}
