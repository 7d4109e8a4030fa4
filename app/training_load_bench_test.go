package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/loadtest"
)

// BenchmarkClassifyWhileTraining measures what a training job costs the
// classification API served by the same process: POST /classify p95 at
// low concurrency, idle, then while a job trains (FishNet at 128x64 on 2:1
// crops, TRAINING_THREADS at its default), alternating five times, back to
// back, since a shared machine's load drifts: each training window is
// compared with the idle one just before it. It is a measurement, not a
// loop: run it once.
//
//	go test ./app/ -run '^$' -bench ClassifyWhileTraining -benchtime 1x -v
//
// It logs every window and reports the median p95 of each kind and the
// median of the rounds' ratios; BENCHMARKS.md keeps the figures. The all-cores case is a job whose
// kernels and decoding may take every core, as before training had a
// bound: what the default bound buys.
func BenchmarkClassifyWhileTraining(b *testing.B) {
	b.Run("threads=default", func(b *testing.B) { classifyWhileTraining(b, 0) })
	b.Run("threads=all-cores", func(b *testing.B) { classifyWhileTraining(b, runtime.NumCPU()) })
}

func classifyWhileTraining(b *testing.B, threads int) {
	const (
		window  = 10 * time.Second
		clients = 2
		rounds  = 5
	)
	ta := apptest.New(b, func(c *config.Config) {
		c.Worker.Enabled = true
		c.Classify.CacheTTL = 0 // every request runs the model
		c.RateLimitPerMinute = 0
		c.Training.Threads = threads
	})
	admin := ta.Admin()
	version := farmVersion(b, ta, admin, 3, 60)
	photos := make([][]byte, 48)
	for i := range photos {
		photos[i] = crop(b, rand.New(rand.NewPCG(uint64(i), 7)), color.NRGBA{uint8(60 + 4*i), 120, 90, 255})
	}
	build := func(ctx context.Context, c, i int) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", ta.URL+ta.API("/classify"), bytes.NewReader(photos[(c*len(photos)/clients+i)%len(photos)]))
		if err == nil {
			req.Header.Set("Authorization", admin.Auth()["Authorization"])
			req.Header.Set("Content-Type", "image/jpeg")
		}
		return req, err
	}
	measure := func(what string) time.Duration {
		res := loadtest.Run(b.Context(), build, loadtest.Options{Concurrency: clients, Duration: window})
		if res.Errors > 0 {
			b.Fatalf("%s: %d errors (%v), first %s", what, res.Errors, res.Statuses, res.FirstErr)
		}
		b.Logf("%-9s %s", what, res)
		return res.P95
	}
	train := func() (stop func()) {
		var job struct{ ID, Status string }
		ta.Do("POST", ta.API("/training-jobs"), map[string]any{"dataset_version": version, "architecture": "fishnet",
			"input": "128x64", "epochs": 200}, admin.Auth()).Want(http.StatusAccepted).JSON(&job)
		for deadline := time.Now().Add(time.Minute); job.Status != "running"; time.Sleep(200 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("the job did not start: %+v", job)
			}
			ta.Do("GET", ta.API("/training-jobs/"+job.ID), nil, admin.Auth()).Want(http.StatusOK).JSON(&job)
		}
		return func() {
			ta.Do("POST", ta.API("/training-jobs/"+job.ID+"/cancel"), nil, admin.Auth()).Want(http.StatusOK)
			// The worker stops after its current batch and removes the
			// job's folder: only then is the process idle again.
			dir := filepath.Join(ta.Config().Training.Dir, job.ID)
			for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
				if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
					return
				}
				if time.Now().After(deadline) {
					b.Fatalf("the cancelled job %s still runs", job.ID)
				}
			}
		}
	}
	for b.Loop() {
		measure("warm-up")
		var idle, busy []time.Duration
		var ratios []float64
		for round := 1; round <= rounds; round++ {
			i := measure(fmt.Sprintf("idle %d", round))
			stop := train()
			t := measure(fmt.Sprintf("training %d", round))
			stop()
			idle, busy, ratios = append(idle, i), append(busy, t), append(ratios, float64(t)/float64(i))
			b.Logf("round %d: %.2fx", round, ratios[len(ratios)-1])
		}
		slices.Sort(idle)
		slices.Sort(busy)
		slices.Sort(ratios)
		mi, mb, mr := idle[rounds/2], busy[rounds/2], ratios[rounds/2]
		b.ReportMetric(float64(mi.Microseconds())/1000, "p95-idle-ms")
		b.ReportMetric(float64(mb.Microseconds())/1000, "p95-training-ms")
		b.ReportMetric(mr, "training/idle")
		b.Logf("GOMAXPROCS %d; median p95 idle %v, training %v; median ratio %.2fx", runtime.GOMAXPROCS(0), mi, mb, mr)
	}
}

// farmVersion uploads labels x perLabel crops and freezes them.
func farmVersion(b *testing.B, ta *apptest.TestApp, admin apptest.Session, labels, perLabel int) string {
	var ds, v struct{ ID string }
	ta.Do("POST", ta.API("/datasets"), map[string]any{"name": "weir"}, admin.Auth()).Want(201).JSON(&ds)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	rng := rand.New(rand.NewPCG(3, 4))
	for l := range labels {
		base := color.NRGBA{uint8(40 + 80*l), uint8(200 - 60*l), 90, 255}
		for n := range perLabel {
			w, _ := zw.Create(fmt.Sprintf("species%d/cam1_%03d.jpg", l, n))
			w.Write(crop(b, rng, base))
		}
	}
	zw.Close()
	ta.Do("POST", ta.API("/datasets/"+ds.ID+"/items"), buf.Bytes(), apptest.With(admin.Auth(), "Content-Type", "application/zip")).Want(201)
	ta.Do("POST", ta.API("/datasets/"+ds.ID+"/versions"), nil, admin.Auth()).Want(201).JSON(&v)
	return v.ID
}

// crop is a 320x160 JPEG of noisy colour, the size of a fish-pass crop.
func crop(b *testing.B, rng *rand.Rand, base color.NRGBA) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 320, 160))
	j := func(c uint8) uint8 { return uint8(min(255, max(0, int(c)+rng.IntN(81)-40))) }
	for y := range 160 {
		for x := range 320 {
			img.Set(x, y, color.NRGBA{j(base.R), j(base.G), j(base.B), 255})
		}
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}
