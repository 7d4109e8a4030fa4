package classification_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/app/bundled"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// BenchmarkDefaultModelBesideAnother serves the bundled model through the
// whole API (auth, rate limit, metrics, history insert; result cache off,
// distinct photos, 8 clients) first alone, then with a second model of the
// same size ready beside it and idle, then with half the clients asking
// for the second model. The first two must match: a ready model costs
// memory, not throughput. In the third the two share the CPU.
//
//	go test -run '^$' -bench DefaultModelBesideAnother -benchtime 2000x ./modules/classification
func BenchmarkDefaultModelBesideAnother(b *testing.B) {
	ta := apptest.New(b, func(c *config.Config) { c.Classify.CacheTTL, c.RateLimitPerMinute = 0, 1_000_000 })
	admin := ta.Admin()
	key := apiKey(b, ta)
	photos := make([][]byte, 256)
	for i := range photos {
		photos[i] = apptest.Photo(b, 1000+i, 100, 90, "jpeg")
	}
	run := func(b *testing.B, second float64) {
		var (
			next   atomic.Int64
			mu     sync.Mutex
			lat    []time.Duration
			failed atomic.Int64
		)
		b.SetParallelism(4) // 8 clients on 2 cores
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				n := next.Add(1)
				url := ta.URL + ta.API("/classify")
				if float64(n%100) < second*100 {
					url += "?model=trout-farm"
				}
				req, _ := http.NewRequest("POST", url, bytes.NewReader(photos[n%int64(len(photos))]))
				req.Header.Set("Content-Type", "image/jpeg")
				req.Header.Set("X-API-Key", key)
				t0 := time.Now()
				res, err := ta.Client.Do(req)
				if err != nil || res.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				if err == nil {
					res.Body.Close()
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
		elapsed := time.Since(start)
		if failed.Load() > 0 {
			b.Fatalf("%d of %d requests failed", failed.Load(), b.N)
		}
		slices.Sort(lat)
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	}
	b.Run("alone", func(b *testing.B) { run(b, 0) })
	trout := secondModel(b)
	body, ct := apptest.Multipart(b, "file", "trout.aqm", trout, nil)
	var v struct{ ID string }
	ta.Do("POST", ta.API("/models"), body, apptest.With(admin.Auth(), "Content-Type", ct)).Want(201).JSON(&v)
	ta.Do("POST", ta.API("/models/"+v.ID+"/load"), nil, admin.Auth()).Want(200)
	b.Run("beside-a-ready-model", func(b *testing.B) { run(b, 0) })
	b.Run("half-on-each", func(b *testing.B) { run(b, 0.5) })
}

// secondModel is the bundled network under another name: a model of
// exactly the default's size and cost.
func secondModel(b *testing.B) []byte {
	m, err := modelfile.Read(bytes.NewReader(bundled.File()))
	if err != nil {
		b.Fatal(err)
	}
	m.Meta.Name, m.Meta.Version = "trout-farm", "1"
	var buf bytes.Buffer
	if err := modelfile.Write(&buf, m); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// apiKey makes a camera's API key for a fresh user.
func apiKey(b *testing.B, ta *apptest.TestApp) string {
	s := ta.NewUser(fmt.Sprintf("cam%d", time.Now().UnixNano()%1e6))
	var k struct{ Key string }
	ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "camera"}, s.Auth()).Want(201).JSON(&k)
	return k.Key
}

// BenchmarkFixedCostPerRequest is the CPU a request costs besides decoding
// and the network: POST /classify of a photo already in the result
// cache (so no decode, no inference) through the whole stack in process,
// without sockets: request id, access log, metrics, JWT or API-key check,
// rate limit, cache read, history insert and the JSON answer. cpu-us/op
// is this process's CPU (user + system) per request, the in-process
// Redis and SQLite included when TEST_* are unset; GET /health is the
// middleware floor.
//
//	go test -run '^$' -bench FixedCostPerRequest ./modules/classification
func BenchmarkFixedCostPerRequest(b *testing.B) {
	ta := apptest.New(b, func(c *config.Config) { c.RateLimitPerMinute = 100_000_000 })
	s := ta.NewUser("camera")
	var k struct{ Key string }
	ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "camera"}, s.Auth()).Want(201).JSON(&k)
	photo := apptest.Photo(b, 5, 100, 90, "jpeg")
	ta.Do("POST", ta.API("/classify"), photo, apptest.With(s.Auth(), "Content-Type", "image/jpeg")).Want(200)
	for _, c := range []struct {
		name, method, path string
		header             map[string]string
	}{
		{"health", "GET", "/health", nil},
		{"classify-cached/token", "POST", ta.API("/classify"), s.Auth()},
		{"classify-cached/api-key", "POST", ta.API("/classify"), map[string]string{"X-API-Key": k.Key}},
	} {
		serve := func() error {
			var body *bytes.Reader
			if c.method == "POST" {
				body = bytes.NewReader(photo)
			}
			req := httptest.NewRequest(c.method, c.path, nil)
			if body != nil {
				req = httptest.NewRequest(c.method, c.path, body)
				req.Header.Set("Content-Type", "image/jpeg")
			}
			for h, v := range c.header {
				req.Header.Set(h, v)
			}
			rec := httptest.NewRecorder()
			ta.HTTP.Echo.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				return fmt.Errorf("status %d: %s", rec.Code, rec.Body)
			}
			return nil
		}
		b.Run(c.name, func(b *testing.B) {
			defer reportCPUPerOp(b)()
			for b.Loop() {
				if err := serve(); err != nil {
					b.Fatal(err)
				}
			}
		})
		// One request at a time, every wait for Redis or the database
		// leaves the cores idle, and on a virtual machine the wake-ups
		// that follow cost more CPU than the request's own work; eight at
		// once is what a loaded server pays.
		b.Run(c.name+"/c=8", func(b *testing.B) {
			b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
			defer reportCPUPerOp(b)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := serve(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// reportCPUPerOp starts counting the process's CPU; the function it returns
// reports it per operation as cpu-us/op.
func reportCPUPerOp(b *testing.B) func() {
	cpu0, ok := processCPU()
	return func() {
		if cpu1, ok1 := processCPU(); ok && ok1 {
			b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
		}
	}
}
