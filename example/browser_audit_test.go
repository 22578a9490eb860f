package main

// Page checks of the browser test: every page in both languages, at a
// desktop width and at a phone's 390×844, is checked by axe-core (no
// violation of impact "serious" or "critical"), and at the phone's width
// for horizontal overflow, tap targets smaller than 44 px, table rows that
// are not stacked label above value, Korean text without word-break:
// keep-all and button labels on more than one line; its icons and style
// sheets must load. A screenshot of each phone-width page is saved.

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

// smallTapsJS lists visible buttons, button-like links, navigation links,
// form controls and links standing alone in a table cell or list item (a
// term's title, a URL value: not a link inside a sentence) shorter than
// minTap.
const smallTapsJS = `(() => {
	const out = [];
	const alone = a => {
		const box = a.closest("td, th, li, dd");
		if (!box) return false;
		const rest = box.cloneNode(true);
		for (const x of rest.querySelectorAll("a, .tag, .visually-hidden")) x.remove();
		return rest.textContent.trim() === "";
	};
	for (const e of document.querySelectorAll("button, a.button, .kakao-btn, nav a, input:not([type=hidden]), select, summary, td a, th a, li a, dd a")) {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || e.closest(".visually-hidden")) continue;
		if (e.matches("td a, th a, li a, dd a") && !e.matches("a.button, .kakao-btn, nav a") && !alone(e)) continue;
		if (r.height < %v) out.push((e.id ? "#" + e.id : e.tagName.toLowerCase()) + " “" + (e.innerText || e.value || "").trim().slice(0, 30) + "” " + Math.round(r.height) + "px");
	}
	return out.join("; ");
})()`

// describeJS names an element in the page checks' messages.
const describeJS = `const describe = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
	(e.className && typeof e.className === "string" && e.className.trim() ? "." + e.className.trim().split(/\s+/).join(".") : "") +
	" “" + (e.innerText || "").trim().replace(/\s+/g, " ").slice(0, 40) + "”";`

// stackedRowsJS lists the table rows that are not one column at a phone's
// width: in every row the label (its row header, else its first cell)
// spans about the row's width, and each other cell shown sits below it at
// the same left edge.
const stackedRowsJS = `(() => {` + describeJS + `
	const out = [];
	for (const tr of document.querySelectorAll("main table tbody tr")) {
		const cells = [...tr.children].filter(c => { const r = c.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
		if (cells.length === 0) continue;
		const label = tr.querySelector(":scope > th[scope=row]") || cells[0];
		const row = tr.getBoundingClientRect(), l = label.getBoundingClientRect();
		if (l.width < 0.9 * row.width) out.push(describe(label) + " is " + Math.round(l.width) + "px of its row's " + Math.round(row.width) + "px");
		for (const c of cells) {
			if (c === label) continue;
			const r = c.getBoundingClientRect();
			if (r.top < l.bottom - 1 || Math.abs(r.left - l.left) > 1) out.push(describe(c) + " is beside its label " + describe(label) + ", not below it");
		}
		if (out.length >= 6) break;
	}
	return out.join("; ");
})()`

// keepAllJS lists, on a Korean page, text blocks whose words may break in
// the middle (computed word-break other than keep-all); codes and URLs,
// which wrap anywhere on purpose, are left out.
const keepAllJS = `(() => {` + describeJS + `
	if (document.documentElement.lang !== "ko") return "";
	const out = [];
	for (const e of document.querySelectorAll("body, header a, main p, main li, main th, main td, main dt, main dd, main h1, main h2, main label, main button, main a, main summary, footer")) {
		if (e.closest("code, .code, .url, .anywhere")) continue;
		const wb = getComputedStyle(e).wordBreak;
		if (wb !== "keep-all") out.push(describe(e) + " word-break: " + wb);
		if (out.length >= 6) break;
	}
	return out.join("; ");
})()`

// oneLineJS lists buttons and button-like links whose label wraps onto a
// second line.
const oneLineJS = `(() => {` + describeJS + `
	const out = [];
	for (const e of document.querySelectorAll("button, .button, .kakao-btn")) {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || e.closest(".visually-hidden")) continue;
		const lines = [];
		const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			if (!n.textContent.trim() || n.parentElement.closest(".visually-hidden")) continue;
			const range = document.createRange();
			range.selectNodeContents(n);
			for (const q of range.getClientRects()) {
				if (q.width > 0 && q.height > 0 && !lines.some(b => Math.abs(b - q.bottom) < 3)) lines.push(q.bottom);
			}
		}
		if (lines.length > 1) out.push(describe(e) + " takes " + lines.length + " lines");
	}
	return out.join("; ");
})()`

// iconsJS fetches the page's icons and style sheets and lists those that
// do not load (the network listener sees the answers too).
const iconsJS = `Promise.all([...document.querySelectorAll("link[rel~=icon], link[rel=stylesheet]")].map(l =>
	fetch(l.href).then(r => r.ok ? "" : l.getAttribute("href") + ": " + r.status, e => l.getAttribute("href") + ": " + e))).then(a => a.filter(Boolean).join("; "))`

// audit checks the loaded page at both widths: its icons, style sheets and
// other subresources load; axe-core (when src is not ""); and at the
// phone's width no horizontal overflow, no small tap target, table rows
// stacked, Korean words kept whole and button labels on one line. It saves
// a phone-width screenshot named name unless name is "". The desktop
// viewport is restored.
func (b *tab) audit(name, src string) {
	b.t.Helper()
	defer b.setViewport(false)
	b.subresourcesLoad(name)
	for _, phone := range []bool{false, true} {
		b.setViewport(phone)
		where := map[bool]string{false: "desktop", true: "390px"}[phone]
		if phone {
			for _, check := range []struct{ what, js string }{
				{"the page scrolls sideways", overflowJS},
				{"tap targets under 44px", fmt.Sprintf(smallTapsJS, minTap)},
				{"table rows not stacked (label above value)", stackedRowsJS},
				{"Korean words may break mid-word", keepAllJS},
				{"button labels wrap", oneLineJS},
			} {
				if s := b.eval(check.js); s != "" {
					b.fatalf("%s at %s: %s: %s", name, where, check.what, s)
				}
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

// subresourcesLoad fails when the page's icons or style sheets do not load
// or the site answered any subresource so far with an error.
func (b *tab) subresourcesLoad(name string) {
	b.t.Helper()
	if s := b.iconsFailing(); s != "" {
		b.fatalf("%s: icons or style sheets do not load: %s", name, s)
	}
	if bad := b.takeBad(); len(bad) > 0 {
		b.fatalf("%s: the site answered subresources with errors: %s", name, strings.Join(bad, "; "))
	}
}

// iconsFailing lists the page's icons and style sheets that do not load.
func (b *tab) iconsFailing() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](iconsJS, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fatalf("fetching the page's icons: %v", err)
	}
	return s
}
