// Package app wires the platform adapters and the feature modules into one
// process, by hand: New builds everything, Run serves until the context
// ends and drains, Close releases resources in reverse order.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aquaml/aquaml/db"
	"github.com/aquaml/aquaml/modules/batch"
	"github.com/aquaml/aquaml/modules/classification"
	"github.com/aquaml/aquaml/modules/datasets"
	"github.com/aquaml/aquaml/modules/training"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/database"
	"github.com/aquaml/aquaml/platform/httpserver"
	"github.com/aquaml/aquaml/platform/inference/kernels"
	"github.com/aquaml/aquaml/platform/metrics"
	"github.com/aquaml/aquaml/platform/queue"
	"github.com/aquaml/aquaml/platform/redis"
	"github.com/labstack/echo/v4"
)

// Mode says which roles this process plays.
type Mode struct {
	API    bool // serve the REST API
	Worker bool // consume queue tasks
}

// App is one running AquaML process.
type App struct {
	cfg  config.Config
	log  *slog.Logger
	mode Mode

	DB      *database.DB
	Redis   *redis.Redis
	Queue   *queue.Queue
	Metrics *metrics.Metrics
	HTTP    *httpserver.Server

	// RequireUser and RequireAdmin guard the routes of feature modules:
	// they let through callers with a valid access token or API key (and
	// the admin role) and put them in the request context, where modules
	// read them with principal.From. Set by mount in API mode.
	RequireUser  echo.MiddlewareFunc
	RequireAdmin echo.MiddlewareFunc

	ln         net.Listener
	metricsSrv *http.Server
	metricsLn  net.Listener

	classifier *classification.Module
	batches    *batch.Module
	datasets   *datasets.Module
	training   *training.Module
	// trainingData is what training jobs read: set with UseDatasets (to
	// the datasets module's adapter once it is mounted; tests set theirs).
	trainingData datasetSource

	// startHooks run once the database is migrated, before the process
	// reports ready (first admin, model registration, ...).
	startHooks []func(context.Context) error
	closers    []func() error

	started  atomic.Bool
	draining atomic.Bool
	// waiting says what start-up waits for while started is false.
	waiting atomic.Pointer[string]
}

// What start-up can be waiting for, as /ready says it.
var (
	waitConnecting  = "connecting to the database"
	waitUnreachable = "database unreachable"
	waitMigrating   = "migrations not applied yet"
	waitStarting    = "loading models and other start-up work"
)

// waitingFor is what start-up waits for, empty once started.
func (a *App) waitingFor() string {
	if a.started.Load() {
		return ""
	}
	if w := a.waiting.Load(); w != nil {
		return *w
	}
	return waitConnecting
}

// New builds the process and binds its listeners, so Addr is known before
// Run (tests use port 0).
func New(cfg config.Config, log *slog.Logger, mode Mode) (_ *App, err error) {
	if cfg, err = withSecrets(cfg, log); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, mode: mode}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	a.Metrics = metrics.New(Version(), Revision())
	if a.DB, err = database.Open(database.Options{
		URL: cfg.Database.URL, PoolSize: cfg.Database.PoolSize, MaxOverflow: cfg.Database.MaxOverflow,
		SQLitePath: cfg.Database.SQLitePath, Logger: log,
	}); err != nil {
		return nil, err
	}
	if a.Redis, err = redis.Open(redis.Options{URL: cfg.Redis.URL, PoolSize: cfg.Redis.PoolSize, Logger: log}); err != nil {
		return nil, err
	}
	a.Queue = queue.New(queue.Options{
		Addr: a.Redis.Addr, Username: a.Redis.Username, Password: a.Redis.Password, DB: a.Redis.DB, TLS: a.Redis.TLS,
		Concurrency: cfg.Worker.Concurrency, Queues: queues(), Dedicated: dedicatedQueues(), ShutdownTimeout: cfg.HTTP.ShutdownGrace, Logger: log,
	})
	a.HTTP = httpserver.New(httpserver.Options{
		Logger:       log,
		BodyLimit:    cfg.HTTP.BodyLimit,
		ReadTimeout:  cfg.HTTP.ReadTimeout,
		WriteTimeout: cfg.HTTP.WriteTimeout,
		IdleTimeout:  cfg.HTTP.IdleTimeout,
		CORS: httpserver.CORS{
			Origins: cfg.CORS.Origins, AllowCredentials: cfg.CORS.AllowCredentials,
			AllowMethods: cfg.CORS.AllowMethods, AllowHeaders: cfg.CORS.AllowHeaders,
		},
		// v2ErrorShape sits outside the body limit, so that /v2 clients
		// get the protocol's error shape for an oversized body too.
		Middleware:     []echo.MiddlewareFunc{a.Metrics.Middleware(), httpserver.Under("/v2", v2ErrorShape)},
		TrustedProxies: cfg.HTTP.TrustedProxies,
		QuietRoutes:    []string{"/health", "/live", "/ready", "/metrics", "/v2/health/live", "/v2/health/ready"},
		NoGzip:         []string{"/metrics", a.batchEventsRoute(), a.trainingEventsRoute(), cfg.API.V1Prefix + "/classify"},
		NoStore:        []string{cfg.API.V1Prefix + "/auth/"},
		Faults:         []httpserver.Fault{database.Fault},
	})
	if err := a.mount(); err != nil {
		return nil, err
	}
	if a.ln, err = net.Listen("tcp", cfg.Addr()); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr(), err)
	}
	if cfg.Metrics.Enabled && cfg.Metrics.Port != 0 {
		if a.metricsLn, err = net.Listen("tcp", net.JoinHostPort(cfg.API.Host, fmt.Sprint(cfg.Metrics.Port))); err != nil {
			return nil, fmt.Errorf("listen for metrics: %w", err)
		}
		a.metricsSrv = &http.Server{Handler: a.Metrics.Handler(), ReadHeaderTimeout: 5 * time.Second}
	}
	return a, nil
}

// Addr is the address the API listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Config is the configuration the process runs with.
func (a *App) Config() config.Config { return a.cfg }

// Run serves until ctx ends, then drains: /ready turns 503, in-flight
// requests get the grace period, then the worker stops taking tasks.
func (a *App) Run(ctx context.Context) error {
	a.log.Info("starting", "version", Version(), "config", a.cfg, "api", a.mode.API, "worker", a.mode.Worker)
	k := kernels.Chosen()
	a.log.Info("inference kernel", "kernel", k.Kernel, "reason", k.Reason, "cpu", k.CPU, "available", k.Available, "gflops", k.GFLOPS, "winograd", k.Winograd)
	errc := make(chan error, 2)
	go func() { errc <- a.HTTP.Serve(a.ln) }()
	if a.metricsSrv != nil {
		go func() {
			if err := a.metricsSrv.Serve(a.metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics server: %w", err)
			}
		}()
	}
	prepared := make(chan error, 1)
	go func() { prepared <- a.prepare(ctx) }()
	a.log.Info("listening", "addr", a.Addr())

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	case err := <-prepared:
		if err != nil && ctx.Err() == nil {
			runErr = err
		} else if err == nil {
			select {
			case <-ctx.Done():
			case runErr = <-errc:
			}
		}
	}
	a.shutdown()
	return runErr
}

// prepare migrates (retrying while the database is not up yet), runs the
// start hooks, starts the worker and marks the process ready.
func (a *App) prepare(ctx context.Context) error {
	backoff := 250 * time.Millisecond
	for {
		err := a.migrate(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.log.Warn("database not ready; retrying", "waiting_for", a.waitingFor(), "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
	a.waiting.Store(&waitStarting)
	for _, hook := range a.startHooks {
		if err := hook(ctx); err != nil {
			return fmt.Errorf("start-up: %w", err)
		}
	}
	if a.mode.Worker {
		if err := a.Queue.Start(); err != nil {
			return err
		}
	}
	a.started.Store(true)
	a.log.Info("ready")
	return nil
}

func (a *App) migrate(ctx context.Context) error {
	// A server that accepts connections and never answers must not hold
	// start-up (and /ready's reason) at "connecting" for ever.
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err := a.DB.Ping(pctx)
	cancel()
	if err != nil {
		a.waiting.Store(&waitUnreachable)
		return err
	}
	a.waiting.Store(&waitMigrating)
	if !a.cfg.Database.MigrateOnStart {
		return nil
	}
	m, err := database.NewMigrator(a.DB, db.Migrations())
	if err != nil {
		return err
	}
	n, err := m.Up(ctx)
	if n > 0 {
		a.log.Info("applied migrations", "count", n)
	}
	return err
}

func (a *App) shutdown() {
	a.draining.Store(true)
	a.log.Info("shutting down", "grace", a.cfg.HTTP.ShutdownGrace.String())
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.HTTP.ShutdownGrace)
	defer cancel()
	if err := a.HTTP.Shutdown(ctx); err != nil {
		a.log.Warn("in-flight requests cut off at the end of the grace period", "error", err)
	}
	if a.metricsSrv != nil {
		a.metricsSrv.Shutdown(ctx)
	}
	a.Queue.Stop()
	a.log.Info("stopped")
}

// Close releases everything New acquired, in reverse order.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	if a.ln != nil {
		a.ln.Close()
	}
	if a.metricsLn != nil {
		a.metricsLn.Close()
	}
	if a.Queue != nil {
		errs = append(errs, a.Queue.Close())
	}
	if a.Redis != nil {
		errs = append(errs, a.Redis.Close())
	}
	if a.DB != nil {
		errs = append(errs, a.DB.Close())
	}
	return errors.Join(errs...)
}
