package nn

import (
	"fmt"
	"math"
	"testing"
)

func trainerFor(t *testing.T, a *Arch, ws weightSet, batch int, weights []float32, opts TrainerOptions) *Trainer {
	t.Helper()
	tr, err := NewTrainer(a, tensorsOf(a, ws), batch, weights, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func labelsFor(n, k int) []int {
	labels := make([]int, n)
	for i := range labels {
		labels[i] = (i*7 + 1) % k
	}
	return labels
}

func classWeights(k int) []float32 {
	w := make([]float32, k)
	for i := range w {
		w[i] = 0.5 + float32(i)/float32(k)
	}
	return w
}

func TestTrainingLossMatchesReference(t *testing.T) {
	for name, a := range testArchs(t) {
		t.Run(name, func(t *testing.T) {
			const batch = 4
			ws := randomWeights(a, 5)
			k := a.Classes()
			cw := classWeights(k)
			tr := trainerFor(t, a, ws, batch, cw, TrainerOptions{LabelSmoothing: 0.1})
			x := randomImages(batch, a.Input(), 9)
			labels := labelsFor(batch, k)
			got, err := tr.forwardBackward(x, labels, labels, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := refLoss(refForward(a, ws, x, batch, true), labels, cw, 0.1)
			if math.Abs(float64(got)-want) > 1e-4*math.Abs(want) {
				t.Errorf("loss %v, reference %v", got, want)
			}
		})
	}
}

// TestGradients compares every parameter's gradient computed by the
// training graph's backward ops with central finite differences of the
// float64 reference loss: float64 allows a step small enough (1e-6) that
// ReLU and max-pool kinks are almost never crossed, so the two agree to
// float32 rounding. Dropout uses the mask the graph drew.
func TestGradients(t *testing.T) {
	archs := testArchs(t)
	archs["dropout"] = dropoutArch(t)
	for name, a := range archs {
		t.Run(name, func(t *testing.T) {
			const batch, h, smoothing = 3, 1e-6, 0.1
			ws := randomWeights(a, 11)
			k := a.Classes()
			cw := classWeights(k)
			tr := trainerFor(t, a, ws, batch, cw, TrainerOptions{LabelSmoothing: smoothing})
			x := randomImages(batch, a.Input(), 13)
			labels := labelsFor(batch, k)
			if _, err := tr.forwardBackward(x, labels, labels, 1); err != nil {
				t.Fatal(err)
			}
			masks := map[int][]bool{}
			for _, d := range tr.graph.drops {
				var layer int
				if _, err := fmt.Sscanf(d.name, "layers.%d.", &layer); err != nil {
					t.Fatal(err)
				}
				masks[layer] = d.keep
			}
			for i, name := range a.trainableNames() {
				analytic, err := f32s(tr.grads[i].Value())
				if err != nil {
					t.Fatal(err)
				}
				// Up to 24 elements of each tensor, spread over it, keep the
				// check fast on the larger layers.
				w := ws[name]
				idx := sampleIndices(len(w), 24)
				numeric := make([]float64, len(idx))
				subset := make([]float32, len(idx))
				for s, j := range idx {
					loss := func(v float32) float64 {
						orig := w[j]
						defer func() { w[j] = orig }()
						w[j] = v
						return refLoss(refForward(a, ws, x, batch, true, masks), labels, cw, smoothing)
					}
					// The perturbation is applied in float32, so divide by
					// the step actually taken.
					up, down := w[j]+h, w[j]-h
					numeric[s] = (loss(up) - loss(down)) / float64(up-down)
					subset[s] = analytic[j]
				}
				if e := gradErr(subset, numeric); e > 1e-3 {
					t.Errorf("%s: relative error %.3g\nanalytic %v\nnumeric  %v", name, e, subset, numeric)
				}
			}
		})
	}
}

// gradErr is |a-b| / (|b| + 1e-4): relative, except for gradients that are
// zero in exact arithmetic (a conv bias before a batchnorm), where float32
// rounding leaves tiny values.
func gradErr(a []float32, b []float64) float64 {
	var d, n float64
	for i := range b {
		d += (float64(a[i]) - b[i]) * (float64(a[i]) - b[i])
		n += b[i] * b[i]
	}
	return math.Sqrt(d) / (math.Sqrt(n) + 1e-4)
}

// sampleIndices picks up to limit indices of 0..n-1, evenly spread.
func sampleIndices(n, limit int) []int {
	idx := make([]int, min(n, limit))
	for i := range idx {
		idx[i] = i * n / len(idx)
	}
	return idx
}
