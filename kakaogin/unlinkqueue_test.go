package kakaogin

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
)

// sessionsOnly is a store with the session roles only: no locks, no outbox.
type sessionsOnly struct{ store.SessionStore }

// lockedSessions is a store with sessions and locks but no outbox.
type lockedSessions struct {
	store.SessionStore
	store.Locker
}

// TestNewNeedsTheStoreRoles: New finds locks and, where an unlink hook can
// fail, an outbox on the session store, and refuses a store without them
// rather than lose a refresh token or a failed hook.
func TestNewNeedsTheStoreRoles(t *testing.T) {
	mem := memory.New()
	t.Cleanup(func() { mem.Close() })
	hook := func(context.Context, UnlinkEvent) error { return nil }
	cases := []struct {
		name    string
		st      store.SessionStore
		mut     func(*Config)
		wantErr string // "" for success
	}{
		{"a full store", mem, func(c *Config) { c.Unlink.OnUnlink = hook; c.Users = mem.Links() }, ""},
		{"no locks", sessionsOnly{mem}, func(*Config) {}, "store.Locker"},
		{"no outbox, OnUnlink set", lockedSessions{mem, mem}, func(c *Config) { c.Unlink.OnUnlink = hook }, "store.Outbox"},
		{"no outbox, Users set", lockedSessions{mem, mem}, func(c *Config) { c.Users = mem.Links() }, "store.Outbox"},
		{"no outbox and nothing that can fail", lockedSessions{mem, mem}, func(*Config) {}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sm, err := session.New(tc.st, session.Config{SealKeys: [][]byte{testSealKey}})
			if err != nil {
				t.Fatal(err)
			}
			cfg := Config{ClientID: "id", RedirectURL: "https://example.com/auth/kakao/callback", Sessions: sm}
			tc.mut(&cfg)
			_, err = New(cfg)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.wantErr != "" && (!errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("New: err = %v, want ErrConfig naming %s", err, tc.wantErr)
			}
		})
	}
}

// TestUnlinkRetriesCountAttemptsAcrossLeases: a hook that keeps failing is
// tried once per lease, each time with the next Attempt, and a retry run
// ends when it has seen the queue once instead of spinning on it.
func TestUnlinkRetriesCountAttemptsAcrossLeases(t *testing.T) {
	h, hook, storeClock := withQueuedUnlink(t)
	for round := 1; round <= 3; round++ {
		before := hook.count()
		if n, err := h.kg.RetryPendingUnlinks(context.Background()); n != 0 || err != nil {
			t.Fatalf("round %d: retry = %d, %v; want 0, nil", round, n, err)
		}
		if ran := hook.count() - before; ran != 1 {
			t.Fatalf("round %d: the hook ran %d times, want once", round, ran)
		}
		if last := hook.events[len(hook.events)-1]; last.Attempt != hookAttempts+round {
			t.Errorf("round %d: Attempt %d, want %d", round, last.Attempt, hookAttempts+round)
		}
		storeClock.Advance(unlinkLease)
	}
	hook.fail.Store(false)
	if n, err := h.kg.RetryPendingUnlinks(context.Background()); n != 1 || err != nil {
		t.Fatalf("retry after recovery = %d, %v; want 1, nil", n, err)
	}
	if queuedUnlinks(t, h) != 0 {
		t.Error("the delivered event is still queued")
	}
}

// TestUnreadableQueueEntriesAreDropped: a payload that is not a queued
// event (written by something else, or damaged) is acknowledged and
// logged, never passed to the hook.
func TestUnreadableQueueEntriesAreDropped(t *testing.T) {
	hook := &unlinkHook{}
	h := newHarness(t, withConfig(func(c *Config) { c.Unlink.OnUnlink = hook.hook }))
	ctx := context.Background()
	for _, p := range []string{"", "not json", `{"kakao_id":0}`, `{"kakao_id":-5}`} {
		if _, err := h.st.Enqueue(ctx, unlinkTopic, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := h.kg.RetryPendingUnlinks(ctx); n != 0 || err != nil {
		t.Fatalf("retry = %d, %v; want 0, nil", n, err)
	}
	if hook.count() != 0 {
		t.Errorf("the hook ran %d times for unreadable entries", hook.count())
	}
	if queuedUnlinks(t, h) != 0 {
		t.Error("unreadable entries are still queued")
	}
}

// TestQueuedUnlinkRoundTrips: what queueUnlink writes, parseQueued reads
// back, with the time to the nanosecond.
func TestQueuedUnlinkRoundTrips(t *testing.T) {
	h := newHarness(t)
	ev := UnlinkEvent{KakaoID: kakaotest.UserMinji, UserID: "host|minji", Referrer: ReferrerUnlinkFromApps,
		At: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Attempt: 3}
	if err := h.kg.queueUnlink(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	ms, err := h.st.Claim(context.Background(), unlinkTopic, 10, time.Minute)
	if err != nil || len(ms) != 1 {
		t.Fatalf("Claim = %d messages, %v", len(ms), err)
	}
	got, ok := parseQueued(ms[0].Payload)
	ev.Attempt = 0 // the outbox counts attempts, not the payload
	if !ok || got != ev {
		t.Errorf("parseQueued = %+v, %v; want %+v", got, ok, ev)
	}
}

// TestRunWorksTheQueue: Run delivers a queued unlink event on its own
// ticks and returns when its context ends; a non-positive interval is not
// a panic (time.NewTicker's) but a minute.
func TestRunWorksTheQueue(t *testing.T) {
	h, hook, storeClock := withQueuedUnlink(t)
	if queuedUnlinks(t, h) != 1 {
		t.Fatal("the failed hook's event is not queued")
	}
	hook.fail.Store(false)
	storeClock.Advance(unlinkLease)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.kg.Run(ctx, 10*time.Millisecond) }()
	deadline := time.Now().Add(10 * time.Second)
	for queuedUnlinks(t, h) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not deliver the queued event within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}

	for _, interval := range []time.Duration{0, -time.Second} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		h.kg.Run(ctx, interval) // returns at once; must not panic
	}
}

// withQueuedUnlink is a harness whose store runs on its own clock, in
// which a user has unlinked while OnUnlink fails, so that the event waits
// in the queue; the hook keeps failing until the test says otherwise.
func withQueuedUnlink(t *testing.T) (*harness, *unlinkHook, *testClock) {
	t.Helper()
	hook := &unlinkHook{}
	hook.fail.Store(true)
	storeClock := &testClock{}
	sm := sessionsOnClock(t, storeClock)
	h := newHarness(t, withConfig(func(c *Config) { c.Unlink.OnUnlink = hook.hook; c.Sessions = sm }))
	b := h.browser()
	b.login("/")
	if status, _, _ := b.post("/auth/kakao/unlink", nil, true); status != 303 {
		t.Fatalf("unlink: status %d", status)
	}
	return h, hook, storeClock
}
