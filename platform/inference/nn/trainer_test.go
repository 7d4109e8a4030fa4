package nn

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
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

// TestSaveLoadGivesIdenticalOutputs trains a few steps (moving batchnorm's
// running statistics away from their initial values), writes the model
// file, reads it back and checks that a predictor built from it gives
// exactly the outputs of the trainer's own evaluation.
func TestSaveLoadGivesIdenticalOutputs(t *testing.T) {
	a := dropoutArch(t)
	const batch = 4
	tr, err := NewTrainer(a, nil, batch, nil, TrainerOptions{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	for step := range 3 {
		if _, err := tr.Step(randomImages(batch, a.Input(), uint64(step)), labelsFor(batch, a.Classes())); err != nil {
			t.Fatal(err)
		}
	}
	x := randomImages(batch, a.Input(), 99)
	want := make([]float32, batch*a.Classes())
	if err := tr.Evaluate(x, want); err != nil {
		t.Fatal(err)
	}

	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	m := &modelfile.Model{
		Meta: modelfile.Metadata{
			Name: "roundtrip", Version: "1", Architecture: raw,
			Input: modelfile.Input{Channels: 3, Height: 8, Width: 8},
			Mean:  [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.25, 0.25, 0.25},
			Labels: []modelfile.Label{{Name: "a"}, {Name: "b"}, {Name: "c"}},
		},
		Tensors: tr.Export(),
	}
	var buf bytes.Buffer
	if err := modelfile.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	back, err := modelfile.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	arch, err := FromModel(back)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPredictor(arch, back.Tensors, batch)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, len(want))
	if err := p.Run(x, got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("reloaded model gives\n%v\ntrainer evaluation gave\n%v", got, want)
	}
	var moved bool
	for _, tn := range back.Tensors {
		if strings.HasSuffix(tn.Name, KindRunningMean) && slices.ContainsFunc(tn.Data, func(v float32) bool { return v != 0 }) {
			moved = true
		}
	}
	if !moved {
		t.Error("the saved running means are still zero: batchnorm statistics were not exported")
	}
}

// separable makes n images whose class (of k) is which channel is brighter,
// under noise.
func separable(n, k int, s Shape, seed uint64) ([]float32, []int) {
	x := randomImages(n, s, seed)
	labels := make([]int, n)
	plane := s.Height * s.Width
	for i := range n {
		labels[i] = (i*5 + int(seed)) % k
		c := labels[i] % s.Channels
		for j := range plane {
			x[(i*s.Channels+c)*plane+j] += 1.5
		}
	}
	return x, labels
}

func TestTrainerLearns(t *testing.T) {
	a := testArchs(t)["all-layers"]
	k := 3
	a, err := New(a.Input(), append(a.Layers()[:len(a.Layers())-1], LayerSpec{Type: Dense, Out: k}))
	if err != nil {
		t.Fatal(err)
	}
	const batch = 12
	tr, err := NewTrainer(a, nil, batch, nil, TrainerOptions{LearningRate: 3e-3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var first, last float32
	for step := range 60 {
		x, labels := separable(batch, k, a.Input(), uint64(step))
		loss, err := tr.Step(x, labels)
		if err != nil {
			t.Fatal(err)
		}
		if step == 0 {
			first = loss
		}
		last = loss
	}
	if !(last < first/2) {
		t.Errorf("loss went from %.3f to %.3f in 60 steps", first, last)
	}
	x, labels := separable(batch, k, a.Input(), 1000)
	probs := make([]float32, batch*k)
	if err := tr.Evaluate(x, probs); err != nil {
		t.Fatal(err)
	}
	right := 0
	for i, y := range labels {
		row := probs[i*k : (i+1)*k]
		if slices.Index(row, slices.Max(row)) == y {
			right++
		}
	}
	if right < batch*9/10 {
		t.Errorf("%d of %d new images right (chance: a third)", right, batch)
	}
}

func TestTrainerRejectsBadInput(t *testing.T) {
	a := testArchs(t)["pool-then-relu"]
	k, per := a.Classes(), a.Input().Len()
	for name, f := range map[string]func() error{
		"batch of one": func() error { _, err := NewTrainer(a, nil, 1, nil, TrainerOptions{}); return err },
		"class weights count": func() error {
			_, err := NewTrainer(a, nil, 4, []float32{1, 1}, TrainerOptions{})
			return err
		},
		"zero class weight": func() error {
			_, err := NewTrainer(a, nil, 4, []float32{1, 0, 1}, TrainerOptions{})
			return err
		},
		"label smoothing 1": func() error {
			_, err := NewTrainer(a, nil, 4, nil, TrainerOptions{LabelSmoothing: 1})
			return err
		},
	} {
		if err := f(); !errors.Is(err, ErrInput) {
			t.Errorf("%s: got %v, want ErrInput", name, err)
		}
	}
	tr, err := NewTrainer(a, nil, 4, nil, TrainerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"label out of range": func() error { _, err := tr.Step(make([]float32, 4*per), []int{0, 1, k, 0}); return err },
		"negative label":     func() error { _, err := tr.Step(make([]float32, 4*per), []int{0, -1, 1, 0}); return err },
		"short batch":        func() error { _, err := tr.Step(make([]float32, 3*per), []int{0, 1, 2}); return err },
		"learning rate":      func() error { return tr.SetLearningRate(0) },
	} {
		if err := call(); !errors.Is(err, ErrInput) {
			t.Errorf("%s: got %v, want ErrInput", name, err)
		}
	}
	if tr.Steps() != 0 {
		t.Errorf("%d steps taken by rejected calls", tr.Steps())
	}
}

// TestEvaluateFollowsTraining checks that evaluating, training further and
// evaluating again uses the new weights (the inference convolutions keep
// theirs packed between runs): the result must equal a fresh predictor's.
func TestEvaluateFollowsTraining(t *testing.T) {
	a := dropoutArch(t)
	const batch = 4
	tr, err := NewTrainer(a, nil, batch, nil, TrainerOptions{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	x := randomImages(batch, a.Input(), 42)
	before := make([]float32, batch*a.Classes())
	if err := tr.Evaluate(x, before); err != nil {
		t.Fatal(err)
	}
	for step := range 3 {
		if _, err := tr.Step(randomImages(batch, a.Input(), uint64(step)), labelsFor(batch, a.Classes())); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]float32, batch*a.Classes())
	if err := tr.Evaluate(x, got); err != nil {
		t.Fatal(err)
	}
	p, err := NewPredictor(a, tr.Export(), batch)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, batch*a.Classes())
	if err := p.Run(x, want); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(before, want) {
		t.Fatal("training did not change the outputs; the test proves nothing")
	}
	if !slices.Equal(got, want) {
		t.Errorf("evaluation after training = %v, a fresh predictor gives %v", got, want)
	}
}
