package app

import (
	"context"
	"net/http"
	"strconv"

	"github.com/aquaml/aquaml/app/apidocs"
	"github.com/aquaml/aquaml/app/bundled"
	"github.com/aquaml/aquaml/modules/auth"
	"github.com/aquaml/aquaml/modules/classification"
	"github.com/aquaml/aquaml/modules/health"
	"github.com/aquaml/aquaml/modules/webapp"
	"github.com/aquaml/aquaml/platform/httpserver"
	"github.com/labstack/echo/v4"
)

// mount builds the modules and registers their routes. The API process
// serves them; a worker process builds the same modules for the background
// work they own but serves only the probes and metrics.
func (a *App) mount() error {
	e := a.HTTP.Echo
	accounts, err := auth.New(auth.Deps{
		DB: a.DB.DB, Redis: a.Redis.Client, Auth: a.cfg.Auth,
		APIRatePerMinute: a.cfg.RateLimitPerMinute, Logger: a.log,
		PhotoReads: classification.PhotoReads(a.cfg.API.V1Prefix),
	})
	if err != nil {
		return err
	}
	a.RequireUser, a.RequireAdmin = accounts.RequireUser(), accounts.RequireAdmin()
	if a.classifier, err = a.newClassification(); err != nil {
		return err
	}
	a.startHooks = append(a.startHooks, a.classifier.Start)
	a.closers = append(a.closers, func() error { a.classifier.Close(); return nil })
	if err := a.mountBatch(); err != nil {
		return err
	}
	if err := a.mountDatasets(); err != nil {
		return err
	}
	if err := a.mountTraining(); err != nil {
		return err
	}

	health.New(health.Deps{
		Service:  a.cfg.ProjectName,
		Version:  a.version(),
		Started:  a.started.Load,
		Draining: a.draining.Load,
		Waiting:  a.waitingFor,
		Checks:   a.healthChecks(),
		Logger:   a.log,
	}).Routes(e)
	if a.cfg.Metrics.Enabled && a.cfg.Metrics.Port == 0 {
		e.GET("/metrics", echo.WrapHandler(a.Metrics.Handler()))
	}
	if !a.mode.API {
		return nil
	}
	// Everything under the versioned prefix knows its caller and is rate
	// limited per caller; the probes and /metrics above are neither. Not
	// Group.Use: it would turn the router's 405s into 404s.
	e.Use(httpserver.Under(a.cfg.API.V1Prefix, accounts.Identify(), accounts.RateLimit()))
	api := e.Group(a.cfg.API.V1Prefix)
	accounts.Routes(api)
	a.startHooks = append(a.startHooks, accounts.Bootstrap)
	a.classifier.Routes(api)
	a.batches.Routes(api)
	a.datasets.Routes(api)
	a.training.Routes(api)
	a.classifier.RoutesV2(e, classification.V2Server{Name: a.cfg.ProjectName, Version: a.version()}, accounts.RateLimit())
	e.Use(a.untilStarted)
	e.Use(httpserver.Unmatched([]string{a.cfg.API.V1Prefix}, accounts.Identify(), accounts.RateLimit()))

	docs, err := apidocs.Load(a.cfg.API.V1Prefix)
	if err != nil {
		return err
	}
	if err := a.mountWebApp(accounts); err != nil {
		return err
	}
	e.GET("/", a.root)
	e.GET("/docs", docs.HTML)
	e.GET("/docs/:asset", docs.Asset)
	e.GET(a.cfg.API.V1Prefix+"/openapi.json", docs.JSON)
	return nil
}

// v2ErrorShape answers, in the Open Inference Protocol's {"error": "..."},
// the errors raised under /v2 before its handlers run: a missing or bad
// credential, a rate limit, an unknown path or a wrong method. Faults
// keep going to the central handler, which logs them.
func v2ErrorShape(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		status, detail, retryAfter := httpserver.Describe(err)
		if status >= 500 && status != http.StatusServiceUnavailable {
			return err
		}
		if retryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		if c.Request().Method == http.MethodHead {
			return c.NoContent(status)
		}
		return c.JSON(status, map[string]string{"error": detail.Message})
	}
}

func (a *App) newClassification() (*classification.Module, error) {
	return classification.New(classification.Deps{
		DB: a.DB.DB, Redis: a.Redis.Client, Metrics: a.Metrics.Registry, Logger: a.log,
		RequireUser: a.RequireUser, RequireAdmin: a.RequireAdmin,
		Bundled: classification.Bundled{File: bundled.File(), Card: bundled.Card()},
		Config:  classification.Config{Model: a.cfg.Model, Classify: a.cfg.Classify, MaxBytes: a.cfg.HTTP.BodyLimit},
		// The batch module is built after this one; the closure reads it
		// when an admin unloads a model, by which time it is set.
		ModelInUse: func(ctx context.Context, modelID string) (int, error) {
			if a.batches == nil {
				return 0, nil
			}
			return a.batches.PinnedTo(ctx, modelID)
		},
	})
}

func (a *App) version() string {
	if a.cfg.Version != "" {
		return a.cfg.Version
	}
	return Version()
}

// root welcomes API clients with JSON and sends browsers to the web app.
func (a *App) root(c echo.Context) error {
	if wantsHTML(c) {
		return c.Redirect(http.StatusFound, webapp.Prefix+"/")
	}
	return c.JSON(http.StatusOK, map[string]any{
		"name":    a.cfg.ProjectName,
		"version": a.version(),
		"docs":    "/docs",
		"openapi": a.cfg.API.V1Prefix + "/openapi.json",
		"health":  "/health",
		"ready":   "/ready",
		"api":     a.cfg.API.V1Prefix,
	})
}

func (a *App) healthChecks() []health.Check {
	return []health.Check{
		{Name: "database", Critical: true, Probe: func(ctx context.Context) (map[string]any, error) {
			_, err := a.DB.Ping(ctx)
			return map[string]any{"dialect": string(a.DB.Dialect)}, err
		}},
		{Name: "redis", Probe: func(ctx context.Context) (map[string]any, error) {
			_, err := a.Redis.Ping(ctx)
			return map[string]any{"embedded": a.Redis.Embedded()}, err
		}},
		{Name: "queue", Probe: func(ctx context.Context) (map[string]any, error) {
			n, err := a.Queue.WorkersSeen(ctx)
			details := map[string]any{"workers": n, "worker_in_process": a.mode.Worker}
			if err == nil && n == 0 {
				// Batches would be accepted and wait for ever.
				err = health.Degraded("no worker has been seen: submitted batches wait until one starts")
			}
			return details, err
		}},
		{Name: "model", Critical: true, Probe: a.classifier.Health},
	}
}
