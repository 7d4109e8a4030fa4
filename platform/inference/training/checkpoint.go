package training

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// checkpoint is the state of a run at the end of an epoch: enough to go on
// as if it had never stopped. The data order and augmentation of an epoch
// derive from (seed, epoch), so they need no saving.
type checkpoint struct {
	Key     string // runKey of the run that wrote it
	Epoch   int
	Weights []modelfile.Tensor
	State   nn.TrainerState
	History []EpochStats

	BestEpoch   int
	BestWeights []modelfile.Tensor
	Best        savedScores
	Average     []modelfile.Tensor // Recipe.AverageEpochs' moving average
}

// savedScores is scores with exported fields, for gob.
type savedScores struct {
	Loss      float64
	Confusion evaluation.Confusion
	Top1      []float32
	Correct   []bool
}

func (s *scores) save() savedScores {
	if s == nil {
		return savedScores{} // a refit validates nothing
	}
	return savedScores{Loss: s.loss, Confusion: *s.confusion, Top1: s.top1, Correct: s.correct}
}

func (s savedScores) load() *scores {
	c := s.Confusion
	return &scores{loss: s.Loss, confusion: &c, top1: s.Top1, correct: s.Correct}
}

// runKey fingerprints what decides a run's trajectory: the options that
// shape training and the split it trains on. A checkpoint is only resumed
// by a run with the same key.
func (r *run) runKey() string {
	o := r.o
	h := sha256.New()
	fmt.Fprintf(h, "%s|%d|%d|%d|%g|%s|%g|%d|%g|%g|%g|%s|%t|%v|%v|%d|%t\n",
		o.Arch, o.Size, o.Epochs, o.BatchSize, o.LearningRate, o.Schedule, o.WarmupEpochs, o.StepEvery, o.StepGamma,
		o.WeightDecay, o.LabelSmoothing, o.Balance, o.NoAugment, o.Mean, o.Std, o.Seed, o.Base != nil)
	if o.height() != o.Size {
		// Only then: a square run keeps the key its checkpoint was written with.
		fmt.Fprintln(h, "height", o.height())
	}
	if rc := o.Recipe; rc != (Recipe{Augment: AugmentDefault}) && rc != (Recipe{Augment: AugmentNone}) {
		// Likewise: a run without the recipe keeps its key.
		fmt.Fprintf(h, "recipe %+v\n", rc)
	}
	fmt.Fprintln(h, r.train.Classes)
	// Paths relative to the data's root: a job materialises its data in a
	// new temporary folder on every attempt.
	for _, s := range r.train.Samples {
		fmt.Fprintln(h, "t", relPath(o.TrainDir, s.Path), s.Label)
	}
	for _, s := range r.val.Samples {
		fmt.Fprintln(h, "v", relPath(o.TrainDir, s.Path), relPath(o.ValDir, s.Path), s.Label)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func relPath(root, path string) string {
	if root == "" {
		return ""
	}
	if rel, err := filepath.Rel(root, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return path
}

// readCheckpoint reads the checkpoint at path when it belongs to the run
// keyed key; nil when there is none or it is another run's.
func readCheckpoint(path, key string) (*checkpoint, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("training: reading the checkpoint: %w", err)
	}
	var c checkpoint
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil {
		return nil, fmt.Errorf("training: the checkpoint %s is corrupt: %w", path, err)
	}
	if c.Key != key {
		return nil, nil
	}
	return &c, nil
}

// writeCheckpoint replaces the checkpoint atomically: a process killed
// while writing leaves the previous one whole.
func writeCheckpoint(path string, c *checkpoint) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(c); err != nil {
		return fmt.Errorf("training: encoding the checkpoint: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	f, err := os.CreateTemp(dir, ".checkpoint-*")
	if err != nil {
		return fmt.Errorf("training: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename, nothing to remove
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("training: writing the checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("training: writing the checkpoint: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("training: writing the checkpoint: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("training: writing the checkpoint: %w", err)
	}
	return nil
}
