package kakaogin

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/internal/negotiate"
	"github.com/kakaologin/kakaologin/session"
)

//go:embed templates/error.html
var templateFS embed.FS

// ErrorPage is what an error answer shows. A host that renders its own
// error pages (Config.ErrorPage) receives it; every field is safe to show.
type ErrorPage struct {
	Status   int
	Code     ErrorCode
	Lang     Lang
	Title    string
	Message  string
	RetryURL string // where "try again" leads, a same-site path; may be empty
	// Nonce is a fresh CSP nonce allowed for <style> and <script> elements
	// of the page.
	Nonce string
}

// errorRenderer answers requests with an *Error: JSON or HTML by Accept,
// Korean or English by Accept-Language, security headers set, the cause
// logged (never shown).
type errorRenderer struct {
	tmpl   *template.Template
	custom func(c *gin.Context, p ErrorPage) // host override; nil for ours
	log    *slog.Logger
}

func newErrorRenderer(custom func(*gin.Context, ErrorPage), log *slog.Logger) (*errorRenderer, error) {
	t, err := template.ParseFS(templateFS, "templates/error.html")
	if err != nil {
		return nil, err
	}
	return &errorRenderer{tmpl: t, custom: custom, log: log}, nil
}

// render answers c with e and aborts the handler chain.
func (r *errorRenderer) render(c *gin.Context, e *Error, retryURL string) {
	r.logError(c.Request.Context(), c.Request, e)
	if c.Writer.Written() {
		c.Abort()
		return
	}
	lang := requestLang(c.Request)
	title, msg := Message(e.Code, lang)
	p := ErrorPage{
		Status: e.Status, Code: e.Code, Lang: lang, Title: title, Message: msg,
		RetryURL: retryURL, Nonce: cspNonce(),
	}
	if negotiate.WantsJSON(c.Request) {
		r.writeJSON(c, e, retryURL)
		return
	}
	if m := session.Of(c); m != nil && m.IsBearer(c) {
		r.writeJSON(c, e, "") // an app: JSON, and no browser page to retry
		return
	}
	setPageHeaders(c.Writer.Header(), p.Nonce)
	if r.custom != nil {
		r.custom(c, p)
		c.Abort()
		return
	}
	c.Status(e.Status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := r.tmpl.Execute(c.Writer, p); err != nil {
		r.log.ErrorContext(c.Request.Context(), "kakaogin: render error page", "err", err)
	}
	c.Abort()
}

// renderJSON answers c with e as JSON, whatever the request accepts, and
// aborts the handler chain: the answer of API clients' routes.
func (r *errorRenderer) renderJSON(c *gin.Context, e *Error, retryURL string) {
	r.logError(c.Request.Context(), c.Request, e)
	if c.Writer.Written() {
		c.Abort()
		return
	}
	r.writeJSON(c, e, retryURL)
}

// writeJSON writes the JSON error answer.
func (r *errorRenderer) writeJSON(c *gin.Context, e *Error, retryURL string) {
	_, msg := Message(e.Code, requestLang(c.Request))
	setPageHeaders(c.Writer.Header(), "")
	body := gin.H{"error": string(e.Code), "message": msg}
	if retryURL != "" {
		body["retry_url"] = retryURL
	}
	c.AbortWithStatusJSON(e.Status, body)
}

// logError logs e for the operator: the code, the cause (which carries no
// secrets: kakaoapi errors leave out bodies and tokens), and a console hint
// when Kakao's answer names one.
func (r *errorRenderer) logError(ctx context.Context, req *http.Request, e *Error) {
	level := slog.LevelWarn
	if e.Status >= 500 {
		level = slog.LevelError
	}
	attrs := []any{"code", string(e.Code), "status", e.Status, "path", req.URL.Path}
	if e.Err != nil {
		attrs = append(attrs, "err", e.Err.Error())
		if hint := operatorHint(e.Err); hint != "" {
			attrs = append(attrs, "hint", hint)
		}
	}
	r.log.Log(ctx, level, "kakaogin: request failed", attrs...)
}

// setPageHeaders sets the headers every library page carries: never cached
// (it may set or clear a cookie), no referrer, no framing, no sniffing.
func setPageHeaders(h http.Header, nonce string) {
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	csp := "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	if nonce != "" {
		csp += "; style-src 'nonce-" + nonce + "'"
	}
	h.Set("Content-Security-Policy", csp)
}

func cspNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}
