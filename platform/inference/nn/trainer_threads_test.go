package nn

import (
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

func (o *opBase) bound() kernels.Par { return o.par }

// bounds lists the kernel bound of every op of g that calls kernels.
func bounds(g *G.ExprGraph) map[string]kernels.Par {
	out := map[string]kernels.Par{}
	for _, n := range g.AllNodes() {
		if o, ok := n.Op().(interface {
			setPar(kernels.Par)
			String() string
		}); ok {
			out[o.String()] = o.(interface{ bound() kernels.Par }).bound()
		}
	}
	return out
}

// A trainer's Threads bounds every kernel call it makes, the backward pass
// and Evaluate's predictor included; a plain Predictor, serving's, stays
// unbounded.
func TestTrainerThreadsBoundEveryOp(t *testing.T) {
	a := testArchs(t)["all-layers"]
	tr, err := NewTrainer(a, nil, 4, nil, TrainerOptions{Seed: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	x := randomImages(4, a.Input(), 1)
	if _, err := tr.Step(x, labelsFor(4, a.Classes())); err != nil {
		t.Fatal(err)
	}
	if err := tr.Evaluate(x, make([]float32, 4*a.Classes())); err != nil {
		t.Fatal(err)
	}
	train, eval := bounds(tr.graph.g), bounds(tr.eval.graph.g)
	if len(train) < 10 || len(eval) < 4 {
		t.Fatalf("%d training and %d evaluation ops found; the walk misses ops", len(train), len(eval))
	}
	for _, ops := range []map[string]kernels.Par{train, eval} {
		for name, p := range ops {
			if p != 1 {
				t.Errorf("op %s runs under %d, want the trainer's 1", name, p)
			}
		}
	}
	p, err := NewPredictor(a, tr.Export(), 2)
	if err != nil {
		t.Fatal(err)
	}
	for name, par := range bounds(p.graph.g) {
		if par != 0 {
			t.Errorf("serving op %s is bounded to %d", name, par)
		}
	}
	if _, err := NewTrainer(a, nil, 4, nil, TrainerOptions{Threads: -1}); err == nil {
		t.Error("negative threads accepted")
	}
}
