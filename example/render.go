package main

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/language"

	"github.com/kakaologin/kakaologin/kakaogin"
)

//go:embed templates/*.html static/*
var embedded embed.FS

var pageNames = []string{"home", "profile", "consent", "account", "confirm", "link", "signup", "logout", "needkakao", "terms", "error"}

// parsePages parses every page once per language; {{t "key"}} is the
// catalog lookup of that language.
func parsePages() (map[string]map[string]*template.Template, error) {
	out := map[string]map[string]*template.Template{}
	for _, lang := range []string{"ko", "en"} {
		funcs := template.FuncMap{
			"t":        func(key string) string { return tr(lang, key) },
			"item":     func(id string) string { return itemTitle(lang, id) },
			"term":     func(tag string) string { return termTitle(lang, tag) },
			"navLinks": navLinks,
		}
		out[lang] = map[string]*template.Template{}
		for _, p := range pageNames {
			t, err := template.New(p).Funcs(funcs).ParseFS(embedded, "templates/layout.html", "templates/"+p+".html")
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", p, err)
			}
			out[lang][p] = t
		}
	}
	return out, nil
}

// navLink is one link of the navigation of logged-in visitors.
type navLink struct{ Href, Key string }

// navLinks are the navigation's links; the current page's is marked.
func navLinks() []navLink {
	return []navLink{{"/profile", "nav.profile"}, {"/consent", "nav.consent"}, {"/account", "nav.account"}, {"/logout", "nav.logout"}}
}

// view is what every page template receives; D is the page's own data.
type view struct {
	Lang     string
	Demo     bool
	Who      string // "" when nobody is logged in
	LoggedIn bool
	Kakao    bool // logged in with Kakao (not only with a password)
	Path     string
	CSRF     template.HTML
	Flash    string // a one-line notice, in words
	Error    string // catalog key of a form error
	D        any
}

// render writes page with data d; errKey, when not "", is a form error.
// A flash is shown when the handler popped one (popFlash).
func (a *app) render(c *gin.Context, status int, page, errKey string, d any) {
	v := view{Lang: pageLang(c.Request), Demo: a.demo, CSRF: kakaogin.CSRFInput(c), Error: errKey, D: d, Path: c.Request.URL.Path}
	who := a.viewer(c)
	v.Who, v.LoggedIn, v.Kakao = who.label(), who.loggedIn(), who.Kakao != nil
	if f := c.GetString(flashKey); f != "" {
		v.Flash = noticeText(v.Lang, f)
	}
	var buf bytes.Buffer
	if err := a.pages[v.Lang][page].ExecuteTemplate(&buf, "layout", v); err != nil {
		a.log.ErrorContext(c.Request.Context(), "render", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorPage renders the library's error pages (and the site's own) in the
// site's layout and language.
func (a *app) errorPage(c *gin.Context, p kakaogin.ErrorPage) {
	a.pageHeaders(c) // replaces the library's stricter CSP: our page loads /static
	p.Title, p.Message = kakaogin.Message(p.Code, kakaogin.Lang(pageLang(c.Request)))
	if p.RetryURL == "/auth/kakao/login" {
		if next := sitePath(a.sm.GetString(c.Request.Context(), loginNextKey), ""); next != "" {
			p.RetryURL += "?next=" + url.QueryEscape(next)
		}
	}
	a.render(c, p.Status, "error", "", p)
}

// fail answers a site handler's error with the library's generic page for
// code; cause goes to the log only.
func (a *app) fail(c *gin.Context, status int, code kakaogin.ErrorCode, cause error) {
	if cause != nil {
		a.log.ErrorContext(c.Request.Context(), "request failed", "path", c.Request.URL.Path, "code", string(code), "err", cause)
	}
	a.errorPage(c, kakaogin.ErrorPage{Status: status, Code: code, RetryURL: "/"})
	c.Abort()
}

// notFound is the site's 404 page: no "try again" (the same address would
// fail again), only the way home.
func (a *app) notFound(c *gin.Context) {
	a.render(c, http.StatusNotFound, "error", "", kakaogin.ErrorPage{
		Status: http.StatusNotFound, Title: tr(pageLang(c.Request), "notfound.title"),
		Message: tr(pageLang(c.Request), "notfound.text"),
	})
}

// pageLang is "en" or "ko": the lang cookie set by the toggle, else
// Accept-Language, else Korean (the library reads the same cookie).
func pageLang(r *http.Request) string {
	if ck, err := r.Cookie("lang"); err == nil && (ck.Value == "ko" || ck.Value == "en") {
		return ck.Value
	}
	h := r.Header.Get("Accept-Language")
	if h == "" || len(h) > 256 {
		return "ko"
	}
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil {
		return "ko"
	}
	for _, t := range tags {
		switch b, _ := t.Base(); strings.ToLower(b.String()) {
		case "ko":
			return "ko"
		case "en":
			return "en"
		}
	}
	return "ko"
}
