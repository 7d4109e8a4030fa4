// Package httpserver builds the Echo instance every module mounts on: the
// middleware chain, the JSON error contract and the http.Server limits.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Options configures the server. Zero durations fall back to safe defaults.
type Options struct {
	Logger       *slog.Logger
	BodyLimit    int64 // bytes
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
	CORS         CORS
	// Middleware runs after routing (so the route template is known),
	// outside panic recovery (so it sees the 500 of a panic), e.g. the
	// metrics recorder. It must write errors itself with c.Error to know
	// the final status.
	Middleware []echo.MiddlewareFunc
	// TrustedProxies are the CIDR ranges whose X-Forwarded-For is believed;
	// empty trusts loopback only (a proxy on the same host).
	TrustedProxies []*net.IPNet
	// QuietRoutes are route templates (probes, scrapes) whose successful
	// requests are logged at debug level, so they do not flood the log.
	QuietRoutes []string
	// NoGzip lists responses that are streamed (SSE) and must not be
	// buffered by the gzip writer, or are always small (a gzip writer is
	// reset for every response it might compress, which costs more than
	// a small answer saves): URL path prefixes ("/metrics"), or route
	// templates matched exactly ("/api/v1/batches/:id/events").
	NoGzip []string
	// NoStore lists URL path prefixes whose answers carry credentials
	// (tokens, API keys) and get Cache-Control: no-store.
	NoStore []string
	// Faults recognise dependency failures (database.Fault) in errors no
	// service classified, so they answer 503 or 507 instead of 500.
	Faults []Fault
	// ContentSecurityPolicy is sent with every HTML page; empty means
	// DefaultCSP.
	ContentSecurityPolicy string
}

// CORS is the cross-origin policy.
type CORS struct {
	Origins          []string
	AllowCredentials bool
	AllowMethods     []string
	AllowHeaders     []string
}

// Server is an Echo instance with AquaML's middleware and error contract.
type Server struct {
	Echo *echo.Echo
	http *http.Server
	log  *slog.Logger
}

// New builds the Echo instance and the http.Server around it.
func New(opts Options) *Server {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = ErrorHandler(log, opts.Faults...)
	// Rate limits and logs key on the client IP. X-Forwarded-For is only
	// believed from loopback peers unless TrustedProxies says otherwise:
	// cameras on a farm LAN and pods have private addresses too, and must
	// not pick their own IP (echo would trust private networks).
	e.IPExtractor = echo.ExtractIPFromXFFHeader(echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	if len(opts.TrustedProxies) > 0 {
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range opts.TrustedProxies {
			trust = append(trust, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(trust...)
	}
	e.Pre(RequestID())
	e.Pre(SecurityHeaders(opts.ContentSecurityPolicy, opts.NoStore))
	e.Use(AccessLog(log, opts.QuietRoutes...))
	e.Use(opts.Middleware...)
	e.Use(Recover(log))
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		// Same-origin and server-to-server calls (cameras, scripts,
		// probes) send no Origin: nothing to decide, nothing to add.
		Skipper: func(c echo.Context) bool {
			return c.Request().Header.Get(echo.HeaderOrigin) == ""
		},
		AllowOrigins:     opts.CORS.Origins,
		AllowCredentials: opts.CORS.AllowCredentials,
		AllowMethods:     opts.CORS.AllowMethods,
		AllowHeaders:     opts.CORS.AllowHeaders,
		ExposeHeaders:    []string{echo.HeaderXRequestID, "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"},
		MaxAge:           600,
	}))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		MinLength: 1000,
		Skipper: func(c echo.Context) bool {
			if !strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip") {
				return true // the client cannot read it anyway
			}
			for _, p := range opts.NoGzip {
				if strings.HasPrefix(c.Request().URL.Path, p) || c.Path() == p {
					return true
				}
			}
			return false
		},
	}))
	if opts.BodyLimit > 0 {
		e.Use(BodyLimit(opts.BodyLimit))
	}

	srv := &http.Server{
		Handler:           e,
		ReadTimeout:       orDefault(opts.ReadTimeout, 30*time.Second),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      orDefault(opts.WriteTimeout, 60*time.Second),
		IdleTimeout:       orDefault(opts.IdleTimeout, 120*time.Second),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return &Server{Echo: e, http: srv, log: log}
}

// Serve accepts connections on ln until Shutdown; it returns nil after a
// clean shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
