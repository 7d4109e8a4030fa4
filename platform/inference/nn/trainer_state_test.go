package nn

import (
	"errors"
	"slices"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// TestRestoredTrainerContinuesExactly stops a trainer after three steps,
// rebuilds one from its exported weights and saved state, and checks that
// both go on to identical weights: Adam's moments and the dropout streams
// travel with the state.
func TestRestoredTrainerContinuesExactly(t *testing.T) {
	a := dropoutArch(t)
	const batch = 4
	step := func(tr *Trainer, n int) {
		x := randomImages(batch, a.Input(), uint64(n))
		if _, err := tr.Step(x, labelsFor(batch, a.Classes())); err != nil {
			t.Fatal(err)
		}
	}
	straight, err := NewTrainer(a, nil, batch, nil, TrainerOptions{Seed: 5, WeightDecay: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	for n := range 3 {
		step(straight, n)
	}
	saved, err := straight.State()
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := NewTrainer(a, straight.Export(), batch, nil, TrainerOptions{Seed: 5, WeightDecay: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if err := resumed.Restore(saved); err != nil {
		t.Fatal(err)
	}
	// A trainer given the same weights but fresh state drifts apart.
	fresh, err := NewTrainer(a, straight.Export(), batch, nil, TrainerOptions{Seed: 5, WeightDecay: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	for n := 3; n < 6; n++ {
		step(straight, n)
		step(resumed, n)
		step(fresh, n)
	}
	if resumed.Steps() != straight.Steps() {
		t.Errorf("resumed trainer counts %d steps, the straight one %d", resumed.Steps(), straight.Steps())
	}
	same := func(x, y *Trainer) bool {
		return slices.EqualFunc(x.Export(), y.Export(), func(p, q modelfile.Tensor) bool { return slices.Equal(p.Data, q.Data) })
	}
	if !same(straight, resumed) {
		t.Error("the restored trainer's weights differ from the uninterrupted one's")
	}
	if same(straight, fresh) {
		t.Error("a trainer without the saved state ended identical too: the state carries nothing")
	}
}

func TestRestoreRejectsAnotherArchitecturesState(t *testing.T) {
	a := dropoutArch(t)
	tr, err := NewTrainer(a, nil, 4, nil, TrainerOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s, err := tr.State()
	if err != nil {
		t.Fatal(err)
	}
	s.M = s.M[1:]
	if err := tr.Restore(s); !errors.Is(err, ErrInput) {
		t.Errorf("Restore of a state missing a parameter: %v, want ErrInput", err)
	}
}
