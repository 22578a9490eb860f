package kakaogin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
	"github.com/kakaologin/kakaologin/store"
)

// TestOnLoginRefuses: an error from OnLogin refuses the login. Nothing of
// it is saved, the session that was there before (another login) is
// logged out, and the user sees the CodeHookFailed page.
func TestOnLoginRefuses(t *testing.T) {
	for _, mode := range []string{"error", "panic"} {
		t.Run(mode, func(t *testing.T) {
			var refuse atomic.Bool
			h := newHarness(t, withConfig(func(c *Config) {
				c.Login.OnLogin = func(_ context.Context, id Identity) error {
					if !refuse.Load() {
						return nil
					}
					if mode == "panic" {
						panic("host bug")
					}
					return errors.New("account blocked")
				}
			}))
			b := h.browser()
			b.login("/")
			if !b.loggedIn() {
				t.Fatal("allowed login did not complete")
			}
			refuse.Store(true)
			cb := b.callbackURL(b.toKakao("/auth/kakao/login?prompt=login"))
			status, body, _ := b.step(cb, "Accept", "application/json")
			if status != http.StatusInternalServerError || !strings.Contains(body, `"error":"`+string(CodeHookFailed)+`"`) {
				t.Fatalf("refused login: %d %s", status, body)
			}
			if b.loggedIn() {
				t.Fatal("a session survived the refused login")
			}
			if strings.Contains(h.logs.String(), "account blocked") != (mode == "error") {
				t.Errorf("the hook's error is not in the log:\n%s", h.logs)
			}
		})
	}
}

// TestOnLoginRefusesPending: CompletePending asks OnLogin too; a refusal
// returns a CodeHookFailed error and leaves neither a login nor the
// pending identity.
func TestOnLoginRefusesPending(t *testing.T) {
	nu := &newUsers{signup: true}
	h := newHarness(t, withConfig(func(c *Config) {
		c.Linking.OnNewUser = nu.hook
		c.Linking.SignupURL = "/signup-form"
		c.Login.OnLogin = func(_ context.Context, id Identity) error {
			if id.UserID == "blocked" {
				return errors.New("account blocked")
			}
			return nil
		}
	}))
	linkingHost(h)
	var got error
	h.eng.POST("/signup-blocked", func(c *gin.Context) {
		got = h.kg.CompletePending(c, "blocked")
		c.String(http.StatusOK, "done")
	})
	b := h.browser()
	b.login("/")
	if _, body, _ := b.step("/pending"); !strings.HasPrefix(body, "signup") {
		t.Fatalf("pending %q", body)
	}
	b.post("/signup-blocked", nil, false)
	var e *Error
	if !errors.As(got, &e) || e.Code != CodeHookFailed {
		t.Fatalf("CompletePending = %v, want a %s error", got, CodeHookFailed)
	}
	if who := b.whoami(); who != "anonymous" {
		t.Fatalf("refused login completed: %q", who)
	}
	if status, _, _ := b.step("/pending"); status != http.StatusNotFound {
		t.Fatal("the pending identity survived the refused login")
	}
}

// hookCalls records, per hook, that it ran with a context that is not a
// *gin.Context and has a deadline within the hook timeout.
type hookCalls struct {
	mu  sync.Mutex
	ran map[string]bool
	bad []string
}

func (r *hookCalls) check(name string, ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ran == nil {
		r.ran = map[string]bool{}
	}
	r.ran[name] = true
	if _, isGin := ctx.(*gin.Context); isGin {
		r.bad = append(r.bad, name+": got the *gin.Context")
	}
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > hookTimeout {
		r.bad = append(r.bad, name+": no hook deadline")
	}
}

// TestHooksGetBoundedContext: every hook runs with a plain context that
// carries the hook deadline.
func TestHooksGetBoundedContext(t *testing.T) {
	calls := &hookCalls{}
	h := newHarness(t, withConfig(func(c *Config) {
		c.Linking.ProveURL = "/prove-form"
		c.Linking.FindCandidate = func(ctx context.Context, nu NewUser) (Candidate, bool, error) {
			calls.check("FindCandidate", ctx)
			return Candidate{}, false, nil
		}
		c.Linking.OnNewUser = func(ctx context.Context, nu NewUser) (string, error) {
			calls.check("OnNewUser", ctx)
			return "u-1", nil
		}
		c.Linking.OnLink = func(ctx context.Context, _ store.Link) { calls.check("OnLink", ctx) }
		c.Linking.CanDisconnect = func(ctx context.Context, _ string) (bool, error) {
			calls.check("CanDisconnect", ctx)
			return false, nil
		}
		c.Login.OnLogin = func(ctx context.Context, _ Identity) error { calls.check("OnLogin", ctx); return nil }
		c.OnTokenRefreshed = func(ctx context.Context, _ Identity, _ *kakaoapi.Token) { calls.check("OnTokenRefreshed", ctx) }
		c.Unlink.OnUnlink = func(ctx context.Context, _ UnlinkEvent) error { calls.check("OnUnlink", ctx); return nil }
	}))
	b := h.browser()
	b.login("/")
	h.clock.Advance(nearExpiry)
	b.get("/kakao/me")
	b.post("/auth/kakao/disconnect", nil, true)
	if status, _, _ := b.post("/auth/kakao/unlink", nil, true); status != http.StatusSeeOther {
		t.Fatalf("unlink: %d", status)
	}
	for _, name := range []string{"FindCandidate", "OnNewUser", "OnLink", "OnLogin", "OnTokenRefreshed", "CanDisconnect", "OnUnlink"} {
		if !calls.ran[name] {
			t.Errorf("%s did not run", name)
		}
	}
	for _, msg := range calls.bad {
		t.Error(msg)
	}
}

// TestRetriedUnlinkHookHasDeadline: OnUnlink run from the retry queue gets
// the hook deadline even when Run's context has none.
func TestRetriedUnlinkHookHasDeadline(t *testing.T) {
	calls := &hookCalls{}
	var fail atomic.Bool
	fail.Store(true)
	h := newHarness(t, withConfig(func(c *Config) {
		c.Unlink.OnUnlink = func(ctx context.Context, _ UnlinkEvent) error {
			if fail.Load() {
				return errors.New("host database down")
			}
			calls.check("OnUnlink (retry)", ctx)
			return nil
		}
	}))
	b := h.browser()
	b.login("/")
	if status, _, _ := b.post("/auth/kakao/unlink", nil, true); status != http.StatusSeeOther {
		t.Fatalf("unlink: %d", status)
	}
	fail.Store(false)
	if n, err := h.kg.RetryPendingUnlinks(context.Background()); n != 1 || err != nil {
		t.Fatalf("retry: %d %v", n, err)
	}
	if !calls.ran["OnUnlink (retry)"] || len(calls.bad) > 0 {
		t.Fatalf("retried hook: ran %v, %v", calls.ran, calls.bad)
	}
}
