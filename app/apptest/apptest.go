// Package apptest starts a whole AquaML process for end-to-end tests: the
// real App, on port 0, with its own database (a Postgres schema when
// TEST_DATABASE_URL is set, else a SQLite file) and its own Redis (a
// leased logical DB on TEST_REDIS_URL, else an in-process server).
// Requests go through the real router, middleware and error handler.
// Every answer the test client receives is checked against the OpenAPI
// spec the App serves (status, headers and body, per operation); a
// mismatch fails the test, naming the operation and the field.
//
//	ta := apptest.New(t, nil)
//	alice := ta.NewUser("alice")
//	res := ta.Do("GET", "/api/v1/auth/me", nil, alice.Auth())
//	res.Want(http.StatusOK)
//
// Every App starts with an admin (AdminEmail, AdminPassword) created by the
// FIRST_ADMIN_* bootstrap, bcrypt at its cheapest cost, and rate limits
// high enough not to get in the way; override any of it per test.
package apptest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aquaml/aquaml/app"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/testkit/dbtest"
	"github.com/aquaml/aquaml/platform/testkit/proctest"
	"github.com/aquaml/aquaml/platform/testkit/redistest"
)

// Credentials of the accounts every test App has or makes.
const (
	AdminEmail    = "admin@aquaml.test"
	AdminPassword = "admin-password-1"
	// Password is the password of users made with NewUser.
	Password = "fish-password-1"
)

// TestApp is a running App plus an HTTP client pointed at it. The embedded
// App gives direct access to its DB and Redis for assertions.
type TestApp struct {
	*app.App
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL    string
	Client *http.Client

	t    testing.TB
	logs *proctest.Buffer
}

// Config returns the configuration New starts an App with, before the
// overrides: a fresh database and Redis for t, bcrypt cost 4, a test
// secret, a bootstrap admin, login limit 1000 and API limit 10000 per
// minute, no in-process worker.
func Config(t testing.TB) config.Config {
	t.Helper()
	cfg, err := config.Load(config.Options{})
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	cfg.Environment = config.EnvTest
	cfg.API.Host, cfg.API.Port = "127.0.0.1", 0
	cfg.Database.URL, cfg.Database.SQLitePath = dbtest.URL(t)
	cfg.Database.MigrateOnStart = true
	cfg.Redis.URL = redistest.URL(t)
	cfg.Auth.JWTSecretKey = "apptest-jwt-secret-0123456789abcdef"
	cfg.Auth.SecretKey = "apptest-secret-0123456789abcdefghij"
	cfg.Auth.BcryptCost = 4
	cfg.Auth.LoginRatePerMinute = 1000
	cfg.Auth.FirstAdminEmail, cfg.Auth.FirstAdminPassword = AdminEmail, AdminPassword
	cfg.RateLimitPerMinute = 10000
	cfg.Metrics.Port = 0
	cfg.Worker.Enabled = false
	cfg.HTTP.ShutdownGrace = 5 * time.Second
	cfg.Model.Dir = t.TempDir()
	cfg.Classify.ImageDir = t.TempDir()
	cfg.Batch.Dir = t.TempDir()
	cfg.Datasets.Dir = t.TempDir()
	cfg.Training.Dir = t.TempDir()
	return cfg
}

// New starts an App and waits until it is ready (migrated, start hooks
// run). override, if not nil, edits the configuration first. The App is
// shut down and closed when t ends; if t failed, its log is printed.
func New(t testing.TB, override func(*config.Config)) *TestApp {
	t.Helper()
	cfg := Config(t)
	if override != nil {
		override(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("apptest: %v", err)
	}
	logs := &proctest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(cfg, log, app.Mode{API: true, Worker: cfg.Worker.Enabled})
	if err != nil {
		t.Fatalf("apptest: start: %v", err)
	}
	spec, err := contractFor(cfg.API.V1Prefix)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	ta := &TestApp{App: a, URL: "http://" + a.Addr(), Client: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &specCheck{base: http.DefaultTransport.(*http.Transport).Clone(), contract: spec, t: t},
	}, t: t, logs: logs}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Errorf("apptest: the App did not stop within 15s")
		}
		a.Close()
		ta.Client.CloseIdleConnections()
		if t.Failed() {
			t.Logf("apptest: server log:\n%s", logs.String())
		}
	})
	if err := ta.waitReady(done); err != nil {
		t.Fatalf("apptest: %v\nserver log:\n%s", err, logs.String())
	}
	return ta
}

func (ta *TestApp) waitReady(done <-chan error) error {
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return fmt.Errorf("the App stopped during start-up: %v", err)
		default:
		}
		res, err := ta.Client.Get(ta.URL + "/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("the App was not ready within 90s")
}

// API returns path under the configured API prefix: API("/auth/me").
func (ta *TestApp) API(path string) string { return ta.Config().API.V1Prefix + path }

// Logs returns everything the App logged so far.
func (ta *TestApp) Logs() string { return ta.logs.String() }

// SharedRedisURL returns a REDIS_URL that several Apps of one test can
// share: a leased DB on TEST_REDIS_URL, or an in-process server started
// for t (each App would otherwise start its own).
func SharedRedisURL(t testing.TB) string {
	t.Helper()
	if os.Getenv("TEST_REDIS_URL") != "" {
		return redistest.URL(t)
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		t.Fatalf("apptest: start Redis: %v", err)
	}
	t.Cleanup(mr.Close)
	return "redis://" + mr.Addr() + "/0"
}
