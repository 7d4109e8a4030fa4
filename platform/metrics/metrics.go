// Package metrics owns the Prometheus registry and the HTTP metrics every
// route gets. Modules register their own collectors on Registry.
package metrics

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// UnmatchedRoute is the route label of requests no route matched, so that
// scanners probing random paths cannot explode the label set.
const UnmatchedRoute = "unmatched"

// OtherMethod is the method label of requests with a method HTTP does not
// define: any token is a valid method on the wire, and each would
// otherwise become a series of its own.
const OtherMethod = "OTHER"

var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
	http.MethodConnect: true, http.MethodTrace: true,
}

// methodLabel bounds the method label to the methods HTTP defines.
func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return OtherMethod
}

// Metrics is the process's registry with the HTTP instruments.
type Metrics struct {
	Registry *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	// series caches each (method, route, status)'s instruments: the label
	// lookup hashes strings and formats the status on every request.
	series sync.Map // seriesKey -> *series
}

type seriesKey struct {
	method, route string
	status        int
}

type series struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// New creates a registry with Go runtime, process and build-info collectors
// and the HTTP instruments.
func New(version, revision string) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "HTTP request latency by method and route template.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "aquaml_build_info",
		Help:        "Build of the running binary; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": runtime.Version()},
	})
	build.Set(1)
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.inFlight, build,
	)
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Middleware records every request under its route template. It writes
// errors itself so the recorded status is the one the client receives.
func (m *Metrics) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			m.inFlight.Inc()
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			m.inFlight.Dec()
			route := c.Path()
			// A group's catch-all (echo registers prefix/* so that group
			// middleware runs on 404s) matched nothing either.
			if route == "" || c.Response().Status == http.StatusNotFound && strings.HasSuffix(route, "/*") {
				route = UnmatchedRoute
			}
			key := seriesKey{methodLabel(c.Request().Method), route, c.Response().Status}
			s, ok := m.series.Load(key)
			if !ok {
				s, _ = m.series.LoadOrStore(key, &series{
					count:    m.requests.WithLabelValues(key.method, route, strconv.Itoa(key.status)),
					duration: m.duration.WithLabelValues(key.method, route),
				})
			}
			s.(*series).count.Inc()
			s.(*series).duration.Observe(time.Since(start).Seconds())
			return nil
		}
	}
}
