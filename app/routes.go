package app

import (
	"context"
	"net/http"

	"github.com/aquaml/aquaml/app/apidocs"
	"github.com/aquaml/aquaml/modules/auth"
	"github.com/aquaml/aquaml/modules/health"
	"github.com/labstack/echo/v4"
)

// mount builds the modules and registers their routes.
func (a *App) mount() error {
	e := a.HTTP.Echo
	health.New(health.Deps{
		Service:  a.cfg.ProjectName,
		Version:  a.version(),
		Started:  a.started.Load,
		Draining: a.draining.Load,
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
	// limited per caller; the probes and /metrics above are neither.
	api := e.Group(a.cfg.API.V1Prefix)
	accounts, err := auth.New(auth.Deps{
		DB: a.DB.DB, Redis: a.Redis.Client, Auth: a.cfg.Auth,
		APIRatePerMinute: a.cfg.RateLimitPerMinute, Logger: a.log,
	})
	if err != nil {
		return err
	}
	api.Use(accounts.Identify(), accounts.RateLimit())
	accounts.Routes(api)
	a.RequireUser, a.RequireAdmin = accounts.RequireUser(), accounts.RequireAdmin()
	a.startHooks = append(a.startHooks, accounts.Bootstrap)

	docs, err := apidocs.Load(a.cfg.API.V1Prefix)
	if err != nil {
		return err
	}
	e.GET("/", a.root)
	e.GET("/docs", docs.HTML)
	e.GET(a.cfg.API.V1Prefix+"/openapi.json", docs.JSON)
	return nil
}

func (a *App) version() string {
	if a.cfg.Version != "" {
		return a.cfg.Version
	}
	return Version()
}

func (a *App) root(c echo.Context) error {
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
			return map[string]any{"workers": n, "worker_in_process": a.mode.Worker}, err
		}},
		{Name: "model", Probe: func(context.Context) (map[string]any, error) {
			return map[string]any{"loaded": false}, nil
		}},
	}
}
