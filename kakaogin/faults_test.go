package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// faultyHarness is a harness whose session store can be made to fail.
func faultyHarness(t *testing.T, opts ...harnessOpt) (*harness, *storetest.Faulty) {
	t.Helper()
	mem := memory.New()
	t.Cleanup(func() { mem.Close() })
	f := storetest.NewFaulty(mem)
	sm, err := session.New(f, session.Config{SealKeys: [][]byte{testSealKey}, InsecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]harnessOpt{withConfig(func(c *Config) { c.Sessions = sm })}, opts...)
	return newHarness(t, opts...), f
}

var errStoreDown = fmt.Errorf("%w: test: store down", store.ErrUnavailable)

// TestStoreDownAtFlowWrite is R9: /login answers 503 and never sends the
// browser to Kakao with an unsaved flow.
func TestStoreDownAtFlowWrite(t *testing.T) {
	h, f := faultyHarness(t)
	f.Fail(errStoreDown, storetest.CompareAndSwap, storetest.Commit)
	status, _, resp := h.browser().step("/auth/kakao/login")
	if status != http.StatusServiceUnavailable || resp.Header.Get("Location") != "" {
		t.Fatalf("R9: %d to %q", status, resp.Header.Get("Location"))
	}
	if h.fake.Hits(kakaotest.PathAuthorize) != 0 {
		t.Fatal("R9: reached Kakao")
	}
}

// TestStoreDownAtFlowConsume is R10: the state cannot be checked, so no
// token exchange happens.
func TestStoreDownAtFlowConsume(t *testing.T) {
	h, f := faultyHarness(t)
	b := h.browser()
	cb := b.callbackURL(b.toKakao("/auth/kakao/login"))
	f.Fail(errStoreDown, storetest.Find, storetest.CompareAndSwap)
	if status, _, _ := b.step(cb); status != http.StatusServiceUnavailable {
		t.Fatalf("R10: status %d", status)
	}
	if h.fake.Hits(kakaotest.PathToken) != 0 {
		t.Fatal("R10: token exchange with an unverifiable state")
	}
}

// TestStoreDownAtLoginCommit is R11 and C62: the store fails after the
// token exchange; the answer is a 503 with no session cookie and no
// redirect.
func TestStoreDownAtLoginCommit(t *testing.T) {
	h, f := faultyHarness(t)
	b := h.browser()
	cb := b.callbackURL(b.toKakao("/auth/kakao/login?next=/private"))
	// The flow is taken with one compare-and-swap; the login's writes
	// (index, save) fail after it.
	f.Set(storetest.AddUserSession, storetest.Fault{Err: errStoreDown})
	status, _, resp := b.step(cb)
	if status != http.StatusServiceUnavailable || resp.Header.Get("Location") != "" {
		t.Fatalf("R11: %d to %q", status, resp.Header.Get("Location"))
	}
	if h.fake.Hits(kakaotest.PathToken) != 1 {
		t.Fatal("R11: the exchange did not happen first")
	}
	f.Clear()
	if b.loggedIn() {
		t.Fatal("R11: a half-written session is logged in")
	}
}

// TestNewUserHookFails is R23 and C91: a failing or panicking OnNewUser
// leaves no session and no link; a retry after the host recovers works.
func TestNewUserHookFails(t *testing.T) {
	for _, mode := range []string{"error", "panic"} {
		t.Run(mode, func(t *testing.T) {
			broken := true
			h := newHarness(t, withConfig(func(c *Config) {
				c.Linking.OnNewUser = func(context.Context, NewUser) (string, error) {
					if broken {
						if mode == "panic" {
							panic("host bug")
						}
						return "", errors.New("host database down")
					}
					return "u-1", nil
				}
			}))
			linkingHost(h)
			b := h.browser()
			if status, _ := b.login("/"); status != http.StatusInternalServerError {
				t.Fatalf("status %d", status)
			}
			if got := b.whoami(); got != "anonymous" {
				t.Fatalf("C91: session after a failing hook: %q", got)
			}
			broken = false
			b.login("/")
			if got := b.whoami(); got != "user=u-1 kakao="+minji() {
				t.Fatalf("retry: %q", got)
			}
		})
	}
}

// TestWebhookStoreDown is R20: the unlink callback cannot revoke, so it
// answers 500 and Kakao will try again.
func TestWebhookStoreDown(t *testing.T) {
	h, f := faultyHarness(t)
	f.Fail(errStoreDown, storetest.UserSessions, storetest.RevokeUser)
	status, err := h.fake.FireUnlinkCallback(t.Context(), h.srv.URL+"/auth/kakao/unlink/callback", kakaotest.UserMinji, "UNLINK_FROM_APPS")
	if status != http.StatusInternalServerError || err == nil {
		t.Fatalf("R20: status %d, err %v", status, err)
	}
}
