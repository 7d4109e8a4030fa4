package httpserver

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestUnderKeepsTheRouters405 is why Under exists: group middleware from
// Group.Use turns a wrong method into 404; Under must not, and must still
// run for every path below its prefix, known or not.
func TestUnderKeepsTheRouters405(t *testing.T) {
	e := echo.New()
	e.HTTPErrorHandler = ErrorHandler(nil)
	var seen []string
	mark := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			seen = append(seen, c.Request().URL.Path)
			return next(c)
		}
	}
	e.Use(Under("/api/v1", mark))
	api := e.Group("/api/v1")
	api.GET("/me", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	api.PATCH("/me", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	e.GET("/api/v10", func(c echo.Context) error { return c.NoContent(http.StatusOK) })

	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
		marked       bool
	}{
		{"GET", "/api/v1/me", 200, "", true},
		{"PUT", "/api/v1/me", 405, "OPTIONS, GET, PATCH", true},
		{"GET", "/api/v1/nothing", 404, "", true},
		{"GET", "/api/v10", 200, "", false}, // a sibling path, not below the prefix
	} {
		seen = nil
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want %d Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.status, tc.allow)
		}
		if marked := len(seen) == 1; marked != tc.marked {
			t.Errorf("%s %s: middleware ran %d times, want it to run: %v", tc.method, tc.path, len(seen), tc.marked)
		}
	}
}
