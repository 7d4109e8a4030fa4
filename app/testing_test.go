package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/testkit/dbtest"
	"github.com/aquaml/aquaml/platform/testkit/redistest"
)

// testConfig is the default configuration pointed at this test's own
// database and Redis, listening on a free port.
func testConfig(t testing.TB) config.Config {
	t.Helper()
	t.Chdir(t.TempDir()) // no stray .env or configs/ from the developer's tree
	cfg, err := config.Load(config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.API.Host, cfg.API.Port = "127.0.0.1", 0
	cfg.Database.URL, cfg.Database.SQLitePath = dbtest.URL(t)
	cfg.Redis.URL = redistest.URL(t)
	cfg.HTTP.ShutdownGrace = 5 * time.Second
	cfg.Auth.BcryptCost = 4
	return cfg
}

// running is an App serving in the background until the test ends.
type running struct {
	*App
	base   string
	cancel context.CancelFunc
	done   chan error
}

// start launches an App and waits until it is ready: before that, the
// API answers 503.
func start(t *testing.T, cfg config.Config, mode Mode) *running {
	t.Helper()
	r := launch(t, cfg, mode, io.Discard)
	r.waitReady(t)
	return r
}

// launch starts an App logging to w (at debug level) without waiting for
// it to be ready.
func launch(t *testing.T, cfg config.Config, mode Mode, w io.Writer) *running {
	t.Helper()
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(cfg, log, mode)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{App: a, base: "http://" + a.Addr(), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		r.stop(t)
		a.Close()
	})
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(15 * time.Second):
		t.Error("app did not stop within 15 s")
	}
}

// waitReady polls /ready until it answers 200. Start-up loads the model
// and builds its graphs, which the race detector on a busy machine makes
// take many seconds: the deadline is generous, and a failure says what
// /ready last answered.
func (r *running) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	last := "no answer"
	for time.Now().Before(deadline) {
		if resp, err := http.Get(r.base + "/ready"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("app never became ready; /ready last answered %s", last)
}

func (r *running) do(t *testing.T, method, path string, body io.Reader, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gunzip
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
