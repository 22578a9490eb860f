package main

import (
	"context"
	"net/http"
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
	At       time.Time
	Type     string // the type URI's last segment, e.g. "session-revoked"
	Action   string
	Sessions int
	Profile  string // changed profile items, "nickname=…, email"
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
	var items []string
	for name, v := range ev.Profile {
		if v != "" {
			name += "=" + v
		}
		items = append(items, name)
	}
	e.Profile = strings.Join(items, ", ")
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

// demoEvent is POST /account/demo-event (demo mode): the fake Kakao signs
// an event for the logged-in Kakao user and pushes it to this site's
// receiver, as Kakao would.
func (a *app) demoEvent(c *gin.Context) {
	v := a.viewer(c)
	ev, ok := demoEventOf(c.PostForm("event"))
	if v.Kakao == nil || !ok {
		c.Redirect(http.StatusSeeOther, "/account")
		return
	}
	ev.UserID = v.Kakao.KakaoID
	ans, err := a.fake.FireSecurityEvent(c.Request.Context(), a.public+"/auth/kakao/events", ev)
	if err != nil || ans.Status != http.StatusAccepted {
		a.log.WarnContext(c.Request.Context(), "demo event not taken", "status", ans.Status, "body", ans.Body, "err", err)
	}
	c.Redirect(http.StatusSeeOther, "/account")
}
