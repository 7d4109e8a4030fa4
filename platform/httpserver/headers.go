package httpserver

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// DefaultCSP is the Content-Security-Policy of HTML pages: everything from
// this origin only, no plugins, and no framing by any site (clickjacking).
// Styles may be inline because documentation pages carry style
// attributes; scripts may not, so an injected <script> does not run.
const DefaultCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the headers that keep browsers from misreading an
// answer: nosniff on every one (a JSON error naming an uploaded file must
// never be sniffed into HTML), a CSP and framing ban on HTML pages,
// whatever handler wrote them, and no-store under the noStore path
// prefixes, whose answers carry tokens and keys that no cache may keep.
func SecurityHeaders(csp string, noStore []string) echo.MiddlewareFunc {
	if csp == "" {
		csp = DefaultCSP
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			h := res.Header()
			h.Set(echo.HeaderXContentTypeOptions, "nosniff")
			p := c.Request().URL.Path
			for _, prefix := range noStore {
				if strings.HasPrefix(p, prefix) {
					h.Set(echo.HeaderCacheControl, "no-store")
					h.Set("Pragma", "no-cache") // HTTP/1.0 caches
					break
				}
			}
			// The type is known only once the handler writes, so the
			// decision waits for the header to go out.
			res.Before(func() {
				if strings.HasPrefix(h.Get(echo.HeaderContentType), echo.MIMETextHTML) {
					h.Set(echo.HeaderContentSecurityPolicy, csp)
					h.Set(echo.HeaderXFrameOptions, "DENY")
				}
			})
			return next(c)
		}
	}
}
