package main

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// The confirmation step of every destructive action: GET /confirm?action=…
// says what will happen and holds the POST form (with the CSRF token) that
// does it, so it works without JavaScript. The forms post to the library's
// routes, or to the site's own for a password login.

// hidden is one hidden field of a confirmation form.
type hidden struct{ Name, Value string }

// confirmation is what the confirmation page shows and posts.
type confirmation struct {
	Name    string // the action, also the page's data-action
	Heading string
	Text    string
	Submit  string
	Action  string // where the form posts
	Hidden  []hidden
	Cancel  string // where "cancel" leads
}

// confirmPage is GET /confirm?action=withdraw-item&item=…,
// withdraw-term&item=…, disconnect, logout-everywhere, delete or (demo
// mode) demo-credential-change.
func (a *app) confirmPage(c *gin.Context) {
	v := a.viewer(c)
	if !v.loggedIn() {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	cf, ok := a.confirmationOf(c, v, c.Query("action"), c.Query("item"))
	if !ok {
		a.notFound(c)
		return
	}
	a.render(c, http.StatusOK, "confirm", "", cf)
}

// deleteConfirm is GET /account/delete, the confirmation of deleting the
// account (the account page's link).
func (a *app) deleteConfirm(c *gin.Context) {
	c.Request.URL.RawQuery = "action=delete"
	a.confirmPage(c)
}

// confirmationOf builds the confirmation of action for the viewer; ok is
// false for an unknown action or item, or one this viewer cannot do.
func (a *app) confirmationOf(c *gin.Context, v viewer, action, item string) (confirmation, bool) {
	lang := pageLang(c.Request)
	cf := confirmation{Name: action, Cancel: "/account"}
	text := func(key, name string) string { return strings.ReplaceAll(tr(lang, key), "{item}", name) }
	switch action {
	case "withdraw-item":
		if v.Kakao == nil || !a.askable[item] && itemTitles[item] == [2]string{} {
			return cf, false
		}
		name := itemTitle(lang, item)
		cf.Heading, cf.Text, cf.Submit = text("confirm.item_heading", name), text("confirm.item_text", name), tr(lang, "confirm.withdraw")
		cf.Action, cf.Cancel = "/auth/kakao/consent/revoke", "/consent"
		cf.Hidden = []hidden{{"scope", item}, {"next", "/consent"}}
	case "withdraw-term":
		if v.Kakao == nil || termTitles[item] == [2]string{} {
			return cf, false
		}
		name := termTitle(lang, item)
		cf.Heading, cf.Text, cf.Submit = text("confirm.term_heading", name), text("confirm.term_text", name), tr(lang, "confirm.withdraw")
		cf.Action, cf.Cancel = "/auth/kakao/terms/revoke", "/consent"
		cf.Hidden = []hidden{{"tags", item}, {"next", "/consent"}}
	case "disconnect":
		if v.Kakao == nil || v.Site == nil || !v.Site.HasPassword {
			return cf, false
		}
		cf.Heading, cf.Text, cf.Submit = tr(lang, "confirm.disconnect_heading"), tr(lang, "confirm.disconnect_text"), tr(lang, "account.disconnect")
		cf.Action = "/auth/kakao/disconnect"
	case "logout-everywhere":
		cf.Heading, cf.Text, cf.Submit = tr(lang, "confirm.everywhere_heading"), tr(lang, "confirm.everywhere_text"), tr(lang, "account.everywhere")
		cf.Action = "/account/logout-everywhere"
		if v.Kakao != nil {
			cf.Action = "/auth/kakao/logout/everywhere"
		}
	case "delete":
		cf.Heading, cf.Submit = tr(lang, "delete.heading"), tr(lang, "delete.submit")
		cf.Text, cf.Action = tr(lang, "delete.text"), "/auth/kakao/unlink"
		if v.Kakao == nil {
			cf.Text, cf.Action = tr(lang, "delete.text_"+a.siteKind(c, v)), "/account/delete"
		}
	case "demo-credential-change":
		if !a.demo || v.Kakao == nil {
			return cf, false
		}
		cf.Heading, cf.Text, cf.Submit = tr(lang, "confirm.demo_credential_heading"), tr(lang, "confirm.demo_credential_text"), tr(lang, "confirm.demo_credential_submit")
		cf.Action = "/account/demo-event"
		cf.Hidden = []hidden{{"event", "password"}}
	default:
		return cf, false
	}
	return cf, true
}
