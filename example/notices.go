package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
)

// Notices: one line after every action, kept in the session as a flash
// message (the host's own value, with scs's API) and shown once on the next
// page, announced to screen readers. A flash is set only by the site
// itself after the action happened, so unlike a query flag no link can
// forge one.
//
// A flash is a catalog key, or "key|arg,arg" where the args are consent
// items, service terms or account status change events, named on the page
// by their titles.

// flashKey is the session value (and, once popped, the gin.Context key)
// holding the flash to show once on the next page.
const flashKey = "flash"

// loginNextKey is the session value holding where the login under way was
// going, so that the "try again" of a failed login (whose flow is used up)
// goes there too.
const loginNextKey = "login_next"

// setFlash keeps a notice in the session for the next page.
func (a *app) setFlash(c *gin.Context, key string, args ...string) {
	v := key
	if len(args) > 0 {
		v += "|" + strings.Join(args, ",")
	}
	a.sm.Put(c.Request.Context(), flashKey, v)
}

// popFlash takes the flash set by an earlier request, if any, for render;
// it is read once. Pages call it only when they will show it.
func (a *app) popFlash(c *gin.Context) {
	if v := a.sm.PopString(c.Request.Context(), flashKey); v != "" {
		c.Set(flashKey, v)
	}
}

// noticeText is the flash v in words of lang.
func noticeText(lang, v string) string {
	key, args, _ := strings.Cut(v, "|")
	text := tr(lang, key)
	if args == "" {
		return text
	}
	var names []string
	for _, a := range strings.Split(args, ",") {
		if strings.HasPrefix(key, "notice.term") {
			names = append(names, termTitle(lang, a))
		} else if strings.HasPrefix(key, "notice.demo_event") {
			names = append(names, eventTitle(lang, a, ""))
		} else if !hiddenItems[a] {
			names = append(names, itemTitle(lang, a))
		}
	}
	return strings.ReplaceAll(text, "{items}", strings.Join(names, ", "))
}

// libraryNotices sets the notice of each of the library's routes (mounted
// at /auth/kakao) that succeeded. The library answers a success with a
// redirect and a failure with its error page, so the notice is chosen when
// the redirect is about to be written, before the session is saved; the
// flags the library adds to some redirects (kakao_consent, kakao_linked,
// kakao_unlinked, kakao_disconnected) become notices and are dropped from
// the address.
func (a *app) libraryNotices(c *gin.Context) {
	before, wasIn := kakaogin.CurrentUser(c)
	route := strings.TrimPrefix(c.Request.URL.Path, "/auth/kakao/")
	w := &noticeWriter{ResponseWriter: c.Writer}
	w.decide = func(loc *url.URL) string {
		q := loc.Query()
		post := c.Request.Method == http.MethodPost
		switch {
		case post && route == "logout":
			if !wasIn {
				return ""
			}
			switch mode := c.PostForm("mode"); mode {
			case kakaogin.LogoutKakao, kakaogin.LogoutAccount:
				return "notice.logout_" + mode
			}
			return "notice.logout_service"
		case post && route == "logout/everywhere":
			return "notice.everywhere"
		case post && route == "unlink" && q.Get("kakao_unlinked") != "":
			return "flash.unlinked"
		case post && route == "disconnect" && q.Get("kakao_disconnected") != "":
			return "flash.disconnected"
		case post && route == "consent/revoke":
			return "notice.item_withdrawn|" + strings.Join(formList(c, "scope"), ",")
		case post && route == "terms/revoke":
			return "notice.term_withdrawn|" + strings.Join(formList(c, "tags"), ",")
		case route == "login" && c.Request.Method == http.MethodGet:
			if next := sitePath(c.Query("next"), ""); next != "" {
				a.sm.Put(c.Request.Context(), loginNextKey, next)
			}
			return ""
		case route != "callback" || loc.IsAbs():
			return ""
		case q.Get("kakao_consent") == "cancelled":
			return "notice.consent_cancelled"
		case q.Get("kakao_linked") != "":
			return "flash.linked"
		case loc.Path == "/signup" || loc.Path == "/link":
			return "" // a pending login: its page says what to do
		}
		after, isIn := kakaogin.CurrentUser(c)
		switch {
		case !isIn:
			return ""
		case !wasIn || before.KakaoID != after.KakaoID:
			return "notice.logged_in_kakao"
		}
		var added []string
		for _, s := range after.Scopes {
			if !slices.Contains(before.Scopes, s) && !hiddenItems[s] {
				added = append(added, s)
			}
		}
		if len(added) == 0 {
			return "notice.consent_nothing"
		}
		return "notice.consent_granted|" + strings.Join(added, ",")
	}
	w.app, w.c = a, c
	c.Writer = w
	c.Next()
	c.Writer = w.ResponseWriter
}

// formList is a POST list field as the library reads it: repeated,
// comma-separated, or both.
func formList(c *gin.Context, name string) []string {
	var out []string
	for _, v := range c.PostFormArray(name) {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// libraryFlags are the query flags the library adds to some redirects; the
// notices say the same, so the site drops them from the address.
var libraryFlags = []string{"kakao_consent", "kakao_linked", "kakao_unlinked", "kakao_disconnected"}

// dropFlags removes the library's flags from loc and reports whether it
// had any.
func dropFlags(loc *url.URL) bool {
	q := loc.Query()
	had := false
	for _, f := range libraryFlags {
		if q.Has(f) {
			q.Del(f)
			had = true
		}
	}
	if had {
		loc.RawQuery = q.Encode()
	}
	return had
}

// noticeWriter sees the status of a library route's answer before it is
// written: for a redirect, it asks decide for the notice (which may also
// rewrite the address) and keeps it in the session.
type noticeWriter struct {
	gin.ResponseWriter
	app    *app
	c      *gin.Context
	decide func(loc *url.URL) string
	seen   bool
}

// WriteHeader sets the notice of a redirect, then writes the status (and
// with it the session).
func (w *noticeWriter) WriteHeader(code int) {
	if !w.seen && (code == http.StatusSeeOther || code == http.StatusFound) {
		w.seen = true
		h := w.Header()
		if loc, err := url.Parse(h.Get("Location")); err == nil {
			if key := w.decide(loc); key != "" && !strings.HasSuffix(key, "|") {
				w.app.sm.Put(w.c.Request.Context(), flashKey, key)
			}
			if !loc.IsAbs() && dropFlags(loc) {
				h.Set("Location", loc.String())
			}
		}
	}
	if code > 0 {
		w.seen = true
	}
	w.ResponseWriter.WriteHeader(code)
}
