package webapp_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// axeSource is axe-core's axe.min.js, from $AXE_CORE_JS (.ci/run installs
// it from npm); "" when absent outside CI.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AXE_CORE_JS")
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("AXE_CORE_JS is not set: .ci/run installs axe-core from npm and points it at axe.min.js")
		}
		t.Log("accessibility checks skipped: set AXE_CORE_JS to axe-core's axe.min.js (npm install axe-core@4)")
		return ""
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core: %v", err)
		}
		t.Logf("accessibility checks skipped: %v", err)
		return ""
	}
	return string(src)
}

// checkAccessible runs axe-core on the page and fails on serious or
// critical violations. The script is evaluated through the protocol, not
// added to the page, so the page's CSP stays as it is.
func (tb *tab) checkAccessible(page, axe string) {
	tb.t.Helper()
	if axe == "" {
		return
	}
	if !eval[bool](tb, "typeof window.axe === 'object'") {
		eval[int](tb, axe+";0")
	}
	raw := eval[string](tb, `axe.run(document).then(r => JSON.stringify({passes: r.passes.length, violations:
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))}))`)
	var found struct {
		Passes     int
		Violations []struct {
			ID, Impact, Help string
			Nodes            []string
		}
	}
	if err := json.Unmarshal([]byte(raw), &found); err != nil {
		tb.t.Fatalf("axe-core answer: %v", err)
	}
	if found.Passes == 0 {
		tb.t.Errorf("%s: axe-core checked nothing", page)
	}
	tb.t.Logf("%s: axe-core passed %d rules", page, found.Passes)
	for _, v := range found.Violations {
		tb.t.Errorf("%s: %s accessibility violation %s (%s) at %s", page, v.Impact, v.ID, v.Help, strings.Join(v.Nodes, ", "))
	}
}
