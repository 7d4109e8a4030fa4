package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aquaml/aquaml/platform/testkit/nettest"
)

type detailed struct {
	Status string `json:"status"`
	Checks map[string]struct {
		Status    string  `json:"status"`
		Critical  bool    `json:"critical"`
		LatencyMS float64 `json:"latency_ms"`
	} `json:"checks"`
}

func getDetailed(t *testing.T, r *running) (int, detailed) {
	t.Helper()
	resp, body := r.do(t, "GET", "/health/detailed", nil, nil)
	var d detailed
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	return resp.StatusCode, d
}

// redisBehindProxy points the config's Redis at a proxy in front of this
// test's Redis (the real server under TEST_REDIS_URL, else a miniredis).
func redisBehindProxy(t *testing.T, cfg *configT) *nettest.Proxy {
	t.Helper()
	if cfg.Redis.URL == "" {
		cfg.Redis.URL = "redis://" + miniredis.RunT(t).Addr() + "/0"
	}
	var p *nettest.Proxy
	cfg.Redis.URL, p = nettest.Behind(t, cfg.Redis.URL)
	return p
}

func TestHealthWithRedisUpThenDown(t *testing.T) {
	cfg := testConfig(t)
	p := redisBehindProxy(t, &cfg)
	r := start(t, cfg, Mode{API: true})
	r.waitReady(t)

	// Everything is up, but this process consumes no queue and no other
	// worker runs: batches would wait for ever, so the service says it
	// is degraded, not healthy.
	code, d := getDetailed(t, r)
	if code != 200 || d.Status != "degraded" || d.Checks["queue"].Status != "degraded" {
		t.Fatalf("all up, no worker: %d %+v", code, d)
	}
	for _, name := range []string{"database", "redis", "queue", "model"} {
		if _, ok := d.Checks[name]; !ok {
			t.Errorf("check %s missing", name)
		}
	}
	if d.Checks["database"].Status != "up" || d.Checks["redis"].Status != "up" || d.Checks["redis"].LatencyMS <= 0 {
		t.Errorf("checks: %+v", d.Checks)
	}

	p.Cut()
	code, d = getDetailed(t, r)
	if code != 200 || d.Status != "degraded" || d.Checks["redis"].Status != "down" || d.Checks["database"].Status != "up" {
		t.Errorf("redis down: %d %+v", code, d)
	}
	for _, path := range []string{"/health", "/live", "/ready"} {
		if resp, _ := r.do(t, "GET", path, nil, nil); resp.StatusCode != 200 {
			t.Errorf("%s = %d with only Redis down", path, resp.StatusCode)
		}
	}
}

func TestHealthWithDatabaseDown(t *testing.T) {
	cfg := testConfig(t)
	var p *nettest.Proxy
	if cfg.Database.URL != "" {
		cfg.Database.URL, p = nettest.Behind(t, cfg.Database.URL)
	}
	r := start(t, cfg, Mode{API: true})
	r.waitReady(t)
	if code, d := getDetailed(t, r); code != 200 || d.Checks["database"].Status != "up" {
		t.Fatalf("database up: %d %+v", code, d)
	}

	if p != nil {
		p.Cut() // Postgres unreachable
	} else {
		r.DB.SQL.Close() // the SQLite handle is gone
	}
	code, d := getDetailed(t, r)
	if code != 503 || d.Status != "unhealthy" || d.Checks["database"].Status != "down" || !d.Checks["database"].Critical {
		t.Errorf("database down: %d %+v", code, d)
	}
	resp, body := r.do(t, "GET", "/ready", nil, nil)
	if resp.StatusCode != 503 || !strings.Contains(body, "database") {
		t.Errorf("/ready with the database down: %d %s", resp.StatusCode, body)
	}
	if resp, _ := r.do(t, "GET", "/live", nil, nil); resp.StatusCode != 200 {
		t.Errorf("/live = %d: liveness must not depend on the database", resp.StatusCode)
	}
}

func TestNotReadyUntilMigrated(t *testing.T) {
	cfg := testConfig(t)
	// Postgres that is not accepting connections yet: start-up must wait
	// for it, not die. Without a test Postgres the proxy leads nowhere.
	target := "127.0.0.1:" + itoa(freePort(t))
	if cfg.Database.URL != "" {
		target = nettest.HostPort(cfg.Database.URL)
	} else {
		cfg.Database.URL = "postgres://postgres@" + target + "/test?sslmode=disable"
	}
	p := nettest.NewProxy(t, target)
	p.Pause()
	cfg.Database.URL = strings.Replace(cfg.Database.URL, target, p.Addr(), 1)
	r := launch(t, cfg, Mode{API: true}, io.Discard)
	// /ready names what start-up waits for: the database, not migrations.
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var resp *http.Response
		if resp, body = r.do(t, "GET", "/ready", nil, nil); resp.StatusCode != 503 {
			t.Fatalf("/ready with the database unreachable: %d %s", resp.StatusCode, body)
		}
		if strings.Contains(body, "database unreachable") {
			break
		}
	}
	if !strings.Contains(body, "database unreachable") || !strings.Contains(body, `"database":{"status":"down"`) {
		t.Errorf("/ready with the database unreachable: %s", body)
	}
	if resp, _ := r.do(t, "GET", "/live", nil, nil); resp.StatusCode != 200 {
		t.Errorf("/live = %d while starting", resp.StatusCode)
	}
	if os.Getenv("TEST_DATABASE_URL") == "" {
		return // the rest needs a Postgres to appear
	}
	p.Resume() // the database comes up: the App migrates and turns ready
	r.waitReady(t)
}

func TestGracefulShutdownDrainsInFlightRequests(t *testing.T) {
	cfg := testConfig(t)
	r := start(t, cfg, Mode{API: true})
	r.waitReady(t)
	entered := make(chan struct{})
	readyDuringDrain := make(chan int, 1)
	r.HTTP.Echo.GET("/test/slow", func(c echoContext) error {
		close(entered)
		for !r.draining.Load() {
			time.Sleep(5 * time.Millisecond)
		}
		rec := httptest.NewRecorder()
		r.HTTP.Echo.ServeHTTP(rec, httptest.NewRequest("GET", "/ready", nil))
		readyDuringDrain <- rec.Code
		time.Sleep(300 * time.Millisecond) // still working after shutdown began
		return c.String(http.StatusOK, "finished")
	})
	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get(r.base + "/test/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b := make([]byte, 64)
		n, _ := resp.Body.Read(b)
		res <- result{code: resp.StatusCode, body: string(b[:n])}
	}()
	<-entered
	r.cancel() // SIGTERM
	if code := <-readyDuringDrain; code != 503 {
		t.Errorf("/ready during drain = %d, want 503", code)
	}
	got := <-res
	if got.err != nil || got.code != 200 || got.body != "finished" {
		t.Fatalf("in-flight request: %+v", got)
	}
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the drain")
	}
	if _, err := http.Get(r.base + "/health"); err == nil {
		t.Error("new connections still accepted after shutdown")
	}
	r.done <- nil // let cleanup's stop return at once
}
