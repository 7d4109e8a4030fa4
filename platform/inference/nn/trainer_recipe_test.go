package nn

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// TestMixupLossAndGradients checks the mixup loss against lam times the
// reference loss of the labels plus 1-lam times that of the partners, and
// its gradients against finite differences of that blend. With equal class
// weights both terms share one denominator, so the blend is exact.
func TestMixupLossAndGradients(t *testing.T) {
	a := testArchs(t)["all-layers"]
	const batch, lam, smoothing, h = 4, 0.3, 0.1, 1e-6
	ws := randomWeights(a, 21)
	k := a.Classes()
	tr := trainerFor(t, a, ws, batch, nil, TrainerOptions{LabelSmoothing: smoothing})
	x := randomImages(batch, a.Input(), 23)
	labels := labelsFor(batch, k)
	partners := []int{3, 0, 0, 2}
	ones := slices.Repeat([]float32{1}, k)
	ref := func() float64 {
		z := refForward(a, ws, x, batch, true)
		return lam*refLoss(z, labels, ones, smoothing) + (1-lam)*refLoss(z, partners, ones, smoothing)
	}
	got, err := tr.forwardBackward(x, labels, partners, lam)
	if err != nil {
		t.Fatal(err)
	}
	if want := ref(); math.Abs(float64(got)-want) > 1e-4*math.Abs(want) {
		t.Errorf("mixup loss %v, reference %v", got, want)
	}
	for i, name := range a.trainableNames() {
		analytic, err := f32s(tr.grads[i].Value())
		if err != nil {
			t.Fatal(err)
		}
		w := ws[name]
		idx := sampleIndices(len(w), 12)
		numeric := make([]float64, len(idx))
		subset := make([]float32, len(idx))
		for s, j := range idx {
			orig := w[j]
			w[j] = orig + h
			up := ref()
			w[j] = orig - h
			down := ref()
			numeric[s] = (up - down) / float64((orig+h)-(orig-h))
			w[j] = orig
			subset[s] = analytic[j]
		}
		if e := gradErr(subset, numeric); e > 1e-3 {
			t.Errorf("%s: relative error %.3g\nanalytic %v\nnumeric  %v", name, e, subset, numeric)
		}
	}
}

// TestStepMixWithShareOneIsStep: mixup with lam = 1 must train exactly as
// plain steps do, whatever the partners.
func TestStepMixWithShareOneIsStep(t *testing.T) {
	a := testArchs(t)["all-layers"]
	const batch = 4
	plain := trainerFor(t, a, randomWeights(a, 3), batch, classWeights(a.Classes()), TrainerOptions{})
	mixed := trainerFor(t, a, randomWeights(a, 3), batch, classWeights(a.Classes()), TrainerOptions{})
	for step := range 3 {
		x := randomImages(batch, a.Input(), uint64(step))
		labels := labelsFor(batch, a.Classes())
		if _, err := plain.Step(x, labels); err != nil {
			t.Fatal(err)
		}
		if _, err := mixed.StepMix(x, labels, []int{0, 1, 2, 3}, 1); err != nil {
			t.Fatal(err)
		}
	}
	for i, w := range plain.Export() {
		if !slices.Equal(w.Data, mixed.Export()[i].Data) {
			t.Fatalf("%s differs after StepMix with lam 1", w.Name)
		}
	}
	if _, err := mixed.StepMix(randomImages(batch, a.Input(), 9), labelsFor(batch, a.Classes()), []int{0, 1, 2, 9}, 0.5); !errors.Is(err, ErrInput) {
		t.Errorf("partner label out of range: err %v, want ErrInput", err)
	}
}

// TestFrozenLayersKeepTheirWeights trains with the first conv frozen: its
// weights stay bit for bit, its batchnorm statistics follow the data, and
// the layers after it learn.
func TestFrozenLayersKeepTheirWeights(t *testing.T) {
	a := testArchs(t)["all-layers"]
	cut, err := a.FrozenBefore(1)
	if err != nil {
		t.Fatal(err)
	}
	if cut != 4 {
		t.Fatalf("FrozenBefore(1) = %d, want 4 (the second conv)", cut)
	}
	const batch = 4
	start := tensorsOf(a, randomWeights(a, 5))
	tr, err := NewTrainer(a, start, batch, nil, TrainerOptions{FrozenLayers: cut, LearningRate: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	for step := range 3 {
		if _, err := tr.Step(randomImages(batch, a.Input(), uint64(step)), labelsFor(batch, a.Classes())); err != nil {
			t.Fatal(err)
		}
	}
	before := map[string][]float32{}
	for _, w := range start {
		before[w.Name] = w.Data
	}
	for _, w := range tr.Export() {
		same := slices.Equal(w.Data, before[w.Name])
		frozen := w.Name == "layers.0.weight" || w.Name == "layers.0.bias" || w.Name == "layers.1.weight" || w.Name == "layers.1.bias"
		switch {
		case frozen && !same:
			t.Errorf("%s changed although frozen", w.Name)
		case !frozen && same:
			t.Errorf("%s did not change", w.Name)
		}
	}
	if _, err := a.FrozenBefore(5); !errors.Is(err, ErrInput) {
		t.Errorf("freezing every weighted layer: err %v, want ErrInput", err)
	}
	if _, err := NewTrainer(a, nil, batch, nil, TrainerOptions{FrozenLayers: len(a.Layers())}); !errors.Is(err, ErrInput) {
		t.Errorf("a trainer with nothing to train: err %v, want ErrInput", err)
	}
}

func TestAverageBlendsEveryTensor(t *testing.T) {
	a := testArchs(t)["all-layers"]
	tr := trainerFor(t, a, randomWeights(a, 5), 4, nil, TrainerOptions{})
	cur := tr.Export()
	avg := tr.Export()
	for _, w := range avg {
		clear(w.Data)
	}
	if err := tr.Average(avg, 0.75); err != nil {
		t.Fatal(err)
	}
	for i, w := range avg {
		for j, v := range w.Data {
			if want := 0.25 * cur[i].Data[j]; math.Abs(float64(v-want)) > 1e-6 {
				t.Fatalf("%s[%d] = %v, want %v (a quarter of the weight)", w.Name, j, v, want)
			}
		}
	}
	if err := tr.Average(avg[1:], 0.5); !errors.Is(err, ErrInput) {
		t.Errorf("a tensor missing: err %v, want ErrInput", err)
	}
}
