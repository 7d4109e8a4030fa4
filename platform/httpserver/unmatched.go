package httpserver

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// Unmatched applies mw, first to last, to the requests no route matched,
// except those under one of the prefixes (which apply their own chain).
// A scanner probing random paths is a caller like any other: it is
// identified and rate limited, so that a 404 costs it its budget too.
func Unmatched(except []string, mw ...echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		wrapped := next
		for i := len(mw) - 1; i >= 0; i-- {
			wrapped = mw[i](wrapped)
		}
		return func(c echo.Context) error {
			if c.Path() != "" {
				return next(c)
			}
			p := c.Request().URL.Path
			for _, prefix := range except {
				if p == prefix || strings.HasPrefix(p, prefix+"/") {
					return next(c)
				}
			}
			return wrapped(c)
		}
	}
}
