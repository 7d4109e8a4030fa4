package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
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

func TestWithinMaxErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		statuses  map[int]int64
		transport int64
		max       float64
		want      bool
	}{
		{"all fine", map[int]int64{200: 100}, 0, 0, true},
		{"every answer refused", map[int]int64{429: 34027}, 0, 0, false},
		{"every answer refused, any budget", map[int]int64{429: 50}, 0, 1e9, false},
		{"one 429 with none allowed", map[int]int64{200: 99, 429: 1}, 0, 0, false},
		{"a count allowed", map[int]int64{200: 95, 429: 5}, 0, 5, true},
		{"beyond the count", map[int]int64{200: 94, 429: 6}, 0, 5, false},
		{"a fraction allowed", map[int]int64{200: 99, 503: 1}, 0, 0.01, true},
		{"beyond the fraction", map[int]int64{200: 98, 503: 2}, 0, 0.01, false},
		{"no answers count too", map[int]int64{200: 98}, 2, 0.01, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Result{Statuses: tc.statuses, TransportErrors: tc.transport, Errors: tc.transport}
			for code, n := range tc.statuses {
				r.Requests += n
				if code >= 300 {
					r.Errors += n
				}
			}
			if got := r.Within(tc.max); got != tc.want {
				t.Errorf("Within(%g) = %v for %+v (rate %.3f)", tc.max, got, r, r.ErrorRate())
			}
		})
	}
}

func TestRunCountsRefusalsAndUnansweredRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		http.Error(w, `{"error":{"code":"rate_limited"}}`, http.StatusTooManyRequests)
	}))
	res := Run(context.Background(), func(ctx context.Context, c, i int) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	}, Options{Concurrency: 2, Requests: 40, Duration: time.Minute})
	if res.Requests != 40 || res.Errors != 40 || res.OK() != 0 || res.ErrorRate() != 1 || res.Within(0) {
		t.Fatalf("%+v ok %d rate %v", res, res.OK(), res.ErrorRate())
	}
	if !strings.Contains(res.String(), "errors 40 (100.0%)") {
		t.Errorf("summary %q", res)
	}
	srv.Close()
	res = Run(context.Background(), func(ctx context.Context, c, i int) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	}, Options{Concurrency: 1, Requests: 3, Duration: time.Minute})
	if res.TransportErrors != 3 || res.Errors != 3 || res.Within(0) {
		t.Fatalf("a closed server: %+v", res)
	}
}
