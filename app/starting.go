package app

import (
	"errors"
	"strings"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/database"
	"github.com/labstack/echo/v4"
)

// untilStarted answers API requests with 503 until start-up is done: the
// tables may not exist yet, and the caller should hear why and when to try
// again rather than get a 500. Probes, metrics and docs keep answering.
func (a *App) untilStarted(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.started.Load() || !a.isAPIPath(c.Request().URL.Path) {
			return next(c)
		}
		if a.waitingFor() == waitUnreachable {
			return database.Unavailable(errors.New("not reachable since start-up"))
		}
		e := apperr.New(apperr.Unavailable, "starting", "the service is starting ("+a.waitingFor()+"); try again shortly")
		e.RetryAfter = database.RetryAfter
		return e
	}
}

// isAPIPath tells the API (v1 and v2 inference) from probes, metrics and
// docs.
func (a *App) isAPIPath(p string) bool {
	v1 := a.cfg.API.V1Prefix
	if p == v1+"/openapi.json" || strings.HasPrefix(p, "/v2/health/") {
		return false
	}
	return p == v1 || strings.HasPrefix(p, v1+"/") || p == "/v2" || strings.HasPrefix(p, "/v2/")
}
