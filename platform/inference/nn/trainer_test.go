package nn

import (
	"slices"
	"testing"
)

func TestTrainerIsDeterministic(t *testing.T) {
	a := testArchs(t)["all-layers"]
	run := func() [][]float32 {
		tr, err := NewTrainer(a, nil, 6, nil, TrainerOptions{Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		for step := range 5 {
			x := randomImages(6, a.Input(), uint64(step))
			if _, err := tr.Step(x, labelsFor(6, a.Classes())); err != nil {
				t.Fatal(err)
			}
		}
		var out [][]float32
		for _, tn := range tr.Export() {
			out = append(out, tn.Data)
		}
		return out
	}
	if !slices.EqualFunc(run(), run(), slices.Equal) {
		t.Error("the same seed and batches gave different weights")
	}
}
