package main

// Page checks of the browser test: every page in both languages, at a
// desktop width and at a phone's 390×844, is checked by axe-core (no
// violation of impact "serious" or "critical"), and at the phone's width
// for horizontal overflow and tap targets smaller than 44 px; a screenshot
// of each phone-width page is saved.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"
)

// Viewports of the page checks.
const (
	desktopWidth, desktopHeight = 1280, 900
	phoneWidth, phoneHeight     = 390, 844
	// minTap is the smallest height of a button, button-like link or form
	// control at the phone's width (WCAG 2.5.5's 44 px, less rounding).
	minTap = 43.5
)

// axePath is axe-core's browser bundle, installed by
// `npm ci --prefix testdata/axe` (.ci/run does it).
var axePath = filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js")

// loadAxe reads axe-core's bundle; without it the page checks skip axe
// with a message saying how to install it, except under CI=true, where it
// is a failure.
func loadAxe(b *tab) string {
	b.t.Helper()
	src, err := os.ReadFile(axePath)
	if err == nil {
		return string(src)
	}
	msg := fmt.Sprintf("axe-core not found at %s (%v); install it with: npm ci --prefix example/testdata/axe", axePath, err)
	if os.Getenv("CI") == "true" {
		b.t.Fatal(msg + " — CI=true, so this is a failure")
	}
	b.t.Log("accessibility check skipped: " + msg)
	return ""
}

// setViewport sizes the page: a phone (mobile emulation, portrait) or the
// desktop window.
func (b *tab) setViewport(phone bool) {
	b.t.Helper()
	if phone {
		b.do("phone viewport", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile, chromedp.EmulatePortrait))
		return
	}
	b.do("desktop viewport", chromedp.EmulateViewport(desktopWidth, desktopHeight))
}

// axeViolation is one failed axe-core rule with the elements that fail it.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRun runs axe-core on the page (injected once per page) and returns
// its serious and critical violations.
func (b *tab) axeRun(src string) []axeViolation {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		b.fatalf("looking for axe-core: %v", err)
	}
	if !loaded { // once per page: the source is half a megabyte
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			b.fatalf("injecting axe-core: %v", err)
		}
	}
	const run = `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => n.target.join(" ") + " :: " + n.html.slice(0, 160))}))))`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fatalf("running axe-core: %v", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.fatalf("axe-core's answer: %v", err)
	}
	return vs
}

// overflowJS lists what sticks out to the right of the viewport, when the
// page scrolls sideways.
const overflowJS = `(() => {
	const de = document.documentElement, w = de.clientWidth;
	if (de.scrollWidth <= w) return "";
	const out = [];
	for (const e of document.body.querySelectorAll("*")) {
		const r = e.getBoundingClientRect();
		if (r.right > w + 1 && r.width > 0) out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") + " right=" + Math.round(r.right));
		if (out.length >= 8) break;
	}
	return "scrollWidth " + de.scrollWidth + " > clientWidth " + w + ": " + out.join(", ");
})()`

// smallTapsJS lists visible buttons, button-like links, navigation links
// and form controls shorter than minTap.
const smallTapsJS = `(() => {
	const out = [];
	for (const e of document.querySelectorAll("button, a.button, .kakao-btn, nav a, input:not([type=hidden]), select, summary")) {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || e.closest(".visually-hidden")) continue;
		if (r.height < %v) out.push((e.id ? "#" + e.id : e.tagName.toLowerCase()) + " “" + (e.innerText || e.value || "").trim().slice(0, 30) + "” " + Math.round(r.height) + "px");
	}
	return out.join("; ");
})()`

// audit checks the loaded page at both widths: axe-core (when src is not
// ""), and at the phone's width no horizontal overflow and no small tap
// target; it saves a phone-width screenshot named name unless name is "".
// The desktop viewport is restored.
func (b *tab) audit(name, src string) {
	b.t.Helper()
	defer b.setViewport(false)
	for _, phone := range []bool{false, true} {
		b.setViewport(phone)
		where := map[bool]string{false: "desktop", true: "390px"}[phone]
		if phone {
			if s := b.eval(overflowJS); s != "" {
				b.fatalf("%s at %s: the page scrolls sideways: %s", name, where, s)
			}
			if s := b.eval(fmt.Sprintf(smallTapsJS, minTap)); s != "" {
				b.fatalf("%s at %s: tap targets under 44px: %s", name, where, s)
			}
			if name != "" {
				b.shot("phone-" + name)
			}
		}
		if src == "" {
			continue
		}
		if vs := b.axeRun(src); len(vs) > 0 {
			var lines []string
			for _, v := range vs {
				lines = append(lines, fmt.Sprintf("  %s (%s): %s\n    %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n    ")))
			}
			b.fatalf("%s at %s: axe-core found %d serious or critical violations:\n%s", name, where, len(vs), strings.Join(lines, "\n"))
		}
	}
}

// auditLangs audits the loaded page in Korean and in English (the lang
// cookie the language switch sets), then goes back to Korean.
func (b *tab) auditLangs(name, src string) {
	b.t.Helper()
	here := b.location()
	b.audit(name+"-ko", src) // Korean is the tabs' language
	b.setLang("en")
	b.open(here)
	b.audit(name+"-en", src)
	b.setLang("ko")
	b.open(here)
}

// setLang sets the lang cookie the language switch sets; it applies from
// the next page on.
func (b *tab) setLang(lang string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`document.cookie = "lang=%s; path=/"; "ok"`, lang))
}
