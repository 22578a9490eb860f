package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// Kakao's account status change webhook, as the account page shows it:
// the last few events the library received for each user. They are kept
// in this instance's memory only (a bounded list, gone on restart); a real
// site would act on them in OnEvent, for example refuse logins of a
// disabled account until it is enabled again.
const (
	eventsPerUser = 5
	eventUsers    = 1000
)

// shownEvent is one received event as the account page lists it.
type shownEvent struct {
	At         time.Time
	Type       string // the type URI's last segment, e.g. "session-revoked"
	Credential string // a credential change's credential_type, e.g. "password"
	Action     string
	Sessions   int
	Profile    map[string]string // changed profile items, with their new values when the event has them
}

// recentEvents holds the last eventsPerUser events of at most eventUsers
// Kakao users; the user seen longest ago is forgotten first.
type recentEvents struct {
	mu    sync.Mutex
	users map[int64][]shownEvent
	order []int64
}

func newRecentEvents() *recentEvents { return &recentEvents{users: map[int64][]shownEvent{}} }

func (r *recentEvents) add(kakaoID int64, e shownEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.users[kakaoID]; !ok {
		if len(r.order) >= eventUsers {
			delete(r.users, r.order[0])
			r.order = r.order[1:]
		}
		r.order = append(r.order, kakaoID)
	}
	list := append([]shownEvent{e}, r.users[kakaoID]...)
	r.users[kakaoID] = list[:min(len(list), eventsPerUser)]
}

// of returns kakaoID's events, newest first.
func (r *recentEvents) of(kakaoID int64) []shownEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]shownEvent(nil), r.users[kakaoID]...)
}

// onSecurityEvent is the library's SecurityEvents.OnEvent: the library has
// already ended the sessions or updated the profile; the site remembers
// the event for the account page.
func (a *app) onSecurityEvent(ctx context.Context, ev kakaogin.SecurityEvent) error {
	typ := string(ev.Type)
	e := shownEvent{At: ev.ReceivedAt, Type: typ[strings.LastIndex(typ, "/")+1:], Action: string(ev.Action),
		Sessions: ev.SessionsChanged}
	if raw, ok := ev.Fields["credential_type"]; ok {
		_ = json.Unmarshal(raw, &e.Credential)
	}
	if len(ev.Profile) > 0 {
		e.Profile = make(map[string]string, len(ev.Profile))
		for name, v := range ev.Profile {
			e.Profile[name] = v
		}
	}
	a.events.add(ev.KakaoID, e)
	a.log.InfoContext(ctx, "account status change", "type", e.Type, "user_id", ev.UserID, "action", e.Action)
	return nil
}

// demoEventOf is the event the demo account page can have the fake Kakao
// send for a form value, made anew for each request.
func demoEventOf(name string) (kakaotest.SecurityEvent, bool) {
	switch name {
	case "profile":
		return kakaotest.SecurityEvent{Type: kakaotest.EventProfileChanged, Fields: map[string]any{"nickname": "새 닉네임"}}, true
	case "enabled":
		return kakaotest.SecurityEvent{Type: kakaotest.EventAccountEnabled}, true
	case "password":
		return kakaotest.SecurityEvent{Type: kakaotest.EventCredentialChange, Fields: map[string]any{"credential_type": "password", "change_type": "update"}}, true
	}
	return kakaotest.SecurityEvent{}, false
}

// demoEventType is the type (the URI's last segment) of the demo event
// of a form value.
func demoEventType(name string) string {
	if ev, ok := demoEventOf(name); ok {
		return ev.Type[strings.LastIndex(ev.Type, "/")+1:]
	}
	return ""
}

// demoEvent is POST /account/demo-event (demo mode): the fake Kakao signs
// an event for the logged-in Kakao user and pushes it to this site's
// receiver, as Kakao would. A notice says what was sent; the password
// change (posted from its confirmation page) ends every login of the user,
// this one included, and its notice says so.
func (a *app) demoEvent(c *gin.Context) {
	v := a.viewer(c)
	name := c.PostForm("event")
	ev, ok := demoEventOf(name)
	if v.Kakao == nil || !ok {
		c.Redirect(http.StatusSeeOther, "/account")
		return
	}
	ctx := c.Request.Context()
	ev.UserID = v.Kakao.KakaoID
	ans, err := a.fake.FireSecurityEvent(ctx, a.public+"/auth/kakao/events", ev)
	if err != nil || ans.Status != http.StatusAccepted {
		a.log.WarnContext(ctx, "demo event not taken", "status", ans.Status, "body", ans.Body, "err", err)
		a.setFlash(c, "notice.demo_event_failed")
		c.Redirect(http.StatusSeeOther, "/account")
		return
	}
	if name == "password" {
		// The library has ended every session of the user; this browser's
		// cookie goes too, and the notice lives in a fresh session.
		if err := a.sm.LogOut(c); err != nil {
			a.log.WarnContext(ctx, "demo event: logout", "err", err)
		}
		a.setFlash(c, "notice.demo_credential")
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	a.setFlash(c, "notice.demo_event", demoEventType(name))
	c.Redirect(http.StatusSeeOther, "/account")
}

// eventRow is one event in words, as the account page's table shows it.
type eventRow struct {
	Type    string // the type code, for data-event
	Title   string
	At      string
	Action  string
	Changes []eventChange
}

// eventChange is one changed profile item of a profile-changed event.
type eventChange struct{ Name, Value string }

// eventRows are the events in words of lang.
func eventRows(lang string, evs []shownEvent) []eventRow {
	out := make([]eventRow, 0, len(evs))
	for _, e := range evs {
		r := eventRow{Type: e.Type, Title: eventTitle(lang, e.Type, e.Credential), At: kstTime(e.At),
			Action: eventActionWords(lang, e.Action, e.Sessions)}
		names := make([]string, 0, len(e.Profile))
		for n := range e.Profile {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			r.Changes = append(r.Changes, eventChange{Name: profileItemName(lang, n), Value: e.Profile[n]})
		}
		out = append(out, r)
	}
	return out
}

// eventTitle is an event type (the URI's last segment) in words; a
// credential change says which credential when the event does. A type the
// site does not know is shown with its code.
func eventTitle(lang, typ, credential string) string {
	var v [2]string
	switch typ {
	case "user-linked":
		v = [2]string{"앱 연결", "App connected"}
	case "user-unlinked":
		v = [2]string{"앱 연결 끊김", "App disconnected"}
	case "token-revoked":
		v = [2]string{"토큰 만료", "Tokens revoked"}
	case "session-revoked", "sessions-revoked":
		v = [2]string{"카카오 로그인 종료", "Kakao logins ended"}
	case "credential-change":
		v = [2]string{"인증 정보 변경", "Credential changed"}
		if credential == "password" {
			v = [2]string{"비밀번호 변경", "Password changed"}
		}
	case "account-disabled":
		v = [2]string{"카카오계정 이용 정지", "Kakao Account disabled"}
	case "account-enabled":
		v = [2]string{"카카오계정 이용 재개", "Kakao Account enabled again"}
	case "account-purged":
		v = [2]string{"카카오계정 삭제", "Kakao Account deleted"}
	case "account-credential-change-required":
		v = [2]string{"비밀번호 변경 필요", "Credential change required"}
	case "profile-changed":
		v = [2]string{"프로필 변경", "Profile changed"}
	default:
		return pick(lang, [2]string{"기타 이벤트", "Other event"}) + " (" + typ + ")"
	}
	return pick(lang, v)
}

// eventActionWords is what the library did about an event, in words.
func eventActionWords(lang, action string, sessions int) string {
	switch action {
	case string(kakaogin.ActionUserLeft):
		return pick(lang, [2]string{"탈퇴로 처리하고 모든 로그인을 끝냄", "Handled as leaving: every login ended"})
	case string(kakaogin.ActionAlreadyLeft):
		return pick(lang, [2]string{"이미 탈퇴로 처리됨", "Already handled as leaving"})
	case string(kakaogin.ActionSessionsEnded):
		return pick(lang, [2]string{fmt.Sprintf("모든 로그인을 끝냄 (%d개)", sessions), fmt.Sprintf("Ended every login (%d)", sessions)})
	case string(kakaogin.ActionProfileUpdated):
		if lang == "en" && sessions == 1 {
			return "Applied to 1 login"
		}
		return pick(lang, [2]string{fmt.Sprintf("로그인 %d개에 반영", sessions), fmt.Sprintf("Applied to %d logins", sessions)})
	case string(kakaogin.ActionNone):
		return pick(lang, [2]string{"조치 없음", "No action needed"})
	}
	return action
}

// profileItemName is a changed profile item's name in words: the profile
// page's name of the field, else the name Kakao sent.
func profileItemName(lang, name string) string {
	if _, ok := catalog["field."+name]; ok {
		return tr(lang, "field."+name)
	}
	return name
}
