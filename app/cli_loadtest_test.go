package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestLoadtestFailsLoudlyOnRefusals: a run whose answers are 429s is not
// a fast server; the command says so and exits non-zero.
func TestLoadtestFailsLoudlyOnRefusals(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%5 == 0 {
			w.Write([]byte(`{"status":"ok"}`))
			return
		}
		http.Error(w, `{"error":{"code":"rate_limited"}}`, http.StatusTooManyRequests)
	}))
	defer srv.Close()
	ctx := context.Background()
	code, out, errs := runCLI(t, ctx, "loadtest", "--url", srv.URL, "-c", "1", "-n", "50")
	if code != 1 {
		t.Fatalf("exit %d with 40 of 50 answers refused\n%s%s", code, out, errs)
	}
	for _, want := range []string{"FAILED: 40 of 50 requests (80.0%) failed", "429 Too Many Requests: 40", "rate_limit_per_minute"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "429 Too Many Requests: 40") || !strings.Contains(out, "200 OK: 10") {
		t.Errorf("stdout lacks the per-status counts:\n%s", out)
	}

	// Tolerated errors are still reported, and the run passes.
	n.Store(0)
	code, _, errs = runCLI(t, ctx, "loadtest", "--url", srv.URL, "-c", "1", "-n", "50", "--max-errors", "0.9")
	if code != 0 || !strings.Contains(errs, "WARNING: 40 of 50") {
		t.Errorf("--max-errors 0.9: exit %d\n%s", code, errs)
	}
	n.Store(0)
	if code, _, _ = runCLI(t, ctx, "loadtest", "--url", srv.URL, "-c", "1", "-n", "50", "--max-errors", "39"); code != 1 {
		t.Errorf("--max-errors 39 with 40 errors: exit %d", code)
	}

	// --json keeps stdout machine-readable and still fails the run.
	n.Store(0)
	code, out, errs = runCLI(t, ctx, "loadtest", "--url", srv.URL, "-c", "1", "-n", "50", "--json")
	var res struct {
		Errors   int64            `json:"errors"`
		OK       int64            `json:"ok"`
		Within   bool             `json:"within_max_errors"`
		Statuses map[string]int64 `json:"statuses"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if code != 1 || res.Errors != 40 || res.OK != 10 || res.Within || res.Statuses["429"] != 40 || !strings.Contains(errs, "FAILED") {
		t.Errorf("--json: exit %d %+v\n%s", code, res, errs)
	}
	if code, _, errs := runCLI(t, ctx, "loadtest", "--url", srv.URL, "--max-errors", "-1"); code != 1 || !strings.Contains(errs, "--max-errors") {
		t.Errorf("negative --max-errors: exit %d %q", code, errs)
	}
}

func TestLoadtestPassesWhenEveryAnswerIsOK(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	code, out, errs := runCLI(t, context.Background(), "loadtest", "--url", srv.URL, "-c", "2", "-n", "20")
	if code != 0 || !strings.Contains(out, "200 OK: 20") || strings.Contains(errs, "WARNING") || strings.Contains(errs, "FAILED") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}
