package training

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// quick is a small, fast configuration over a synthetic data set.
func quick(dir string) Options {
	return Options{
		TrainDir: dir, ValFraction: 0.25, GroupRegex: `^img_(\d+)_`,
		Arch: "smallcnn-shallow", Size: 16, Epochs: 4, BatchSize: 8, LearningRate: 3e-3,
		Seed: 7, Workers: 2,
	}
}

func TestRunLearnsAndWritesTheModel(t *testing.T) {
	dir := writeSynthetic(t, 4, 8, 4, 20)
	o := quick(dir)
	o.Out = filepath.Join(t.TempDir(), "model.aqm")
	var log bytes.Buffer
	o.Progress = &log
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.History) != o.Epochs {
		t.Fatalf("%d epochs in the history, want %d", len(res.History), o.Epochs)
	}
	first, last := res.History[0], res.History[len(res.History)-1]
	if !(last.TrainLoss < first.TrainLoss) {
		t.Errorf("training loss went from %.4f to %.4f", first.TrainLoss, last.TrainLoss)
	}
	best := res.History[res.BestEpoch-1]
	if best.ValAccuracy < 0.9 {
		t.Errorf("best validation accuracy %.3f on an easy 4-class problem (chance 0.25)", best.ValAccuracy)
	}
	for _, e := range res.History {
		if e.ValMacroF1 > best.ValMacroF1 {
			t.Errorf("epoch %d has macro-F1 %.3f above the kept epoch %d (%.3f)", e.Epoch, e.ValMacroF1, res.BestEpoch, best.ValMacroF1)
		}
	}
	if !(res.Threshold > 0 && res.Threshold <= 1) {
		t.Errorf("threshold %v, want a probability", res.Threshold)
	}
	if !strings.Contains(log.String(), "\repoch 1/4 [") || !strings.Contains(log.String(), "macro-F1") {
		t.Errorf("progress output lacks the bar or the epoch line:\n%q", log.String())
	}

	// The written file reloads into a predictor that agrees with the run's
	// own validation: same metadata, same weights.
	m, err := modelfile.ReadFile(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.UnknownThreshold != res.Threshold || m.Meta.Metrics.MacroF1 != best.ValMacroF1 ||
		len(m.Meta.Training.History) != o.Epochs || len(m.Meta.Labels) != 4 {
		t.Errorf("metadata does not describe the run: %+v", m.Meta)
	}
	arch, err := nn.FromModel(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nn.NewPredictor(arch, m.Tensors, 4); err != nil {
		t.Fatal(err)
	}

	// The model card and its figures sit next to the model.
	card, curves, confusion := reportPaths(o.Out)
	text, err := os.ReadFile(card)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"smallcnn-shallow", filepath.Base(curves), filepath.Base(confusion), "class3"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("model card lacks %q:\n%s", want, text)
		}
	}
	for _, png := range []string{curves, confusion} {
		if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s is not a PNG (%v)", png, err)
		}
	}
}

func TestRunIsDeterministic(t *testing.T) {
	dir := writeSynthetic(t, 3, 6, 3, 20)
	runs := make([]*Result, 3)
	for i, seed := range []int64{7, 7, 8} {
		o := quick(dir)
		o.Epochs, o.Seed = 2, seed
		res, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = res
	}
	same := func(a, b *Result) bool {
		return slices.EqualFunc(a.Model.Tensors, b.Model.Tensors, func(x, y modelfile.Tensor) bool {
			return x.Name == y.Name && slices.Equal(x.Data, y.Data)
		})
	}
	if !same(runs[0], runs[1]) {
		t.Error("two runs with the same seed gave different weights")
	}
	if same(runs[0], runs[2]) {
		t.Error("runs with different seeds gave the same weights")
	}
}

// cancelOn cancels a context when the progress output reports a finished
// epoch, i.e. right after the first validation.
type cancelOn struct {
	mu     sync.Mutex
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.Contains(p, []byte("macro-F1")) {
		c.cancel()
	}
	return len(p), nil
}

func TestCancelKeepsTheBestEpochSoFar(t *testing.T) {
	dir := writeSynthetic(t, 3, 6, 3, 20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := quick(dir)
	o.Out = filepath.Join(t.TempDir(), "model.aqm")
	o.Progress = &cancelOn{cancel: cancel}
	res, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.BestEpoch != 1 || len(res.History) != 1 {
		t.Errorf("interrupted %v, best epoch %d, %d epochs: want true, 1, 1", res.Interrupted, res.BestEpoch, len(res.History))
	}
	if _, err := modelfile.ReadFile(o.Out); err != nil {
		t.Errorf("the interrupted run did not leave a readable model: %v", err)
	}

	cancelled, stop := context.WithCancel(context.Background())
	stop()
	if _, err := Run(cancelled, quick(dir)); !errors.Is(err, context.Canceled) {
		t.Errorf("run cancelled before it started: got %v, want context.Canceled", err)
	}
}

func TestOptionsRejected(t *testing.T) {
	dir := writeSynthetic(t, 2, 2, 2, 12)
	for _, tc := range []struct {
		name string
		edit func(*Options)
	}{
		{"no train dir", func(o *Options) { o.TrainDir = "" }},
		{"schedule", func(o *Options) { o.Schedule = "linear" }},
		{"balance", func(o *Options) { o.Balance = "oversample" }},
		{"batch", func(o *Options) { o.BatchSize = 1 }},
		{"val fraction", func(o *Options) { o.ValFraction = 1.5 }},
		{"quantile", func(o *Options) { o.UnknownQuantile = 1 }},
		{"warm-up longer than the run", func(o *Options) { o.WarmupEpochs = 9 }},
		{"more than the images", func(o *Options) { o.BatchSize = 64 }},
	} {
		o := quick(dir)
		tc.edit(&o)
		if _, err := Run(context.Background(), o); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: got %v, want ErrOptions", tc.name, err)
		}
	}
	o := quick(writeSynthetic(t, 2, 4, 4, 12))
	o.Arch = "resnet"
	if _, err := Run(context.Background(), o); !errors.Is(err, nn.ErrArch) {
		t.Errorf("unknown architecture: got %v, want nn.ErrArch", err)
	}
}
