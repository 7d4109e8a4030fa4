package app

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

func decodeError(t *testing.T, body string) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body is not JSON: %q", body)
	}
	return e
}

func TestRequestIDRoundTrip(t *testing.T) {
	r := start(t, testConfig(t), Mode{API: true})
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"honoured", "trace-abc_123.4:5", true},
		{"generated when absent", "", false},
		{"replaced when it could forge log lines", `evil" level=ERROR msg="forged`, false},
		{"replaced when too long", strings.Repeat("a", 200), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.sent != "" {
				h["X-Request-ID"] = tt.sent
			}
			resp, _ := r.do(t, "GET", "/health", nil, h)
			got := resp.Header.Get("X-Request-ID")
			if tt.kept && got != tt.sent {
				t.Errorf("X-Request-ID = %q, want %q", got, tt.sent)
			}
			if !tt.kept && (got == "" || got == tt.sent) {
				t.Errorf("X-Request-ID = %q, want a fresh id", got)
			}
		})
	}
	// The id also appears in error bodies, so a user can quote it.
	resp, body := r.do(t, "GET", "/no/such/path", nil, map[string]string{"X-Request-ID": "support-ticket-42"})
	if e := decodeError(t, body); e.Error.RequestID != "support-ticket-42" || resp.Header.Get("X-Request-ID") != "support-ticket-42" {
		t.Errorf("error body request id = %q", e.Error.RequestID)
	}
}

func TestErrorsAreJSON(t *testing.T) {
	cfg := testConfig(t)
	cfg.HTTP.BodyLimit = 1 << 20
	r := start(t, cfg, Mode{API: true})
	// A route that reads its whole body, as upload handlers do.
	r.HTTP.Echo.POST("/test/upload", func(c echoContext) error {
		n, err := io.Copy(io.Discard, c.Request().Body)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]int64{"bytes": n})
	})
	big := bytes.Repeat([]byte("x"), 2<<20)
	tests := []struct {
		name       string
		method     string
		path       string
		body       io.Reader
		chunked    bool
		wantStatus int
		wantCode   string
	}{
		{"unknown path", "GET", "/api/v1/nothing-here", nil, false, 404, "not_found"},
		{"wrong method", "DELETE", "/health", nil, false, 405, "method_not_allowed"},
		{"declared body over the limit", "POST", "/test/upload", bytes.NewReader(big), false, 413, "body_too_large"},
		{"streamed body over the limit", "POST", "/test/upload", io.MultiReader(bytes.NewReader(big)), true, 413, "body_too_large"},
		{"body over the limit on an unknown path", "POST", "/nowhere", bytes.NewReader(big), false, 413, "body_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, r.base+tt.path, tt.body)
			if tt.chunked {
				req.ContentLength = -1
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.wantStatus, b)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			e := decodeError(t, string(b))
			if e.Error.Code != tt.wantCode || e.Error.Message == "" || e.Error.RequestID == "" {
				t.Errorf("body %s", b)
			}
		})
	}
	// Under the limit the same route works.
	resp, body := r.do(t, "POST", "/test/upload", bytes.NewReader(big[:1000]), nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"bytes":1000`) {
		t.Errorf("small upload: %d %s", resp.StatusCode, body)
	}
}

func TestPanicBecomesBare500(t *testing.T) {
	r := start(t, testConfig(t), Mode{API: true})
	r.HTTP.Echo.GET("/test/panic", func(echoContext) error { panic("secret internal detail") })
	resp, body := r.do(t, "GET", "/test/panic", nil, nil)
	if resp.StatusCode != 500 || strings.Contains(body, "secret") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if e := decodeError(t, body); e.Error.Code != "internal_error" {
		t.Errorf("code %q", e.Error.Code)
	}
	// The server survives.
	if resp, _ := r.do(t, "GET", "/health", nil, nil); resp.StatusCode != 200 {
		t.Errorf("after panic /health = %d", resp.StatusCode)
	}
}

func TestCORSPreflight(t *testing.T) {
	cfg := testConfig(t)
	cfg.CORS.Origins = []string{"https://farm.example"}
	r := start(t, cfg, Mode{API: true})
	h := map[string]string{
		"Origin":                         "https://farm.example",
		"Access-Control-Request-Method":  "POST",
		"Access-Control-Request-Headers": "Authorization, Content-Type",
	}
	resp, _ := r.do(t, "OPTIONS", "/api/v1/openapi.json", nil, h)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("preflight status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://farm.example" {
		t.Errorf("Allow-Origin %q", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") {
		t.Errorf("Allow-Methods %q", got)
	}
	h["Origin"] = "https://elsewhere.example"
	resp, _ = r.do(t, "OPTIONS", "/api/v1/openapi.json", nil, h)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("foreign origin allowed: %q", got)
	}
}

func TestGzipAboveThreshold(t *testing.T) {
	r := start(t, testConfig(t), Mode{API: true})
	gz := map[string]string{"Accept-Encoding": "gzip"}
	resp, body := r.do(t, "GET", "/api/v1/openapi.json", nil, gz)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("large response not compressed (%d bytes)", len(body))
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !json.Valid(plain) || len(plain) <= len(body) {
		t.Errorf("gunzipped %d bytes from %d", len(plain), len(body))
	}
	resp, body = r.do(t, "GET", "/live", nil, gz)
	if resp.Header.Get("Content-Encoding") != "" || !strings.Contains(body, "alive") {
		t.Errorf("small response compressed: %q", resp.Header.Get("Content-Encoding"))
	}
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	r := start(t, testConfig(t), Mode{API: true})
	r.HTTP.Echo.GET("/api/v1/test-items/:id", func(c echoContext) error { return c.NoContent(204) })
	for _, p := range []string{"/api/v1/test-items/1", "/api/v1/test-items/2", "/scanner/a", "/scanner/b"} {
		r.do(t, "GET", p, nil, nil)
	}
	_, body := r.do(t, "GET", "/metrics", nil, nil)
	for _, want := range []string{
		`http_requests_total{method="GET",route="/api/v1/test-items/:id",status="204"} 2`,
		`http_requests_total{method="GET",route="unmatched",status="404"} 2`,
		`http_request_duration_seconds_bucket{method="GET",route="/api/v1/test-items/:id"`,
		"http_requests_in_flight",
		"aquaml_build_info{",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, raw := range []string{`route="/api/v1/test-items/1"`, `route="/scanner/a"`} {
		if strings.Contains(body, raw) {
			t.Errorf("metrics carry a raw path %s", raw)
		}
	}
}

func TestMetricsOnTheirOwnPort(t *testing.T) {
	cfg := testConfig(t)
	cfg.Metrics.Port = freePort(t)
	r := start(t, cfg, Mode{API: true})
	resp, _ := r.do(t, "GET", "/metrics", nil, nil)
	if resp.StatusCode != 404 {
		t.Errorf("/metrics on the API port = %d, want 404 when METRICS_PORT is set", resp.StatusCode)
	}
	var mresp *http.Response
	var err error
	for i := 0; i < 50; i++ {
		if mresp, err = http.Get("http://127.0.0.1:" + itoa(cfg.Metrics.Port) + "/metrics"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	if !strings.Contains(string(b), "http_requests_total") {
		t.Error("metrics port does not serve metrics")
	}
}
