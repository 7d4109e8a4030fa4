package batch_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/app/bundled"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/testkit/sharedtest"
)

// BenchmarkBatch1000 runs 1,000-photo batches through one worker with the
// bundled model and the default settings (WORKER_CONCURRENCY, chunk and
// engine batch sizes), end to end: upload, storage, queue, inference,
// results. img/s is upload to end; upload-ms the time to the 202 (photos
// stored and synced, items written); processing-img/s is first claim to
// end. Read it beside the engine alone on the same photos (engine: 64
// callers, decoding included, no queue or database), and beside nn's
// BenchmarkPredictor (fishnet64, batch 32: the network on ready tensors).
func BenchmarkBatch1000(b *testing.B) {
	for _, set := range []struct {
		name   string
		photos func(*testing.B, int) []file
	}{{"synthetic96x88", syntheticPhotos}, {"fish4knowledge", sharedPhotos}} {
		b.Run(set.name, func(b *testing.B) { benchBatch(b, set.photos(b, 1000)) })
		b.Run(set.name+"/engine", func(b *testing.B) { benchEngine(b, set.photos(b, 1000)) })
	}
}

// benchEngine classifies the photos with the bundled model's engine
// directly, 64 callers at once, as the batch worker does.
func benchEngine(b *testing.B, files []file) {
	model, err := bundled.Model()
	if err != nil {
		b.Fatal(err)
	}
	e, err := inference.New(model, inference.Options{MaxBatch: 32, QueueSize: 256})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		next := make(chan []byte)
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for data := range next {
					if _, err := e.Classify(context.Background(), data, 3); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		for _, f := range files {
			next <- f.data
		}
		close(next)
		wg.Wait()
	}
	b.ReportMetric(float64(b.N*len(files))/b.Elapsed().Seconds(), "img/s")
}

func benchBatch(b *testing.B, files []file) {
	ta := apptest.New(b, func(c *config.Config) { c.Worker.Enabled = true }) // default settings otherwise
	alice := ta.NewUser("alice")
	body, ct := form(b, files, nil)
	var processing, upload time.Duration
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res := submit(b, ta, alice, body, ct)
		upload += time.Since(start)
		if res.Status != http.StatusAccepted {
			b.Fatalf("submit: %d %s", res.Status, res.Body)
		}
		id := decode[batchJSON](b, res.Body).ID
		var end batchJSON
		for {
			end = getBatch(b, ta, alice, id)
			if end.Status != "queued" && end.Status != "running" {
				break
			}
			time.Sleep(100 * time.Millisecond) // polls cost the worker little CPU
		}
		if end.Done != len(files) {
			b.Fatalf("batch ended %+v", end)
		}
		processing += end.FinishedAt.Sub(*end.StartedAt)
		// Deleted, so that any number of rounds fits the default quotas.
		b.StopTimer()
		deleteBatch(b, ta, alice, id)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*len(files))/b.Elapsed().Seconds(), "img/s")
	b.ReportMetric(float64(b.N*len(files))/processing.Seconds(), "processing-img/s")
	b.ReportMetric(float64(upload.Milliseconds())/float64(b.N), "upload-ms")
}

// syntheticPhotos are JPEGs the size of the median Fish4Knowledge photo.
func syntheticPhotos(b *testing.B, n int) []file {
	out := make([]file, n)
	img := image.NewRGBA(image.Rect(0, 0, 96, 88))
	for i := range out {
		for y := range 88 {
			for x := range 96 {
				img.SetRGBA(x, y, color.RGBA{uint8(x*i + y), uint8(y*3 + i), uint8((x ^ y) + i), 255})
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
			b.Fatal(err)
		}
		out[i] = file{name: fmt.Sprintf("s-%04d.jpg", i), data: buf.Bytes()}
	}
	return out
}

// sharedPhotos reads n real photos of the shared validation split, in a
// fixed order.
func sharedPhotos(b *testing.B, n int) []file {
	val := sharedtest.Fish4Knowledge(b, "val")
	paths, _ := filepath.Glob(filepath.Join(val, "*", "*.jpg"))
	if len(paths) < n {
		b.Fatalf("only %d photos in %s, want %d", len(paths), val, n)
	}
	sort.Strings(paths)
	out := make([]file, n)
	step := len(paths) / n
	for i := range out {
		data, err := os.ReadFile(paths[i*step])
		if err != nil {
			b.Fatal(err)
		}
		out[i] = file{name: filepath.Base(paths[i*step]), data: data}
	}
	return out
}
