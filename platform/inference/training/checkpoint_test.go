package training

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

func sameWeights(a, b []modelfile.Tensor) bool {
	return slices.EqualFunc(a, b, func(x, y modelfile.Tensor) bool { return x.Name == y.Name && slices.Equal(x.Data, y.Data) })
}

// TestResumedRunEndsAsAnUninterruptedOne stops a three-epoch run after its
// first epoch (as a killed worker would), runs it again from the
// checkpoint, and checks it ends with the weights, history and best epoch
// of a run that never stopped.
func TestResumedRunEndsAsAnUninterruptedOne(t *testing.T) {
	dir := writeSynthetic(t, 3, 6, 3, 20)
	plain := quick(dir)
	plain.Epochs = 3
	// Mixup draws and the moving average must survive the stop too.
	recipe := plain
	recipe.Recipe = Recipe{Augment: AugmentStrong, Mixup: 0.4, AverageEpochs: 1, FlipTTA: true}
	for name, o := range map[string]Options{"plain": plain, "recipe": recipe} {
		t.Run(name, func(t *testing.T) { resumeMatches(t, o) })
	}
}

func resumeMatches(t *testing.T, o Options) {
	straight, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}

	ck := filepath.Join(t.TempDir(), "job", "checkpoint")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := o
	first.Checkpoint = ck
	var seen []EpochStats
	first.OnEpoch = func(h []EpochStats) { seen = append(seen, h[len(h)-1]); cancel() }
	stopped, err := Run(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if !stopped.Interrupted || len(seen) != 1 || seen[0].Epoch != 1 {
		t.Fatalf("interrupted %v after %d epoch reports, want one", stopped.Interrupted, len(seen))
	}
	if seen[0].TrainLoss <= 0 || seen[0].ImagesPerSec <= 0 || seen[0].ValAccuracy != straight.History[0].ValAccuracy {
		t.Errorf("epoch report %+v does not describe the first epoch (%+v)", seen[0], straight.History[0])
	}
	if _, err := os.Stat(ck); err != nil {
		t.Fatalf("no checkpoint after the first epoch: %v", err)
	}

	again := o
	again.Checkpoint = ck
	seen = nil
	var lastHistory []EpochStats
	again.OnEpoch = func(h []EpochStats) { seen, lastHistory = append(seen, h[len(h)-1]), h }
	resumed, err := Run(context.Background(), again)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0].Epoch != 2 {
		t.Errorf("resumed run reported epochs %v, want 2 and 3", seen)
	}
	if len(lastHistory) != 3 || lastHistory[0].Epoch != 1 || lastHistory[0].TrainLoss != straight.History[0].TrainLoss {
		t.Errorf("the resumed run's last report has history %+v; want all three epochs, the first from before the stop", lastHistory)
	}
	if len(resumed.History) != 3 || resumed.BestEpoch != straight.BestEpoch {
		t.Errorf("resumed history %d epochs, best %d; uninterrupted best %d", len(resumed.History), resumed.BestEpoch, straight.BestEpoch)
	}
	if !sameWeights(resumed.Model.Tensors, straight.Model.Tensors) {
		t.Error("the resumed run's model differs from the uninterrupted run's")
	}
	if resumed.Validation.MacroF1 != straight.Validation.MacroF1 || !slices.EqualFunc(resumed.Validation.Confusion, straight.Validation.Confusion, slices.Equal) {
		t.Errorf("resumed validation %+v, uninterrupted %+v", resumed.Validation, straight.Validation)
	}
}

// TestCheckpointOfAnotherRunIsIgnored: a checkpoint left by other options
// (here another seed) must not leak into a run.
func TestCheckpointOfAnotherRunIsIgnored(t *testing.T) {
	dir := writeSynthetic(t, 3, 6, 3, 20)
	ck := filepath.Join(t.TempDir(), "checkpoint")
	o := quick(dir)
	o.Epochs, o.Seed, o.Checkpoint = 1, 99, ck
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	o = quick(dir)
	o.Epochs = 2
	plain, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.Checkpoint = ck
	var epochs []int
	o.OnEpoch = func(h []EpochStats) { epochs = append(epochs, h[len(h)-1].Epoch) }
	withOld, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(epochs, []int{1, 2}) || !sameWeights(plain.Model.Tensors, withOld.Model.Tensors) {
		t.Errorf("run beside another run's checkpoint trained epochs %v and matched a clean run: %v", epochs, sameWeights(plain.Model.Tensors, withOld.Model.Tensors))
	}
}

// TestFineTuneStartsFromTheBase fine-tunes a model trained on four classes
// for three of them: the convolutions start from the base's weights and
// the head, shaped for three classes, starts fresh.
func TestFineTuneStartsFromTheBase(t *testing.T) {
	o := quick(writeSynthetic(t, 4, 8, 4, 20))
	o.Epochs = 2
	base, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	o = quick(writeSynthetic(t, 3, 6, 3, 20))
	o.Arch, o.Epochs, o.Base = "", 1, base.Model
	r, err := prepare(withDefaults(t, o))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.build(); err != nil {
		t.Fatal(err)
	}
	start := r.trainer.Export()
	took, fresh := 0, 0
	for _, w := range start {
		b, ok := base.Model.Tensor(w.Name)
		switch {
		case ok && slices.Equal(b.Data, w.Data):
			took++
		case ok && !slices.Equal(b.Shape, w.Shape):
			fresh++
		default:
			t.Errorf("tensor %s neither taken from the base nor a resized head", w.Name)
		}
	}
	if took == 0 || fresh == 0 {
		t.Errorf("%d tensors from the base, %d fresh: want both", took, fresh)
	}
	tuned, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(tuned.Model.Meta.Labels) != 3 || baseArch(tuned.Model) != "smallcnn-shallow" {
		t.Errorf("fine-tuned model has %d labels and architecture %q", len(tuned.Model.Meta.Labels), baseArch(tuned.Model))
	}

	o.Arch = "fishnet"
	if _, err := Run(context.Background(), o); err == nil {
		t.Error("fine-tuning another architecture from the base worked; want an error naming the mismatch")
	}
}

func withDefaults(t *testing.T, o Options) Options {
	t.Helper()
	if err := o.defaults(); err != nil {
		t.Fatal(err)
	}
	return o
}
