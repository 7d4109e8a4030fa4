package app

import (
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/testkit/proctest"
)

// TestDatabaseUnreachableAtStart points the process at a Postgres port
// nobody listens on: /ready says the database is unreachable (not that
// migrations are pending), the API answers 503 database_unavailable with
// Retry-After, and the probes' 503s are no ERROR lines.
func TestDatabaseUnreachableAtStart(t *testing.T) {
	cfg := testConfig(t)
	cfg.Database.URL = "postgres://postgres@127.0.0.1:" + itoa(freePort(t)) + "/aquaml?sslmode=disable"
	logs := &proctest.Buffer{}
	r := launch(t, cfg, Mode{API: true}, logs)

	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, b := r.do(t, "GET", "/ready", nil, nil)
		if body = b; resp.StatusCode != 503 {
			t.Fatalf("/ready: %d %s", resp.StatusCode, b)
		}
		if strings.Contains(body, "database unreachable") {
			break
		}
	}
	if !strings.Contains(body, `"reason":"starting: database unreachable"`) || !strings.Contains(body, `"database":{"status":"down"`) {
		t.Fatalf("/ready: %s", body)
	}
	for path, want := range map[string]string{
		"/api/v1/auth/me": `"code":"database_unavailable"`,
		"/api/v1/models":  `"code":"database_unavailable"`,
		"/v2/models/fish": "the database is unavailable", // in /v2's own error shape once it has one
	} {
		resp, b := r.do(t, "GET", path, nil, nil)
		if resp.StatusCode != 503 || !strings.Contains(b, want) || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s while the database is unreachable: %d %s (Retry-After %q)", path, resp.StatusCode, b, resp.Header.Get("Retry-After"))
		}
	}
	for _, path := range []string{"/live", "/health", "/api/v1/openapi.json"} {
		if resp, _ := r.do(t, "GET", path, nil, nil); resp.StatusCode != 200 {
			t.Errorf("%s = %d while starting", path, resp.StatusCode)
		}
	}
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("ERROR line while waiting for the database: %s", line)
		}
	}
}
