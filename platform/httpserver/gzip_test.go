package httpserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestNoGzipMatchesPrefixesAndRouteTemplates: streamed responses are left
// unbuffered, whether named by a path prefix or by their route template;
// everything else is compressed.
func TestNoGzipMatchesPrefixesAndRouteTemplates(t *testing.T) {
	s := New(Options{NoGzip: []string{"/metrics", "/api/batches/:id/events"}})
	big := strings.Repeat("fish ", 500)
	for _, p := range []string{"/metrics", "/api/batches/:id/events", "/api/batches/:id/results"} {
		s.Echo.GET(p, func(c echo.Context) error { return c.String(http.StatusOK, big) })
	}
	for path, wantGzip := range map[string]bool{
		"/metrics":                false,
		"/api/batches/b1/events":  false,
		"/api/batches/b1/results": true,
	} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		s.Echo.ServeHTTP(rec, req)
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != wantGzip {
			t.Errorf("%s: gzip %v, want %v", path, got, wantGzip)
		}
	}
}
