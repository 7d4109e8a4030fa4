// Package loadtest drives an HTTP endpoint with concurrent clients for a
// fixed time and reports throughput, errors and latency percentiles: the
// Go counterpart of a Locust run, small enough to ship in the binary.
package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Request builds the i-th request of client c; it is called concurrently.
type Request func(ctx context.Context, c, i int) (*http.Request, error)

// Options describe a run.
type Options struct {
	Concurrency int
	Duration    time.Duration
	// Requests, when > 0, stops the run after that many requests instead
	// (whichever of Duration and Requests comes first).
	Requests int64
	Client   *http.Client
}

// Result summarises a run.
type Result struct {
	Requests int64 // answered requests, whatever their status
	Errors   int64 // transport errors and non-2xx answers
	// TransportErrors are requests that got no answer at all.
	TransportErrors int64
	Statuses        map[int]int64
	Elapsed         time.Duration
	P50, P95        time.Duration
	P99, Max        time.Duration
	FirstErr        string
}

// PerSecond is the completed request rate.
func (r Result) PerSecond() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// OK is the number of 2xx answers: the only requests whose latency says
// anything about the service's work.
func (r Result) OK() int64 {
	var n int64
	for code, c := range r.Statuses {
		if code >= 200 && code < 300 {
			n += c
		}
	}
	return n
}

// ErrorRate is the share of attempts that failed, 0 to 1.
func (r Result) ErrorRate() float64 {
	attempts := r.Requests + r.TransportErrors
	if attempts == 0 {
		return 0
	}
	return float64(r.Errors) / float64(attempts)
}

// Within reports whether the run's errors stay within maxErrors: a number
// of failed requests, or, below 1, a fraction of all of them. A run that
// got no successful answer at all is never within.
func (r Result) Within(maxErrors float64) bool {
	if r.OK() == 0 {
		return false
	}
	if maxErrors > 0 && maxErrors < 1 {
		return r.ErrorRate() <= maxErrors
	}
	return float64(r.Errors) <= maxErrors
}

func (r Result) String() string {
	return fmt.Sprintf("requests %d in %.1fs: %.1f req/s, ok %d, errors %d (%.1f%%), latency p50 %.1f ms p95 %.1f ms p99 %.1f ms max %.1f ms",
		r.Requests, r.Elapsed.Seconds(), r.PerSecond(), r.OK(), r.Errors, 100*r.ErrorRate(),
		ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Run sends requests from opts.Concurrency clients until the duration or
// request count is reached, or ctx ends.
func Run(ctx context.Context, build Request, opts Options) Result {
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: opts.Concurrency}}
	}
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}
	var (
		sent atomic.Int64
		mu   sync.Mutex
		lat  []time.Duration
		res  = Result{Statuses: map[int]int64{}}
		wg   sync.WaitGroup
	)
	start := time.Now()
	for c := range opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, 4096)
			statuses := map[int]int64{}
			var errs, transport int64
			var firstErr string
			for i := 0; ctx.Err() == nil; i++ {
				if opts.Requests > 0 && sent.Add(1) > opts.Requests {
					break
				}
				req, err := build(ctx, c, i)
				if err != nil {
					errs, firstErr = errs+1, err.Error()
					break
				}
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						break // the run ended mid-request: not the server's fault
					}
					errs++
					transport++
					if firstErr == "" {
						firstErr = err.Error()
					}
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t))
				statuses[resp.StatusCode]++
				if resp.StatusCode >= 300 {
					errs++
					if firstErr == "" {
						firstErr = fmt.Sprintf("%d %s", resp.StatusCode, body)
					}
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			for k, v := range statuses {
				res.Statuses[k] += v
			}
			res.Errors += errs
			res.TransportErrors += transport
			if res.FirstErr == "" {
				res.FirstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = int64(len(lat))
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		res.P50, res.P95, res.P99, res.Max = lat[n*50/100], lat[n*95/100], lat[n*99/100], lat[n-1]
	}
	return res
}
