package httpserver

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// Under applies mw, first to last, to the requests whose path is prefix or
// below it. It stands in for echo's Group.Use, which registers a catch-all
// route for the group: that route wins over the router's own 405, so a
// known path with a wrong method would answer 404 without Allow (echo
// issue #1981). Matched or not, requests under prefix still pass through
// mw, so unknown paths are identified and rate limited as before.
func Under(prefix string, mw ...echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		wrapped := next
		for i := len(mw) - 1; i >= 0; i-- {
			wrapped = mw[i](wrapped)
		}
		return func(c echo.Context) error {
			p := c.Request().URL.Path
			if p == prefix || strings.HasPrefix(p, prefix+"/") {
				return wrapped(c)
			}
			return next(c)
		}
	}
}
