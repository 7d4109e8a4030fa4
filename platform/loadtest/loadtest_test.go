package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsRequestsAndErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%4 == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	res := Run(context.Background(), func(ctx context.Context, c, i int) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	}, Options{Concurrency: 4, Requests: 200, Duration: time.Minute})
	if res.Requests != 200 || res.Errors != 50 || res.Statuses[200] != 150 || res.Statuses[503] != 50 {
		t.Fatalf("%+v", res)
	}
	if res.P50 <= 0 || res.P50 > res.P95 || res.P95 > res.P99 || res.P99 > res.Max || res.PerSecond() <= 0 {
		t.Errorf("percentiles out of order: %+v", res)
	}
	if res.FirstErr == "" {
		t.Error("first error not kept")
	}
}

func TestRunStopsAtTheDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	start := time.Now()
	res := Run(context.Background(), func(ctx context.Context, c, i int) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	}, Options{Concurrency: 2, Duration: 200 * time.Millisecond})
	if time.Since(start) > 5*time.Second || res.Requests == 0 || res.Errors != 0 {
		t.Fatalf("%+v after %v", res, time.Since(start))
	}
}
