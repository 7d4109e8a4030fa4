package app

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
)

// BenchmarkHealthThroughMiddleware is GET /health through the whole
// middleware chain (request id, access log, metrics, recovery, CORS, gzip,
// body limit) without the network: the plumbing's own cost per request.
// The load-tool figure (wrk against a running server) is in BENCHMARKS.md.
func BenchmarkHealthThroughMiddleware(b *testing.B) {
	cfg := testConfig(b)
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})), Mode{API: true})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	req := httptest.NewRequest("GET", "/health", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			a.HTTP.Echo.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
