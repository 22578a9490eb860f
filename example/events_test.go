package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// TestDemoAccountEvents: in demo mode the account page lists the account
// status changes Kakao reported for the user, newest first, in words (the
// event, what was done, the changed items) with the time in KST; each demo
// event has its notice. A profile change updates the user's one session;
// a password change goes through a confirmation step and ends the
// session, with a notice saying so.
func TestDemoAccountEvents(t *testing.T) {
	_, base := startTestSite(t, appConfig{})
	c := newClient(t, "en")
	c.get(base + "/auth/kakao/login?next=/profile")
	c.consentSubmit(base, kakaotest.UserSeoyeon, "profile_image", "account_email")
	if status, _, at := c.post(base+"/signup", url.Values{"name": {"서연"}}, true); status != http.StatusOK || at.Path != "/profile" {
		t.Fatalf("signup: %d %s", status, at)
	}
	_, body, _ := c.get(base + "/account")
	wantContains(t, "account", body, "Kakao account status changes", `id="kakao-events-none"`, `id="demo-event"`,
		`>Send “profile changed”</button>`, `id="demo-credential" class="button danger-outline" href="/confirm?action=demo-credential-change"`)
	if strings.Contains(body, `value="password"`) {
		t.Error("the password change is sent without its confirmation step")
	}

	status, body, at := c.post(base+"/account/demo-event", url.Values{"event": {"profile"}}, true)
	if status != http.StatusOK || at.Path != "/account" {
		t.Fatalf("profile event: %d %s", status, at)
	}
	wantContains(t, "account after a profile change", body, `id="kakao-events" class="fields events"`,
		`<tr data-event="profile-changed"><th scope="row">Profile changed</th>`, "Applied to 1 login",
		"Changed: Nickname <span class=\"anywhere\">‘새 닉네임’</span>")
	if !regexp.MustCompile(`<td class="event-at"><span class="nowrap">\d{4}-\d\d-\d\d \d\d:\d\d KST</span></td>`).MatchString(body) {
		t.Errorf("the event's time is not in the site's KST format:\n%.4000s", body)
	}
	for _, code := range []string{"profile_updated", "UTC", "nickname=", ">profile-changed<"} {
		if strings.Contains(body, code) {
			t.Errorf("the events show %q", code)
		}
	}
	wantNotice(t, c, base, "profile event", body, "The fake Kakao sent a “Profile changed” event; the list below shows what was done.")

	c.get(base + "/account")
	c.post(base+"/account/demo-event", url.Values{"event": {"enabled"}}, true)
	ko := &client{t: t, hc: c.hc, lang: "ko"}
	_, body, _ = ko.get(base + "/account")
	if i, j := strings.Index(body, `data-event="account-enabled"`), strings.Index(body, `data-event="profile-changed"`); i < 0 || j < 0 || i > j {
		t.Errorf("events not listed newest first:\n%.3000s", body)
	}
	wantContains(t, "account in Korean", body, "<th scope=\"row\">카카오계정 이용 재개</th>", "조치 없음",
		"<th scope=\"row\">프로필 변경</th>", "로그인 1개에 반영", "바뀐 항목: 닉네임", "받은 시각",
		">‘프로필 변경’ 보내기</button>", ">‘카카오계정 이용 재개’ 보내기</button>", ">‘비밀번호 변경’ 보내기…</a>")

	_, body, _ = ko.get(base + "/confirm?action=demo-credential-change")
	wantContains(t, "the password change's confirmation", body, `action="/account/demo-event"`, `name="event" value="password"`,
		`class="danger"`, `id="confirm-cancel"`, "‘비밀번호 변경’ 이벤트를 보낼까요?", "이 브라우저에서도 로그아웃됩니다")
	status, body, at = ko.post(base+"/account/demo-event", url.Values{"event": {"password"}}, true)
	if status != http.StatusOK || at.Path != "/" || strings.Contains(body, `id="whoami"`) {
		t.Fatalf("after a password change: %d %s, still logged in", status, at)
	}
	wantNotice(t, ko, base, "password change", body, "카카오에서 비밀번호가 바뀌었다는 이벤트를 받아, 보안을 위해 이 계정의 모든 기기 로그인을 끝냈습니다. 다시 로그인하세요.")
	if _, body, _ := ko.get(base + "/account"); strings.Contains(body, `id="whoami"`) {
		t.Error("logged in again after the notice")
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
