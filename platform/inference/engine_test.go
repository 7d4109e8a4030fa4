package inference

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/inference/imageio"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// testModel is a small SmallCNN with random weights: enough to check the
// engine's plumbing, whose answers must equal the network's own.
func testModel(t testing.TB, size, classes int, threshold float32) *modelfile.Model {
	t.Helper()
	arch, err := nn.SmallCNN(size, size, classes, false)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := arch.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]modelfile.Label, classes)
	for i := range labels {
		labels[i] = modelfile.Label{Name: fmt.Sprintf("species_%d", i), ScientificName: fmt.Sprintf("Piscis %d", i), CommonName: fmt.Sprintf("fish %d", i)}
	}
	return &modelfile.Model{
		Meta: modelfile.Metadata{
			Name: "test", Version: "1", Architecture: raw,
			Input: modelfile.Input{Channels: 3, Height: size, Width: size},
			Mean:  [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.25, 0.25, 0.25},
			Labels: labels, UnknownThreshold: threshold,
		},
		Tensors: arch.Init(7),
	}
}

// photo is a PNG whose content depends on seed, so different seeds give
// different predictions.
func photo(t testing.TB, seed, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x*seed + y), uint8(y * (seed + 3)), uint8((x + y) * seed), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func newEngine(t testing.TB, m *modelfile.Model, opts Options) *Engine {
	t.Helper()
	e, err := New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// direct runs the network itself on the same preprocessing, as reference.
func direct(t testing.TB, m *modelfile.Model, data []byte) []float32 {
	t.Helper()
	arch, _ := nn.Parse(m.Meta.Architecture, nn.Shape{Channels: 3, Height: m.Meta.Input.Height, Width: m.Meta.Input.Width})
	p, err := nn.NewPredictor(arch, m.Tensors, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, arch.Input().Len())
	if _, err := imageio.Preprocess(data, m.Meta.Input.Width, m.Meta.Input.Height, m.Meta.Mean, m.Meta.Std, imageio.DefaultLimits(), x); err != nil {
		t.Fatal(err)
	}
	probs := make([]float32, arch.Classes())
	if err := p.Run(x, probs); err != nil {
		t.Fatal(err)
	}
	return probs
}

func TestClassifyMatchesTheNetwork(t *testing.T) {
	m := testModel(t, 32, 5, 0)
	e := newEngine(t, m, Options{})
	img := photo(t, 3, 50, 40)
	res, err := e.Classify(context.Background(), img, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := direct(t, m, img)
	sum := float32(0)
	for i, p := range res.Probabilities {
		sum += p
		if math.Abs(float64(p-want[i])) > 1e-6 {
			t.Errorf("prob[%d] = %v, network says %v", i, p, want[i])
		}
	}
	if math.Abs(float64(sum-1)) > 1e-4 {
		t.Errorf("probabilities sum to %v", sum)
	}
	if len(res.Predictions) != 3 {
		t.Fatalf("%d predictions, want top 3", len(res.Predictions))
	}
	for i := 1; i < 3; i++ {
		if res.Predictions[i].Confidence > res.Predictions[i-1].Confidence {
			t.Errorf("predictions not sorted: %+v", res.Predictions)
		}
	}
	best := 0
	for i := range want {
		if want[i] > want[best] {
			best = i
		}
	}
	if p := res.Predictions[0]; p.Label != fmt.Sprintf("species_%d", best) || p.ScientificName != fmt.Sprintf("Piscis %d", best) {
		t.Errorf("top prediction %+v, want species_%d", p, best)
	}
	if res.Image.Width != 50 || res.Image.Height != 40 || res.Image.Format != "png" {
		t.Errorf("image info %+v", res.Image)
	}
}

func TestTopKIsClamped(t *testing.T) {
	e := newEngine(t, testModel(t, 16, 4, 0), Options{})
	for _, tt := range []struct{ k, want int }{{0, 1}, {1, 1}, {4, 4}, {99, 4}} {
		res, err := e.Classify(context.Background(), photo(t, 1, 20, 20), tt.k)
		if err != nil || len(res.Predictions) != tt.want {
			t.Errorf("topK %d: %d predictions (%v), want %d", tt.k, len(res.Predictions), err, tt.want)
		}
	}
}

func TestBadImagesKeepTheirKind(t *testing.T) {
	e := newEngine(t, testModel(t, 16, 3, 0), Options{Limits: imageio.Limits{MaxPixels: 10_000}})
	good := photo(t, 2, 30, 30)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"text", []byte("this is not an image at all"), imageio.ErrUnsupportedFormat},
		{"truncated", good[:len(good)/2], imageio.ErrCorrupt},
		{"too many pixels", photo(t, 2, 200, 100), imageio.ErrTooLarge},
		{"empty", nil, imageio.ErrUnsupportedFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Classify(context.Background(), tt.data, 1)
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
	// The engine is still fine afterwards.
	if _, err := e.Classify(context.Background(), good, 1); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentCallersGetTheirOwnAnswers(t *testing.T) {
	m := testModel(t, 24, 6, 0)
	var mu sync.Mutex
	sizes := map[int]int{}
	e := newEngine(t, m, Options{MaxBatch: 8, BatchWait: 5 * time.Millisecond, Workers: 2,
		OnBatch: func(n int, _ time.Duration) { mu.Lock(); sizes[n]++; mu.Unlock() }})
	const images = 12
	want := make([][]float32, images)
	data := make([][]byte, images)
	for i := range images {
		data[i] = photo(t, i+1, 30+i, 28)
		want[i] = direct(t, m, data[i])
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64*images)
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range images {
				i := (g + j) % images
				res, err := e.Classify(context.Background(), data[i], 2)
				if err != nil {
					errs <- err
					continue
				}
				for c := range want[i] {
					if math.Abs(float64(res.Probabilities[c]-want[i][c])) > 1e-5 {
						errs <- fmt.Errorf("image %d got another image's answer", i)
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	batched := 0
	for n, c := range sizes {
		if n > 1 {
			batched += c
		}
	}
	if batched == 0 {
		t.Errorf("64 concurrent callers never shared a batch: %v", sizes)
	}
}

func TestOverloadFailsFast(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	e := newEngine(t, testModel(t, 16, 3, 0), Options{MaxBatch: 1, QueueSize: 3,
		OnBatch: func(int, time.Duration) {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
		}})
	img := photo(t, 1, 16, 16)
	results := make(chan error, 3)
	for range 3 {
		go func() { _, err := e.Classify(context.Background(), img, 1); results <- err }()
	}
	<-entered // the worker is stuck on the first batch, two more wait
	deadline := time.Now().Add(5 * time.Second)
	for e.inflight.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if _, err := e.Classify(context.Background(), img, 1); !errors.Is(err, ErrOverloaded) {
		t.Errorf("fourth image: %v, want ErrOverloaded", err)
	}
	if time.Since(start) > time.Second {
		t.Error("overload answer was not immediate")
	}
	close(release)
	for range 3 {
		if err := <-results; err != nil {
			t.Errorf("queued image: %v", err)
		}
	}
}

func TestCancelledCallerReturns(t *testing.T) {
	release := make(chan struct{})
	e := newEngine(t, testModel(t, 16, 3, 0), Options{MaxBatch: 1, OnBatch: func(int, time.Duration) { <-release }})
	defer close(release)
	img := photo(t, 1, 16, 16)
	go e.Classify(context.Background(), img, 1) // occupies the worker
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.Classify(ctx, img, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want deadline exceeded", err)
	}
}

func TestClosedEngineRefuses(t *testing.T) {
	e := newEngine(t, testModel(t, 16, 3, 0), Options{})
	e.Close()
	if _, err := e.Classify(context.Background(), photo(t, 1, 16, 16), 1); !errors.Is(err, ErrClosed) {
		t.Errorf("err %v, want ErrClosed", err)
	}
}

func TestUnknownBelowThreshold(t *testing.T) {
	img := photo(t, 5, 20, 20)
	for _, tt := range []struct {
		threshold float32
		want      bool
	}{{0, false}, {1.01, true}} {
		e := newEngine(t, testModel(t, 16, 3, tt.threshold), Options{})
		res, err := e.Classify(context.Background(), img, 1)
		if err != nil || res.Unknown != tt.want {
			t.Errorf("threshold %v: unknown=%v (%v), want %v", tt.threshold, res.Unknown, err, tt.want)
		}
	}
}

func TestUnusableModelsAreRefused(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*modelfile.Model)
	}{
		{"label count differs from outputs", func(m *modelfile.Model) { m.Meta.Labels = m.Meta.Labels[:2] }},
		{"non-square input", func(m *modelfile.Model) { m.Meta.Input.Width = 20 }},
		{"garbage architecture", func(m *modelfile.Model) { m.Meta.Architecture = []byte(`{"layers":[{"type":"warp"}]}`) }},
		{"missing weights", func(m *modelfile.Model) { m.Tensors = m.Tensors[:1] }},
		{"wrong weight shape", func(m *modelfile.Model) { m.Tensors[0].Data = m.Tensors[0].Data[:3]; m.Tensors[0].Shape = []int{3} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testModel(t, 16, 3, 0)
			tt.mutate(m)
			if e, err := New(m, Options{}); err == nil {
				e.Close()
				t.Fatal("engine accepted the model")
			}
		})
	}
}

func TestClassifyTensorChecksLength(t *testing.T) {
	e := newEngine(t, testModel(t, 16, 3, 0), Options{})
	if _, err := e.ClassifyTensor(context.Background(), make([]float32, 10), 1); !errors.Is(err, ErrInput) {
		t.Errorf("err %v, want ErrInput", err)
	}
	if _, err := e.ClassifyTensor(context.Background(), make([]float32, 3*16*16), 1); err != nil {
		t.Error(err)
	}
}

func TestTopKOrdersBestFirstAndKeepsLabelOrderOnTies(t *testing.T) {
	probs := []float32{0.1, 0.4, 0.1, 0.4}
	cases := []struct {
		k    int
		want []int
	}{{2, []int{1, 3}}, {4, []int{1, 3, 0, 2}}, {0, []int{1}}, {-3, []int{1}}, {99, []int{1, 3, 0, 2}}}
	for _, c := range cases {
		if got := TopK(probs, c.k); !slices.Equal(got, c.want) {
			t.Errorf("TopK(k=%d) = %v, want %v", c.k, got, c.want)
		}
	}
}
