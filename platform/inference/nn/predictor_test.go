package nn

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

func tensorsOf(a *Arch, ws weightSet) []modelfile.Tensor {
	var ts []modelfile.Tensor
	for _, p := range a.Params() {
		ts = append(ts, modelfile.Tensor{Name: p.Name, Shape: p.Shape, Data: ws[p.Name]})
	}
	return ts
}

func TestPredictorMatchesReference(t *testing.T) {
	archs := testArchs(t)
	archs["dropout"] = dropoutArch(t)
	// The real models, beside the small fixtures: SmallCNN at the served
	// size, its wide version and FishNet (four times the work) at half of it.
	for name, size := range map[string]int{"smallcnn": 64, "smallcnn-wide": 32, "fishnet": 32} {
		a, err := Named(name, size, size, 23)
		if err != nil {
			t.Fatal(err)
		}
		archs[fmt.Sprintf("%s-%d", name, size)] = a
	}
	for name, a := range archs {
		t.Run(name, func(t *testing.T) {
			ws := randomWeights(a, 3)
			const batch = 5
			p, err := NewPredictor(a, tensorsOf(a, ws), batch)
			if err != nil {
				t.Fatal(err)
			}
			k := a.Classes()
			// A full batch, then a partial one reusing the same graph.
			for _, n := range []int{batch, 2} {
				x := randomImages(n, a.Input(), uint64(n))
				probs := make([]float32, n*k)
				if err := p.Run(x, probs); err != nil {
					t.Fatal(err)
				}
				want := refSoftmax(refForward(a, ws, x, n, false), k)
				if e := relErr(probs, want); e > 1e-4 {
					t.Errorf("%d images: relative error %.2g against the reference\n got %v\nwant %v", n, e, probs, want)
				}
			}
		})
	}
}

func TestPredictorRejectsBadInput(t *testing.T) {
	a := testArchs(t)["pool-then-relu"]
	p, err := NewPredictor(a, a.Init(1), 4)
	if err != nil {
		t.Fatal(err)
	}
	per, k := a.Input().Len(), a.Classes()
	for _, tc := range []struct {
		name     string
		x, probs int
	}{
		{"no images", 0, k},
		{"partial image", per + 1, 2 * k},
		{"more than the batch", 5 * per, 5 * k},
		{"probs too short", 2 * per, 2*k - 1},
	} {
		err := p.Run(make([]float32, tc.x), make([]float32, tc.probs))
		if !errors.Is(err, ErrInput) {
			t.Errorf("%s: got %v, want ErrInput", tc.name, err)
		}
	}
	if _, err := NewPredictor(a, a.Init(1), 0); !errors.Is(err, ErrInput) {
		t.Errorf("batch 0: got %v, want ErrInput", err)
	}
}

// TestRunInputMatchesRun: images written straight into the graph's input
// give the answers Run gives for a copy of them, bit for bit, after a
// larger batch has left old images behind.
func TestRunInputMatchesRun(t *testing.T) {
	a := testArchs(t)["all-layers"]
	const batch = 4
	viaRun, err := NewPredictor(a, a.Init(1), batch)
	if err != nil {
		t.Fatal(err)
	}
	inPlace, err := NewPredictor(a, a.Init(1), batch)
	if err != nil {
		t.Fatal(err)
	}
	per, k := a.Input().Len(), a.Classes()
	for _, n := range []int{batch, 1, 3} {
		x := randomImages(n, a.Input(), uint64(n))
		want := make([]float32, n*k)
		if err := viaRun.Run(x, want); err != nil {
			t.Fatal(err)
		}
		copy(inPlace.Input()[:n*per], x)
		got := make([]float32, n*k)
		if err := inPlace.RunInput(n, got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%d images: RunInput gave %v, Run %v", n, got, want)
		}
	}
	for _, n := range []int{0, batch + 1} {
		if err := inPlace.RunInput(n, make([]float32, (batch+1)*k)); !errors.Is(err, ErrInput) {
			t.Errorf("%d images: got %v, want ErrInput", n, err)
		}
	}
	if err := inPlace.RunInput(2, make([]float32, 2*k-1)); !errors.Is(err, ErrInput) {
		t.Errorf("probs too short: got %v, want ErrInput", err)
	}
}
