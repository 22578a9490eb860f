package main

// A small layer over chromedp for the browser test: start Debian's chromium
// (headless), open isolated browser contexts, click through pages, wait for
// their key text and save a PNG screenshot of each page under
// testdata/artifacts/<test>/ of the module root (git ignores them).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const (
	// stepTimeout bounds every single browser step (navigate, click,
	// wait for text, screenshot).
	stepTimeout = 15 * time.Second
	// startTimeout bounds starting chromium and opening a tab.
	startTimeout = 30 * time.Second
	// pollEvery is how often waitText looks at the page again.
	pollEvery = 50 * time.Millisecond
	// acceptLanguage is what every tab sends: a Korean user's browser.
	acceptLanguage = "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"
)

// browserNames returns the executables tried, in order.
func browserNames() []string {
	return []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
}

// findBrowser returns the path of the first browser on PATH, or "".
func findBrowser() string {
	for _, name := range browserNames() {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts a headless chromium for the test and returns its
// browser context (the root chromedp context; open tabs with newTab). The
// browser is closed when the test ends. Without a browser on PATH the test
// is skipped with a clear message, except under CI=true, where it fails.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findBrowser()
	if path == "" {
		msg := "browser test: no " + strings.Join(browserNames(), ", ") +
			" on PATH; install Debian's chromium (apt-get install -y chromium; .ci/run does it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " — CI=true, so this is a failure, not a skip")
		}
		t.Skip("skipped: " + msg)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	// Cleanups run last-in first-out: the browser closes (and the allocator
	// waits for the process) before t.TempDir removes the profile.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(browserCtx, 5*time.Second)
		defer cancel()
		_ = chromedp.Cancel(ctx)
		cancelBrowser()
		cancelAlloc()
	})
	// The first Run starts the browser and binds it to browserCtx, so it
	// must not carry a timeout; a watchdog bounds it instead.
	watchdog := time.AfterFunc(startTimeout, cancelBrowser)
	err := chromedp.Do(browserCtx)
	watchdog.Stop()
	if err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return browserCtx
}

// artifacts is the screenshot folder of one test, shared by its tabs.
type artifacts struct {
	dir string
	mu  sync.Mutex
	n   int
}

// unsafeName matches what may not appear in an artifact file name.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// newArtifacts empties and returns testdata/artifacts/<test name> at the
// repository root (subtests become subfolders).
func newArtifacts(t *testing.T) *artifacts {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = unsafeName.ReplaceAllString(p, "_")
	}
	dir := filepath.Join(append([]string{root, "testdata", "artifacts"}, parts...)...)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &artifacts{dir: dir}
}

// next returns the path of the next screenshot, numbered in order.
func (a *artifacts) next(name string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	return filepath.Join(a.dir, fmt.Sprintf("%02d-%s.png", a.n, unsafeName.ReplaceAllString(name, "_")))
}

// repoRoot is the nearest folder upwards that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repo root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// tab is one page in its own browser context (its own cookie jar), with
// the site's base URL and the test's screenshot folder.
type tab struct {
	t       *testing.T
	browser context.Context // the browser's root context
	ctx     context.Context // this tab's context
	base    string
	art     *artifacts
	name    string // prefix of this tab's screenshots ("" for the first)

	mu  sync.Mutex
	bad []string // the site's subresources answered with 4xx or 5xx
}

// newTab opens a tab in a fresh browser context of the browser, so each
// scenario starts logged out with no cookies. base is the site's URL.
func newTab(t *testing.T, browserCtx context.Context, base string) *tab {
	t.Helper()
	return openTab(t, browserCtx, base, newArtifacts(t), "")
}

// second opens another, independent browser context (a second browser
// as far as the site can tell) sharing this tab's screenshot folder; its
// screenshots are prefixed with name.
func (b *tab) second(name string) *tab {
	b.t.Helper()
	return openTab(b.t, b.browser, b.base, b.art, name)
}

func openTab(t *testing.T, browserCtx context.Context, base string, art *artifacts, name string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// As with the browser: the first Run binds the tab to ctx, so no
	// timeout on it; the watchdog closes a tab that does not open.
	watchdog := time.AfterFunc(startTimeout, cancel)
	err := chromedp.Do(ctx)
	watchdog.Stop()
	if err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	// Headless chromium ignores --lang for Accept-Language; the site and
	// the library's pages pick their language from it (Korean first).
	lctx, lcancel := context.WithTimeout(ctx, stepTimeout)
	defer lcancel()
	if err := chromedp.Do(lctx, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tgt, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": acceptLanguage},
		})
		return err
	})); err != nil {
		t.Fatalf("setting Accept-Language: %v", err)
	}
	b := &tab{t: t, browser: browserCtx, ctx: ctx, base: strings.TrimRight(base, "/"), art: art, name: name}
	// Every subresource of the site (style sheet, icon, image, fetch) must
	// load: a 4xx or 5xx answer fails the test. Pages themselves may be
	// error pages.
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok && e.Type != network.ResourceTypeDocument &&
			e.Response != nil && e.Response.Status >= 400 && strings.HasPrefix(e.Response.URL, b.base+"/") {
			b.mu.Lock()
			b.bad = append(b.bad, fmt.Sprintf("%s %s: %d", e.Type, strings.TrimPrefix(e.Response.URL, b.base), e.Response.Status))
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("listening to the tab's network: %v", err)
	}
	t.Cleanup(func() {
		if bad := b.takeBad(); len(bad) > 0 {
			t.Errorf("the site answered subresources with errors: %s", strings.Join(bad, "; "))
		}
	})
	return b
}

// takeBad returns the failed subresources seen since the last call.
func (b *tab) takeBad() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	bad := b.bad
	b.bad = nil
	return bad
}

// fatalf saves a screenshot of the page as it is and fails the test.
func (b *tab) fatalf(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	loc := b.location()
	if png, err := b.capture(); err == nil {
		p := b.art.next(b.name + "FAILED")
		if os.WriteFile(p, png, 0o644) == nil {
			msg += "\n  screenshot: " + p
		}
	}
	b.t.Fatalf("%s\n  page: %s", msg, loc)
}

// do runs actions with the step timeout; what names the step for errors.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fatalf("%s: %v", what, err)
	}
}

// open navigates to path on the site (or to an absolute URL) and waits for
// the page to load.
func (b *tab) open(path string) {
	b.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		u = b.base + path
	}
	b.do("open "+u, chromedp.Navigate(u))
}

// click clicks the element sel and waits for the page it leads to (a link
// or a form submission, redirects included) to load. It returns the final
// HTTP status.
func (b *tab) click(sel string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("click %s: %v", sel, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// fill sets the value of the form field sel.
func (b *tab) fill(sel, value string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

// choose selects the option with value in the select element sel.
func (b *tab) choose(sel, value string) {
	b.t.Helper()
	b.do("choose "+value+" in "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
	if got := b.eval(fmt.Sprintf(`document.querySelector(%s).value`, jsString(sel))); got != value {
		b.fatalf("choose %s in %s: the select has %q (no such option?)", value, sel, got)
	}
}

// setChecked clicks the checkbox sel when its state differs from want,
// as a user would, and checks the result.
func (b *tab) setChecked(sel string, want bool) {
	b.t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? String(e.checked) : "missing" })()`, jsString(sel))
	switch got := b.eval(expr); got {
	case "missing":
		b.fatalf("checkbox %s: not on the page", sel)
	case fmt.Sprint(want):
		return
	}
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	if got := b.eval(expr); got != fmt.Sprint(want) {
		b.fatalf("checkbox %s: checked=%s after the click, want %v", sel, got, want)
	}
}

// eval evaluates a JavaScript expression that yields a string.
func (b *tab) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// textOf returns the innerText of the first element matching sel, and
// whether there is one. Errors (e.g. a page being replaced) count as
// "not there yet".
func (b *tab) textOf(ctx context.Context, sel string) (string, bool) {
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.innerText : null })()`, jsString(sel))
	s, err := chromedp.Run(ctx, chromedp.Evaluate[*string](expr))
	if err != nil || s == nil {
		return "", false
	}
	return *s, true
}

// waitText waits until the element sel exists and its text contains every
// one of want (none: it only has to exist), and returns its text.
func (b *tab) waitText(sel string, want ...string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	var last string
	var found bool
	for {
		last, found = b.textOf(ctx, sel)
		if found && containsAll(last, want) {
			return last
		}
		select {
		case <-ctx.Done():
			if !found {
				b.fatalf("waiting for %s %q: no such element on the page", sel, want)
			}
			b.fatalf("waiting for %s to contain %q: its text is %q", sel, want, last)
			return ""
		case <-time.After(pollEvery):
		}
	}
}

// text returns the text of sel, failing when there is no such element.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return b.waitText(sel)
}

// absent fails when the loaded page has an element matching sel.
func (b *tab) absent(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if s, ok := b.textOf(ctx, sel); ok {
		b.fatalf("%s should not be on this page, but it is (text %q)", sel, s)
	}
}

// count returns how many elements match sel.
func (b *tab) count(sel string) int {
	b.t.Helper()
	n := b.eval(fmt.Sprintf(`String(document.querySelectorAll(%s).length)`, jsString(sel)))
	var v int
	if _, err := fmt.Sscan(n, &v); err != nil {
		b.fatalf("count %s: %v", sel, err)
	}
	return v
}

// location is the URL of the page, or a note why it is unknown.
func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return u
}

// path is the path (and query) of the page on the site.
func (b *tab) path() string {
	return strings.TrimPrefix(b.location(), b.base)
}

// wantPath fails unless the page's path (without the query) is want.
func (b *tab) wantPath(want string) {
	b.t.Helper()
	p := b.path()
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p != want {
		b.fatalf("on %s, want %s", p, want)
	}
}

// capture takes a full-page PNG screenshot.
func (b *tab) capture() ([]byte, error) {
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 = PNG
}

// shot saves a full-page PNG screenshot named after the page as
// testdata/artifacts/<test>/<NN>-<name>.png.
func (b *tab) shot(name string) {
	b.t.Helper()
	png, err := b.capture()
	if err != nil {
		b.fatalf("screenshot %s: %v", name, err)
	}
	if len(png) < 8 || string(png[1:4]) != "PNG" {
		b.fatalf("screenshot %s: not a PNG", name)
	}
	if err := os.WriteFile(b.art.next(b.name+name), png, 0o644); err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
}

// containsAll reports whether s contains every one of subs.
func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// value returns the value of the form field sel.
func (b *tab) value(sel string) string {
	b.t.Helper()
	b.text(sel) // fails clearly when the field is missing
	return b.eval(fmt.Sprintf(`document.querySelector(%s).value`, jsString(sel)))
}
