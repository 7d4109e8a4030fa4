package httpserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

// RequestID honours a well-formed incoming X-Request-ID (so a trace spans
// the caller and us) and otherwise makes one; either way it is echoed back.
func RequestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Request().Header.Get(echo.HeaderXRequestID)
			if !validRequestID(id) {
				id = newRequestID()
			}
			// The response header is the one place it lives: no per-request
			// map in the context, and it cannot disagree with what the
			// client is told.
			c.Response().Header()[echo.HeaderXRequestID] = []string{id}
			return next(c)
		}
	}
}

// validRequestID keeps caller-chosen ids short and printable, so they
// cannot forge log lines or bloat them.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == ':') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RequestIDOf returns the request id of c.
func RequestIDOf(c echo.Context) string {
	if v := c.Response().Header()[echo.HeaderXRequestID]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// AccessLog writes one structured line per request. Successful requests to
// quiet routes (probes, scrapes), their 503s, and requests whose client went
// away are logged at debug level; other 503s (retry later) at warning level,
// and only the server's own failures at error level.
func AccessLog(log *slog.Logger, quiet ...string) echo.MiddlewareFunc {
	quietSet := make(map[string]bool, len(quiet))
	for _, r := range quiet {
		quietSet[r] = true
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				// Let the error handler write the response now so the
				// logged status is the one the client gets.
				c.Error(err)
			}
			req, res := c.Request(), c.Response()
			level := slog.LevelInfo
			switch {
			case res.Status == StatusClientClosedRequest:
				level = slog.LevelDebug // nobody to answer; not news
			case res.Status == http.StatusServiceUnavailable && quietSet[c.Path()]:
				// A probe saying "not ready" while starting or draining
				// is the probe working; the cause is logged where it is
				// found (start-up, the health checks).
				level = slog.LevelDebug
			case res.Status == http.StatusServiceUnavailable:
				// Overload or a dependency down: the caller was told to
				// retry, and the cause is logged where it was found.
				level = slog.LevelWarn
			case res.Status >= 500:
				level = slog.LevelError
			case res.Status < 400 && quietSet[c.Path()]:
				level = slog.LevelDebug
			}
			if !log.Enabled(req.Context(), level) {
				return nil
			}
			log.LogAttrs(req.Context(), level, "request",
				slog.String("request_id", RequestIDOf(c)),
				slog.String("method", req.Method),
				slog.String("route", c.Path()),
				slog.String("path", req.URL.Path),
				slog.Int("status", res.Status),
				slog.Int64("bytes", res.Size),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("remote_ip", c.RealIP()),
			)
			return nil
		}
	}
}

// Recover turns a panic in a handler into a logged 500 instead of a dead
// connection, keeping the stack for the logs only.
func Recover(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					if r == http.ErrAbortHandler {
						panic(r)
					}
					log.Error("panic in handler", "request_id", RequestIDOf(c), "route", c.Path(),
						"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
					err = apperr.Wrap(apperr.Internal, "internal_error", "internal server error", fmt.Errorf("panic: %v", r))
				}
			}()
			return next(c)
		}
	}
}

// BodyLimit refuses bodies larger than limit with 413, whether the client
// declared the size or streams it. A handler that fails while reading an
// oversized body has its error replaced by the 413, so no handler needs to
// recognise the condition itself.
func BodyLimit(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > limit {
				return tooLarge(limit)
			}
			if req.Body == nil || req.Body == http.NoBody {
				return next(c) // nothing to read, nothing to bound
			}
			body := &limitedBody{ReadCloser: http.MaxBytesReader(c.Response(), req.Body, limit)}
			req.Body = body
			err := next(c)
			if body.exceeded || isMaxBytes(err) {
				return tooLarge(limit)
			}
			return err
		}
	}
}

type limitedBody struct {
	io.ReadCloser
	exceeded bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if isMaxBytes(err) {
		b.exceeded = true
	}
	return n, err
}

func isMaxBytes(err error) bool {
	var mb *http.MaxBytesError
	return err != nil && errors.As(err, &mb)
}

func tooLarge(limit int64) error {
	return apperr.New(apperr.TooLarge, "body_too_large",
		fmt.Sprintf("request body exceeds the limit of %d MB", limit>>20))
}
