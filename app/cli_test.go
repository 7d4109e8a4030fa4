package app

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func runCLI(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// cliEnv isolates the CLI from the developer's environment and points it
// at this test's database.
func cliEnv(t *testing.T) {
	t.Helper()
	t.Chdir(t.TempDir())
	cfg := testConfig(t)
	t.Setenv("DATABASE_URL", cfg.Database.URL)
	t.Setenv("SQLITE_PATH", cfg.Database.SQLitePath)
	t.Setenv("REDIS_URL", cfg.Redis.URL)
}

func TestVersionCommand(t *testing.T) {
	code, out, _ := runCLI(t, context.Background(), "version")
	if code != 0 || !strings.HasPrefix(out, "aquaml ") {
		t.Errorf("%d %q", code, out)
	}
}

func TestBadConfigStopsStartWithOneLine(t *testing.T) {
	cliEnv(t)
	t.Setenv("JWT_EXPIRE_MINUTES", "abc")
	code, _, stderr := runCLI(t, context.Background(), "serve", "--port", "0")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	if strings.TrimSpace(stderr) != `aquaml: config: JWT_EXPIRE_MINUTES: "abc" is not an integer` {
		t.Errorf("stderr %q", stderr)
	}
}

func TestMigrateCommand(t *testing.T) {
	cliEnv(t)
	ctx := context.Background()
	code, out, errs := runCLI(t, ctx, "migrate", "status")
	if code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("status before: %d %q %q", code, out, errs)
	}
	code, out, _ = runCLI(t, ctx, "migrate", "up")
	if code != 0 || !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
		t.Fatalf("up: %d %q", code, out)
	}
	code, out, _ = runCLI(t, ctx, "migrate", "down")
	if code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("down: %d %q", code, out)
	}
	if code, _, errs := runCLI(t, ctx, "migrate", "sideways"); code != 1 || !strings.Contains(errs, "sideways") {
		t.Errorf("bad action: %d %q", code, errs)
	}
}

func TestServeAndHealthcheckCommands(t *testing.T) {
	cliEnv(t)
	port := itoa(freePort(t))
	t.Setenv("API_PORT", "1") // the flag must win over the environment
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code, _, _ := runCLI(t, ctx, "serve", "--host", "127.0.0.1", "--port", port, "--worker=false")
		done <- code
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://127.0.0.1:" + port + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("serve never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Setenv("API_PORT", port)
	if code, out, errs := runCLI(t, context.Background(), "healthcheck"); code != 0 || strings.TrimSpace(out) != "ok" {
		t.Errorf("healthcheck on a live server: %d %q %q", code, out, errs)
	}
	cancel() // SIGTERM
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after a clean shutdown", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if code, _, _ := runCLI(t, context.Background(), "healthcheck"); code != 1 {
		t.Errorf("healthcheck on a stopped server exited %d, want 1", code)
	}
}

// TestProductionRefusesEmbeddedStores: `serve` in production without a
// database or Redis server stops at once with one line saying which,
// instead of running on stores no other process can share.
func TestProductionRefusesEmbeddedStores(t *testing.T) {
	for _, tt := range []struct{ unset, want string }{
		{"DATABASE_URL", "aquaml: config: DATABASE_URL: must be set in production"},
		{"REDIS_URL", "aquaml: config: REDIS_URL: must be set in production"},
	} {
		t.Run(tt.unset, func(t *testing.T) {
			cliEnv(t)
			t.Setenv("ENVIRONMENT", "production")
			t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/aquaml?sslmode=disable")
			t.Setenv("REDIS_URL", "redis://127.0.0.1:1/0")
			t.Setenv(tt.unset, "")
			code, _, stderr := runCLI(t, context.Background(), "serve", "--port", "0")
			if code != 1 || !strings.HasPrefix(strings.TrimSpace(stderr), tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}
