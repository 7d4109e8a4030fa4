package training

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// writeShades writes an ImageFolder of two classes that differ only in
// brightness (class0 bright, class1 dark), with noise: nothing a model
// learns from writeSynthetic's stripes tells them apart.
func writeShades(t *testing.T, groups, perGroup, side int, seed uint64) string {
	t.Helper()
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(seed, 3))
	for c, base := range []int{170, 40} {
		dir := filepath.Join(root, fmt.Sprintf("class%d", c))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for g := range groups {
			for n := range perGroup {
				img := image.NewNRGBA(image.Rect(0, 0, side, side))
				for y := range side {
					for x := range side {
						v := uint8(base + rng.IntN(45))
						img.Set(x, y, color.NRGBA{v, v, v, 255})
					}
				}
				f, err := os.Create(filepath.Join(dir, fmt.Sprintf("img_%d%d_%d.png", c, g, n)))
				if err != nil {
					t.Fatal(err)
				}
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
				f.Close()
			}
		}
	}
	return root
}

// shadesRun trains on stripes (writeSynthetic's classes 0 and 1, both
// red) and validates on shades: what only the validation photos teach.
func shadesRun(t *testing.T) Options {
	o := quick(writeSynthetic(t, 2, 6, 4, 16))
	o.ValDir = writeShades(t, 3, 4, 16, 1)
	o.Epochs = 5
	return o
}

// TestRefitLearnsTheValidationPhotos checks what Refit promises: the model
// it keeps has trained on the validation photos too (it tells apart
// shades only they showed, on photos neither run saw), for as many epochs
// as the held-out run ran, while the scores reported are the held-out
// run's last epoch's and the metadata says the weights were refitted.
func TestRefitLearnsTheValidationPhotos(t *testing.T) {
	o := shadesRun(t)
	unseen := writeShades(t, 3, 4, 16, 2)
	held, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	r := o
	r.Refit = true
	var log bytes.Buffer
	r.Progress = &log
	var told []int
	r.OnRefitEpoch = func(epoch, epochs int, stats EpochStats) {
		if epochs != o.Epochs || stats.TrainLoss <= 0 || stats.Seconds <= 0 {
			t.Errorf("refit epoch %d told as of %d with loss %v in %vs; want of %d, a loss and a duration (the job's ETA)",
				epoch, epochs, stats.TrainLoss, stats.Seconds, o.Epochs)
		}
		told = append(told, epoch)
	}
	refitted, err := Run(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if held.Refitted || !refitted.Refitted {
		t.Fatalf("refitted: %v without Refit, %v with it", held.Refitted, refitted.Refitted)
	}
	before, err := Score(context.Background(), held.Model, unseen, false)
	if err != nil {
		t.Fatal(err)
	}
	after, err := Score(context.Background(), refitted.Model, unseen, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("accuracy on unseen shades: %.3f held-out model, %.3f refitted", before.Accuracy, after.Accuracy)
	if after.Accuracy < 0.95 || after.Accuracy < before.Accuracy+0.2 {
		t.Errorf("accuracy on unseen shades: %.3f held-out model, %.3f refitted; the refit did not learn the validation photos",
			before.Accuracy, after.Accuracy)
	}
	last := held.History[len(held.History)-1]
	if refitted.BestEpoch != o.Epochs || refitted.Validation.Accuracy != last.ValAccuracy || refitted.Validation.MacroF1 != last.ValMacroF1 {
		t.Errorf("refit reported epoch %d, accuracy %v, macro-F1 %v; the held-out run's last epoch is %d, %v, %v",
			refitted.BestEpoch, refitted.Validation.Accuracy, refitted.Validation.MacroF1, last.Epoch, last.ValAccuracy, last.ValMacroF1)
	}
	want := fmt.Sprintf("refit on all %d photos: epoch %d/%d", 2*6*4+2*3*4, o.Epochs, o.Epochs)
	if !strings.Contains(log.String(), want) || strings.Contains(log.String(), fmt.Sprintf("epoch %d/%d", o.Epochs+1, o.Epochs)) {
		t.Errorf("progress does not end the refit with %q:\n%s", want, log.String())
	}
	if len(told) != o.Epochs || told[0] != 1 || told[len(told)-1] != o.Epochs {
		t.Errorf("OnRefitEpoch told epochs %v; want 1 to %d", told, o.Epochs)
	}
	var hp hyperparameters
	if err := json.Unmarshal(refitted.Model.Meta.Training.Hyperparameters, &hp); err != nil {
		t.Fatal(err)
	}
	if !hp.Refit || hp.BestEpoch != o.Epochs {
		t.Errorf("metadata %+v does not record the refit of %d epochs", hp, o.Epochs)
	}
}

// cancelRefit cancels a context once the refit has finished an epoch.
type cancelRefit struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	n      int
}

func (c *cancelRefit) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.Contains(p, []byte("refit on all")) {
		c.n++
		c.cancel()
	}
	return len(p), nil
}

// TestRefitStoppedResumesFromItsCheckpoint stops a run during its refit,
// as a killed worker would: the stopped run keeps the held-out run's last
// epoch, and the run started again from the checkpoint does not train the
// held-out epochs again and ends with the weights of a refit that never
// stopped.
func TestRefitStoppedResumesFromItsCheckpoint(t *testing.T) {
	o := quick(writeSynthetic(t, 3, 6, 3, 20))
	o.Refit = true
	straight, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if straight.BestEpoch < 2 {
		t.Fatalf("the held-out run ran %d epochs: no refit epoch to stop after", straight.BestEpoch)
	}

	ck := filepath.Join(t.TempDir(), "checkpoint")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := o
	first.Checkpoint = ck
	stop := &cancelRefit{cancel: cancel}
	first.Progress = stop
	stopped, err := Run(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	// The held-out run's last epoch stands: its epoch and scores, and
	// weights that are not the refit's.
	if !stopped.Interrupted || stopped.Refitted || stopped.BestEpoch != o.Epochs ||
		stopped.Validation.MacroF1 != straight.Validation.MacroF1 || sameWeights(stopped.Model.Tensors, straight.Model.Tensors) {
		t.Errorf("stopped in the refit: interrupted %v, refitted %v, epoch %d, macro-F1 %v (uninterrupted %v), refit's weights %v; want true, false, %d, the same, false",
			stopped.Interrupted, stopped.Refitted, stopped.BestEpoch, stopped.Validation.MacroF1, straight.Validation.MacroF1,
			sameWeights(stopped.Model.Tensors, straight.Model.Tensors), o.Epochs)
	}

	again := o
	again.Checkpoint = ck
	validated := 0
	again.OnEpoch = func([]EpochStats) { validated++ }
	var refitFrom int
	again.OnRefitEpoch = func(epoch, _ int, _ EpochStats) {
		if refitFrom == 0 {
			refitFrom = epoch
		}
	}
	var log bytes.Buffer
	again.Progress = &log
	resumed, err := Run(context.Background(), again)
	if err != nil {
		t.Fatal(err)
	}
	if validated != 0 || strings.Contains(log.String(), "photos: epoch 1/") {
		t.Errorf("the resumed run trained %d held-out epochs and logged:\n%s", validated, log.String())
	}
	if refitFrom != 2 {
		t.Errorf("the resumed refit first told epoch %d; it stopped after epoch 1, so want 2", refitFrom)
	}
	if !resumed.Refitted || !sameWeights(resumed.Model.Tensors, straight.Model.Tensors) {
		t.Error("the resumed refit's model differs from the uninterrupted one's")
	}
}
