package training

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/nn"
)

func TestPatienceStopsARunThatNoLongerImproves(t *testing.T) {
	o := quick(writeSynthetic(t, 3, 6, 3, 20))
	// A step size too small to move the weights: no epoch after the first
	// can beat it.
	o.Epochs, o.LearningRate, o.Schedule, o.WarmupEpochs, o.Patience = 8, 1e-9, ScheduleConstant, -1, 2
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.StoppedEarly || len(res.History) != 3 || res.BestEpoch != 1 {
		t.Errorf("stopped early %v after %d epochs (best %d), want a stop after 3 with the first kept",
			res.StoppedEarly, len(res.History), res.BestEpoch)
	}
}

// TestPatienceWithRefitRefitsTheEpochsRun: patience still watches the best
// validation epoch when Refit keeps the last, and the refit repeats the
// epochs the stopped run ran, not the whole planned run.
func TestPatienceWithRefitRefitsTheEpochsRun(t *testing.T) {
	o := quick(writeSynthetic(t, 3, 6, 3, 20))
	o.Epochs, o.LearningRate, o.Schedule, o.WarmupEpochs, o.Patience = 8, 1e-9, ScheduleConstant, -1, 2
	o.Refit = true
	var refit []int
	o.OnRefitEpoch = func(epoch, epochs int, _ EpochStats) { refit = append(refit, epochs) }
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.StoppedEarly || len(res.History) != 3 || res.BestEpoch != 3 || !res.Refitted {
		t.Errorf("stopped early %v after %d epochs, kept epoch %d, refitted %v; want a stop after 3, the third kept and refitted",
			res.StoppedEarly, len(res.History), res.BestEpoch, res.Refitted)
	}
	if len(refit) != 3 || refit[0] != 3 {
		t.Errorf("the refit ran %d epochs told as of %v; want 3 of 3", len(refit), refit)
	}
}

// TestFreezeKeepsTheBaseLayers fine-tunes a model on other labels with its
// first two convs frozen: the new model carries them unchanged and the
// later layers moved.
func TestFreezeKeepsTheBaseLayers(t *testing.T) {
	dir := writeSynthetic(t, 4, 6, 3, 20)
	base, err := Run(context.Background(), quick(dir))
	if err != nil {
		t.Fatal(err)
	}
	o := quick(writeSynthetic(t, 3, 6, 3, 20))
	o.Base, o.Arch, o.FreezeLayers = base.Model, "", 2
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Model.Tensors {
		b, _ := base.Model.Tensor(w.Name)
		frozen := w.Name == "layers.0.weight" || w.Name == "layers.0.bias" || w.Name == "layers.3.weight" || w.Name == "layers.3.bias"
		if frozen != slices.Equal(w.Data, b.Data) {
			t.Errorf("%s: frozen %v, but unchanged %v", w.Name, frozen, !frozen)
		}
	}
	var hp hyperparameters
	if err := json.Unmarshal(res.Model.Meta.Training.Hyperparameters, &hp); err != nil || hp.FreezeLayers != 2 {
		t.Errorf("the metadata records freeze_layers %d (%v), want 2", hp.FreezeLayers, err)
	}

	scratch := quick(dir)
	scratch.FreezeLayers = 1
	if _, err := Run(context.Background(), scratch); !errors.Is(err, ErrOptions) {
		t.Errorf("freezing without a base: err %v, want ErrOptions", err)
	}
	o.FreezeLayers = 3 // smallcnn-shallow has two convs and a dense layer
	if _, err := Run(context.Background(), o); !errors.Is(err, ErrOptions) {
		t.Errorf("freezing every layer: err %v, want ErrOptions", err)
	}
}

// TestRecipeRunLearnsAndRecordsItself runs every ingredient at once on the
// synthetic set: it still learns, and the metadata says what was used.
func TestRecipeRunLearnsAndRecordsItself(t *testing.T) {
	o := quick(writeSynthetic(t, 4, 8, 4, 20))
	o.Epochs = 6
	o.Recipe = Recipe{Augment: AugmentStrong, Mixup: 0.3, AverageEpochs: 1, FlipTTA: true, Patience: 10}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if acc := res.Validation.Accuracy; acc < 0.9 {
		t.Errorf("validation accuracy %.3f on an easy 4-class problem", acc)
	}
	var hp hyperparameters
	if err := json.Unmarshal(res.Model.Meta.Training.Hyperparameters, &hp); err != nil {
		t.Fatal(err)
	}
	if hp.Augmentation != AugmentStrong || hp.Mixup != 0.3 || hp.AverageEpochs != 1 || !hp.FlipTTA || hp.Patience != 10 {
		t.Errorf("hyperparameters %+v do not record the recipe", hp)
	}
	for _, bad := range []Recipe{{Augment: "heavy"}, {Mixup: -1}, {AverageEpochs: -2}, {Patience: -1}} {
		b := o
		b.Recipe = bad
		if _, err := Run(context.Background(), b); !errors.Is(err, ErrOptions) {
			t.Errorf("recipe %+v: err %v, want ErrOptions", bad, err)
		}
	}
}

func TestFlipAveragedIsTheMeanOfThePhotoAndItsMirror(t *testing.T) {
	in := nn.Shape{Channels: 1, Height: 1, Width: 3}
	// A "classifier" whose first score is the leftmost pixel and the
	// second the rightmost one.
	classify := func(x, probs []float32) error {
		for i := range len(x) / 3 {
			probs[2*i], probs[2*i+1] = x[3*i], x[3*i+2]
		}
		return nil
	}
	x := []float32{1, 5, 3, 0, 0, 8}
	probs := make([]float32, 4)
	var buf []float32
	if err := flipAveraged(classify, x, probs, in, &buf); err != nil {
		t.Fatal(err)
	}
	if want := []float32{2, 2, 4, 4}; !slices.Equal(probs, want) {
		t.Errorf("probabilities %v, want %v", probs, want)
	}
	if !slices.Equal(x, []float32{1, 5, 3, 0, 0, 8}) {
		t.Errorf("the photos were changed: %v", x)
	}
}

// TestMixBatch: every image becomes lam of itself plus 1-lam of its
// partner, lam >= 0.5, the same for the same (seed, epoch, batch).
func TestMixBatch(t *testing.T) {
	const n, per = 8, 5
	labels := []int{0, 1, 2, 3, 4, 5, 6, 7}
	batch := func() []float32 {
		x := make([]float32, n*per)
		for i := range x {
			x[i] = float32(labels[i/per])
		}
		return x
	}
	x := batch()
	partners, lam := mixBatch(x, labels, 0.4, 3, 2, 1, make([]float32, len(x)))
	if !(lam >= 0.5 && lam <= 1) {
		t.Fatalf("lam %v", lam)
	}
	for i := range n {
		want := float32(lam)*float32(labels[i]) + float32(1-lam)*float32(partners[i])
		if got := x[i*per]; math.Abs(float64(got-want)) > 1e-5 {
			t.Errorf("image %d holds %v, want %v (lam %v of itself, partner %d)", i, got, want, lam, partners[i])
		}
	}
	if p := slices.Sorted(slices.Values(partners)); !slices.Equal(p, labels) {
		t.Errorf("partners %v are not a shuffle of the batch", partners)
	}
	y := batch()
	p2, lam2 := mixBatch(y, labels, 0.4, 3, 2, 1, make([]float32, len(y)))
	if lam2 != lam || !slices.Equal(p2, partners) || !slices.Equal(x, y) {
		t.Error("the same seed, epoch and batch mixed differently")
	}
}

func TestGammaSampleMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, alpha := range []float64{0.2, 0.4, 1, 3} {
		var sum float64
		const n = 20000
		for range n {
			sum += gammaSample(rng, alpha)
		}
		if mean := sum / n; math.Abs(mean-alpha) > 0.05*alpha+0.01 {
			t.Errorf("Gamma(%v) mean %.4f, want %v", alpha, mean, alpha)
		}
	}
}
