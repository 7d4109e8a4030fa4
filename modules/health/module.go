// Package health serves liveness, readiness and dependency health. It knows
// nothing of the dependencies themselves: app/ hands it named probes.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Probe checks one dependency and may return details worth showing (the
// dialect, the model version). An error means the dependency is down.
type Probe func(ctx context.Context) (map[string]any, error)

// Degraded is a probe's answer when its dependency works but cannot do its
// whole job (a queue nobody consumes). It degrades the service without
// failing it, and its text is shown as the check's error, so it must name
// no host or secret.
type Degraded string

func (d Degraded) Error() string { return string(d) }

// Check is a named probe. A failing critical check makes the service
// unhealthy (503); a failing non-critical one only degrades it.
type Check struct {
	Name     string
	Critical bool
	Probe    Probe
}

// Deps is what the module needs from the application.
type Deps struct {
	Service string
	Version string
	// Started reports whether start-up finished (migrations applied);
	// Draining whether shutdown began. Both feed /ready.
	Started  func() bool
	Draining func() bool
	// Waiting says what start-up waits for while Started is false
	// ("database unreachable"), so /ready tells an operator what to fix.
	Waiting func() string
	Checks  []Check
	// Timeout bounds each probe so a hung dependency cannot hang a probe.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Module serves /health, /live, /ready and /health/detailed.
type Module struct {
	deps Deps
	// healthPrefix is /health's body up to the timestamp, which alone
	// changes between calls.
	healthPrefix []byte
}

// New builds the module.
func New(deps Deps) *Module {
	if deps.Timeout <= 0 {
		deps.Timeout = 2 * time.Second
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	prefix, _ := json.Marshal(struct {
		Status  string `json:"status"`
		Service string `json:"service"`
		Version string `json:"version"`
	}{"healthy", deps.Service, deps.Version})
	prefix = append(prefix[:len(prefix)-1], `,"timestamp":"`...)
	return &Module{deps: deps, healthPrefix: prefix}
}

// Routes mounts the endpoints at the root, where orchestrators expect them.
func (m *Module) Routes(e *echo.Echo) {
	e.GET("/health", m.health)
	e.GET("/live", m.live)
	e.GET("/ready", m.ready)
	e.GET("/health/detailed", m.detailed)
}

type healthBody struct {
	Status    string    `json:"status"`
	Service   string    `json:"service"`
	Version   string    `json:"version"`
	Timestamp time.Time `json:"timestamp"`
}

// health is what load balancers poll many times a second, so it writes
// its small body by hand rather than through reflection.
func (m *Module) health(c echo.Context) error {
	b := make([]byte, 0, len(m.healthPrefix)+48)
	b = append(b, m.healthPrefix...)
	b = time.Now().UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"', '}')
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

func (m *Module) live(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "alive"})
}

// CheckResult is one dependency's state in /health/detailed and /ready.
type CheckResult struct {
	Status    string         `json:"status"` // up, degraded or down
	Critical  bool           `json:"critical"`
	LatencyMS float64        `json:"latency_ms"`
	Error     string         `json:"error,omitempty"`
	Details   map[string]any `json:"details,omitempty"`
}

type readyBody struct {
	Status string                 `json:"status"`
	Reason string                 `json:"reason,omitempty"`
	Checks map[string]CheckResult `json:"checks,omitempty"`
}

func (m *Module) ready(c echo.Context) error {
	switch {
	case m.deps.Draining != nil && m.deps.Draining():
		return c.JSON(http.StatusServiceUnavailable, readyBody{Status: "not_ready", Reason: "shutting down"})
	case m.deps.Started != nil && !m.deps.Started():
		reason := "starting"
		if m.deps.Waiting != nil {
			if w := m.deps.Waiting(); w != "" {
				reason += ": " + w
			}
		}
		// The checks show which dependency start-up waits for.
		results, _ := m.run(c.Request().Context(), true)
		return c.JSON(http.StatusServiceUnavailable, readyBody{Status: "not_ready", Reason: reason, Checks: results})
	}
	results, critical := m.run(c.Request().Context(), true)
	if critical {
		return c.JSON(http.StatusServiceUnavailable, readyBody{Status: "not_ready", Reason: "a critical dependency is down", Checks: results})
	}
	return c.JSON(http.StatusOK, readyBody{Status: "ready", Checks: results})
}

type detailedBody struct {
	healthBody
	Checks map[string]CheckResult `json:"checks"`
}

func (m *Module) detailed(c echo.Context) error {
	results, critical := m.run(c.Request().Context(), false)
	body := detailedBody{healthBody{"healthy", m.deps.Service, m.deps.Version, time.Now().UTC()}, results}
	for _, r := range results {
		if r.Status != "up" {
			body.Status = "degraded"
		}
	}
	if critical {
		body.Status = "unhealthy"
		return c.JSON(http.StatusServiceUnavailable, body)
	}
	return c.JSON(http.StatusOK, body)
}

// run probes concurrently so /health/detailed costs the slowest probe, not
// their sum. It reports whether a critical check failed.
func (m *Module) run(ctx context.Context, criticalOnly bool) (map[string]CheckResult, bool) {
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		results  = make(map[string]CheckResult, len(m.deps.Checks))
		critical bool
	)
	for _, ch := range m.deps.Checks {
		if criticalOnly && !ch.Critical {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, m.deps.Timeout)
			defer cancel()
			start := time.Now()
			details, err := ch.Probe(pctx)
			r := CheckResult{Status: "up", Critical: ch.Critical, Details: details,
				LatencyMS: float64(time.Since(start).Microseconds()) / 1000}
			var degraded Degraded
			switch {
			case errors.As(err, &degraded):
				r.Status, r.Error, err = "degraded", degraded.Error(), nil
			case err != nil:
				// The raw error names hosts and ports; it goes to the
				// log, the public body says only what kind of failure.
				r.Status, r.Error = "down", "unavailable"
				if pctx.Err() != nil {
					r.Error = "timed out after " + m.deps.Timeout.String()
				}
				m.deps.Logger.Warn("health check failed", "check", ch.Name, "error", err)
			}
			mu.Lock()
			results[ch.Name] = r
			if err != nil && ch.Critical {
				critical = true
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results, critical
}
