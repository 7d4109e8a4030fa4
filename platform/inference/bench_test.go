package inference

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// benchModel is an architecture at random weights: speed does not depend on
// what the weights learned.
func benchModel(b *testing.B, arch string) *modelfile.Model {
	b.Helper()
	a, err := nn.Named(arch, 64, 64, 23)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := a.MarshalJSON()
	labels := make([]modelfile.Label, 23)
	for i := range labels {
		labels[i].Name = fmt.Sprint("l", i)
	}
	return &modelfile.Model{Meta: modelfile.Metadata{Name: arch, Version: "bench", Architecture: raw,
		Input: modelfile.Input{Channels: 3, Height: 64, Width: 64}, Mean: [3]float32{.5, .5, .5},
		Std: [3]float32{.25, .25, .25}, Labels: labels}, Tensors: a.Init(1)}
}

// BenchmarkEngineParallel is 32 callers, each classifying one image at a
// time, as 32 camera rigs would: dynamic batching has to gather them. Its
// img/s is meant to be read beside nn's BenchmarkPredictor at batch 32.
func BenchmarkEngineParallel(b *testing.B) {
	for _, arch := range []string{"fishnet", "smallcnn"} {
		b.Run(arch+"64/callers=32", func(b *testing.B) {
			var batches, images atomic.Int64
			e, err := New(benchModel(b, arch), Options{MaxBatch: 32, QueueSize: 1024,
				OnBatch: func(n int, _ time.Duration) { batches.Add(1); images.Add(int64(n)) }})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			x := make([]float32, 3*64*64)
			for i := range x {
				x[i] = float32(i%97)/50 - 1
			}
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				mine := make([]time.Duration, 0, 1024)
				for pb.Next() {
					t := time.Now()
					if _, err := e.ClassifyTensor(context.Background(), x, 3); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
			b.ReportMetric(float64(images.Load())/float64(max(batches.Load(), 1)), "img/batch")
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
			}
		})
	}
}

// BenchmarkEngineSequential is one caller at a time: no batching, so it
// must add nothing to the network's batch-1 latency.
func BenchmarkEngineSequential(b *testing.B) {
	e, err := New(benchModel(b, "fishnet"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	x := make([]float32, 3*64*64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.ClassifyTensor(context.Background(), x, 3); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/img")
}

// BenchmarkEngineImages is the engine on encoded photos, decoding and
// resizing included, from 32 callers: the ceiling a batch job or the HTTP
// API can reach, to read beside the decode-free figures above.
func BenchmarkEngineImages(b *testing.B) {
	e, err := New(benchModel(b, "fishnet"), Options{MaxBatch: 32, QueueSize: 1024})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	photos := make([][]byte, 64)
	for i := range photos {
		photos[i] = jpegPhoto(b, i, 96, 88) // the shared data's median size
	}
	var next atomic.Int64
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.Classify(context.Background(), photos[next.Add(1)%64], 3); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
}

func jpegPhoto(b *testing.B, seed, w, h int) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = uint8(i*seed + i/w*7)
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(i*3+seed), uint8(i*5-seed)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
