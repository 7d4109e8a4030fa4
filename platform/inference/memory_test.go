package inference

import (
	"runtime"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

func modelOfSize(t *testing.T, size int) *modelfile.Model {
	t.Helper()
	arch, err := nn.SmallCNN(size, size, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := arch.MarshalJSON()
	return &modelfile.Model{
		Meta: modelfile.Metadata{Name: "m", Version: "1", Architecture: raw,
			Input: modelfile.Input{Channels: 3, Height: size, Width: size},
			Mean:  [3]float32{.5, .5, .5}, Std: [3]float32{.25, .25, .25},
			Labels: []modelfile.Label{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}}},
		Tensors: arch.Init(1),
	}
}

// The estimate must not be below what serving really takes, or a model
// that passes the check could still exhaust the process.
func TestMemoryEstimateCoversWhatServingTakes(t *testing.T) {
	m := modelOfSize(t, 64)
	opts := Options{MaxBatch: 8, QueueSize: 16}
	est, err := MemoryEstimate(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e, err := New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	// One batch of every size builds every predictor the workers keep.
	w, err := newWorker(e)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 8; n *= 2 {
		if _, err := w.predictor(n); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	used := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(w)
	e.Close()
	if est < used {
		t.Errorf("estimate %d bytes, serving took %d", est, used)
	}
	t.Logf("estimate %.1f MB, measured %.1f MB", float64(est)/(1<<20), float64(used)/(1<<20))
}

func TestMemoryEstimateGrowsWithTheInput(t *testing.T) {
	small, err := MemoryEstimate(modelOfSize(t, 32), Options{MaxBatch: 32})
	if err != nil {
		t.Fatal(err)
	}
	large, err := MemoryEstimate(modelOfSize(t, 512), Options{MaxBatch: 32})
	if err != nil {
		t.Fatal(err)
	}
	if large < 100*small || large < 2<<30 {
		t.Errorf("512 px model: %d bytes, 32 px: %d; a 512 px model at batch 32 needs gigabytes", large, small)
	}
}
