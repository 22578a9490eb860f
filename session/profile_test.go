package session

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/store/storetest"
)

// profileEnv is an env whose /profile shows the login's nickname and
// image, and whose /put stores a host value.
func profileEnv(t *testing.T) *env {
	e := newEnv(t)
	e.r.GET("/profile", func(c *gin.Context) {
		l, ok := e.m.Current(c)
		if !ok {
			c.String(http.StatusUnauthorized, "anonymous")
			return
		}
		c.String(http.StatusOK, "%s|%s|%s", l.Nickname, l.ImageURL, e.m.GetString(c.Request.Context(), "cart"))
	})
	e.r.POST("/put", func(c *gin.Context) { e.m.Put(c.Request.Context(), "cart", "3 apples") })
	return e
}

func (e *env) profile(cookie string) string {
	e.t.Helper()
	return body(e.do(http.MethodGet, "/profile", cookie))
}

func ptr(s string) *string { return &s }

// TestUpdateProfile: issue 15's profile change reaches the login of every
// live session of the Kakao user, and nothing else changes: not the
// deadlines, the tokens, the host values, or another user's sessions.
func TestUpdateProfile(t *testing.T) {
	e := profileEnv(t)
	a, b := e.login(), e.login()
	e.do(http.MethodPost, "/put", a)
	id := typicalLogin().KakaoID
	ended := e.login()
	e.do(http.MethodPost, "/logout", ended)
	beforeA, _ := e.stored(a)

	cases := []struct {
		name string
		p    ProfileChange
		n    int
		want string
	}{
		{"nothing to change", ProfileChange{}, 0, "라이언|" + typicalLogin().ImageURL},
		{"nickname", ProfileChange{Nickname: ptr("새 라이언")}, 2, "새 라이언|" + typicalLogin().ImageURL},
		{"same nickname again", ProfileChange{Nickname: ptr("새 라이언")}, 0, "새 라이언|" + typicalLogin().ImageURL},
		{"both", ProfileChange{Nickname: ptr("춘식"), ImageURL: ptr("https://k.kakaocdn.net/dn/x/img_110x110.jpg")}, 2,
			"춘식|https://k.kakaocdn.net/dn/x/img_110x110.jpg"},
	}
	for _, tc := range cases {
		n, err := e.m.UpdateProfile(context.Background(), id, tc.p)
		if err != nil || n != tc.n {
			t.Errorf("%s: UpdateProfile = %d, %v; want %d", tc.name, n, err, tc.n)
		}
		if got := e.profile(a); got != tc.want+"|3 apples" {
			t.Errorf("%s: session a shows %q", tc.name, got)
		}
		if got := e.profile(b); got != tc.want+"|" {
			t.Errorf("%s: session b shows %q", tc.name, got)
		}
	}
	if n, err := e.m.UpdateProfile(context.Background(), id+1, ProfileChange{Nickname: ptr("x")}); err != nil || n != 0 {
		t.Errorf("another user: %d, %v", n, err)
	}
	if got := e.profile(ended); got != "anonymous" {
		t.Errorf("the ended session came back: %q", got)
	}
	afterA, _ := e.stored(a)
	ra, _ := scanRecord(beforeA)
	rb, _ := scanRecord(afterA)
	if ra.deadline != rb.deadline || !bytes.Equal(ra.sid, rb.sid) {
		t.Error("the session's deadline or ID changed")
	}
	c := e.do(http.MethodGet, "/profile", a)
	if c.StatusCode != http.StatusOK {
		t.Fatal("session a lost")
	}
}

// TestUpdateProfileExpired: an expired session is not written again.
func TestUpdateProfileExpired(t *testing.T) {
	e := profileEnv(t)
	a := e.login()
	e.clock.Advance(25 * time.Hour) // past the idle timeout and lifetime
	n, err := e.m.UpdateProfile(context.Background(), typicalLogin().KakaoID, ProfileChange{Nickname: ptr("x")})
	if err != nil || n != 0 {
		t.Fatalf("UpdateProfile = %d, %v", n, err)
	}
	if got := e.profile(a); got != "anonymous" {
		t.Errorf("expired session shows %q", got)
	}
}

// TestUpdateProfileStore: a store failure is returned, and the session
// keeps its values.
func TestUpdateProfileStore(t *testing.T) {
	e := profileEnv(t)
	a := e.login()
	id := typicalLogin().KakaoID
	e.faulty.Set(storetest.CompareAndSwap, storetest.Fault{Err: unavailable()})
	if _, err := e.m.UpdateProfile(context.Background(), id, ProfileChange{Nickname: ptr("x")}); err == nil {
		t.Fatal("store failure not returned")
	}
	e.faulty.Clear()
	e.faulty.Set(storetest.UserSessions, storetest.Fault{Err: unavailable()})
	if _, err := e.m.UpdateProfile(context.Background(), id, ProfileChange{Nickname: ptr("x")}); err == nil {
		t.Fatal("store failure not returned")
	}
	e.faulty.Clear()
	if got := e.profile(a); got != "라이언|"+typicalLogin().ImageURL+"|" {
		t.Errorf("a failed update changed the session: %q", got)
	}
}
