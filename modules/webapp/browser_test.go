package webapp_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where .ci/run installs Debian's chromium.
const chromiumPath = "/usr/bin/chromium"

// tab is a headless Chromium tab on a test App, recording what the page
// asks for and what it writes to the console.
type tab struct {
	t         *testing.T
	ta        *apptest.TestApp
	ctx       context.Context
	artifacts string

	mu       sync.Mutex
	requests []string // every URL the page requested
	console  []string // exceptions and errors other than failed requests
}

// newTab starts Chromium, or skips when it is absent outside CI.
func newTab(t *testing.T, ta *apptest.TestApp) *tab {
	t.Helper()
	path := chromiumPath
	if p := os.Getenv("CHROMIUM"); p != "" {
		path = p
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is not installed at %s (.ci/run installs Debian's chromium)", path)
		}
		t.Skipf("Chromium is not installed at %s: the browser tests need it (apt-get install chromium)", path)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1200, 900))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser with no deadline
		t.Fatalf("start Chromium: %v", err)
	}
	tb := &tab{t: t, ta: ta, ctx: ctx, artifacts: artifactDir(t)}
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	messages := chromedp.Console(ctx)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.requests = append(tb.requests, ev.Request.URL)
			tb.mu.Unlock()
		}
	}()
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// A refused request (the 404 of another user's batch) is the
			// page working; exceptions and CSP refusals are not.
			if m.IsException() || (m.Type == "error" && !strings.Contains(m.Text, "Failed to load resource")) {
				tb.mu.Lock()
				tb.console = append(tb.console, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m.Text))
				tb.mu.Unlock()
			}
		}
	}()
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// artifactDir is $AQUAML_ARTIFACTS/<test>, or a temporary folder.
func artifactDir(t *testing.T) string {
	dir := t.TempDir()
	if root := os.Getenv("AQUAML_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, strings.ReplaceAll(t.Name(), "/", "_"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots go to %s", dir)
	return dir
}

// do runs steps with a deadline, failing the test with what the step was.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v\nconsole: %v", what, err, tb.consoleErrors())
	}
}

// text returns the text of the first element sel matches.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor waits until a JavaScript predicate holds; what says what for.
func (tb *tab) waitFor(what, predicate string) {
	tb.t.Helper()
	tb.do("wait for "+what, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingTimeout(80*time.Second)))
}

func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do("open "+path, chromedp.Navigate(tb.ta.URL+path), chromedp.WaitReady(chromedp.CSS("main")))
}

// screenshot saves the viewport as name.png among the artifacts.
func (tb *tab) screenshot(name string) []byte {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(tb.artifacts, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	return png
}

func (tb *tab) consoleErrors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.console...)
}

// foreign returns the requests that left the App's origin.
func (tb *tab) foreign() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
	for _, u := range tb.requests {
		if !strings.HasPrefix(u, tb.ta.URL+"/") && !strings.HasPrefix(u, "blob:") && !strings.HasPrefix(u, "data:") {
			out = append(out, u)
		}
	}
	return out
}

func (tb *tab) requested(substr string) bool {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, u := range tb.requests {
		if strings.Contains(u, substr) {
			return true
		}
	}
	return false
}
