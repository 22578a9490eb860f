package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// TestDemoAccountEvents: in demo mode the account page lists the account
// status changes Kakao reported for the user, newest first; a profile
// change updates the user's one session, and a password change ends it.
func TestDemoAccountEvents(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := newClient(t, "en")
	c.get(base + "/auth/kakao/login?next=/profile")
	c.consentSubmit(base, kakaotest.UserSeoyeon, "profile_image", "account_email")
	if status, _, at := c.post(base+"/signup", url.Values{"name": {"서연"}}, true); status != http.StatusOK || at.Path != "/profile" {
		t.Fatalf("signup: %d %s", status, at)
	}
	_, body, _ := c.get(base + "/account")
	wantContains(t, "account", body, "Kakao account status changes", `id="kakao-events-none"`, `id="demo-event"`)

	status, body, at := c.post(base+"/account/demo-event", url.Values{"event": {"profile"}}, true)
	if status != http.StatusOK || at.Path != "/account" {
		t.Fatalf("profile event: %d %s", status, at)
	}
	wantContains(t, "account after a profile change", body, `id="kakao-events"`, "profile-changed",
		"profile_updated (1): nickname=새 닉네임")

	c.post(base+"/account/demo-event", url.Values{"event": {"enabled"}}, true)
	_, body, _ = c.get(base + "/account")
	if i, j := strings.Index(body, "account-enabled"), strings.Index(body, "profile-changed"); i < 0 || j < 0 || i > j {
		t.Errorf("events not listed newest first:\n%.3000s", body)
	}

	status, body, at = c.post(base+"/account/demo-event", url.Values{"event": {"password"}}, true)
	if status != http.StatusOK || at.Path != "/" || strings.Contains(body, `id="whoami"`) {
		t.Fatalf("after a password change: %d %s, still logged in", status, at)
	}
}

// TestRecentEventsBounded: the list keeps eventsPerUser events per user
// and eventUsers users, forgetting the oldest.
func TestRecentEventsBounded(t *testing.T) {
	r := newRecentEvents()
	for i := range eventsPerUser + 3 {
		r.add(1, shownEvent{Sessions: i})
	}
	got := r.of(1)
	if len(got) != eventsPerUser || got[0].Sessions != eventsPerUser+2 {
		t.Errorf("user 1: %+v", got)
	}
	for id := int64(2); id <= eventUsers+1; id++ {
		r.add(id, shownEvent{})
	}
	if len(r.of(1)) != 0 || len(r.of(eventUsers+1)) != 1 || len(r.users) != eventUsers {
		t.Errorf("not bounded: %d users", len(r.users))
	}
}
