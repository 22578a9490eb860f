package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
)

// The site's own password login is a signed cookie, separate from the
// Kakao session: "site_user" = id.epoch.expiry.mac, HMAC-SHA256 under the
// site key. The epoch (bumped by "log out everywhere") and the user's
// existence are checked on every request.
const (
	siteCookie     = "site_user"
	siteCookieLife = 12 * time.Hour
)

func (a *app) siteMAC(payload string) string {
	m := hmac.New(sha256.New, a.sec.SiteKey)
	m.Write([]byte("site_user v1|" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (a *app) setSiteCookie(c *gin.Context, u siteUser) {
	exp := time.Now().Add(siteCookieLife).Unix()
	payload := fmt.Sprintf("%s.%d.%d", u.ID, u.Epoch, exp)
	http.SetCookie(c.Writer, &http.Cookie{
		Name: siteCookie, Value: payload + "." + a.siteMAC(payload), Path: "/",
		MaxAge: int(siteCookieLife / time.Second), HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (a *app) clearSiteCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: siteCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode})
}

var errBadCookie = errors.New("bad site_user cookie")

// parseSiteCookie checks value's MAC and expiry and returns its user ID
// and epoch.
func (a *app) parseSiteCookie(value string, now time.Time) (id string, epoch int64, err error) {
	i := strings.LastIndexByte(value, '.')
	if i < 0 || len(value) > 256 {
		return "", 0, errBadCookie
	}
	payload, mac := value[:i], value[i+1:]
	if !hmac.Equal([]byte(mac), []byte(a.siteMAC(payload))) {
		return "", 0, errBadCookie
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 {
		return "", 0, errBadCookie
	}
	epoch, err1 := strconv.ParseInt(parts[1], 10, 64)
	exp, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || now.Unix() > exp {
		return "", 0, errBadCookie
	}
	return parts[0], epoch, nil
}

// viewer is who is looking at a page: a Kakao login (linked to a site
// user), a site password login, both, or nobody.
type viewer struct {
	Kakao *kakaogin.Identity
	Site  *siteUser
}

func (v viewer) loggedIn() bool { return v.Kakao != nil || v.Site != nil }

func (v viewer) label() string {
	switch {
	case v.Site != nil && v.Site.Name != "":
		return v.Site.Name
	case v.Kakao != nil && v.Kakao.Nickname != "":
		return v.Kakao.Nickname
	case v.Kakao != nil:
		return "Kakao " + strconv.FormatInt(v.Kakao.KakaoID, 10)
	case v.Site != nil:
		return v.Site.Email
	}
	return ""
}

const viewerKey = "example.viewer"

// viewer returns the request's viewer (computed once per request). The
// Kakao login wins when the site cookie names another user.
func (a *app) viewer(c *gin.Context) viewer {
	if v, ok := c.Get(viewerKey); ok {
		return v.(viewer)
	}
	var v viewer
	ctx := c.Request.Context()
	if id, ok := kakaogin.CurrentUser(c); ok {
		v.Kakao = &id
		if id.UserID != "" {
			if u, err := a.users.byID(ctx, id.UserID); err == nil {
				v.Site = &u
			}
		}
	} else if ck, err := c.Cookie(siteCookie); err == nil {
		if id, epoch, err := a.parseSiteCookie(ck, time.Now()); err == nil {
			if u, err := a.users.byID(ctx, id); err == nil && u.Epoch == epoch {
				v.Site = &u
			}
		}
	}
	c.Set(viewerKey, v)
	return v
}
