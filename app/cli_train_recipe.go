package app

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/training"
)

// recipeFlags are `aquaml train`'s small-data options (BENCHMARKS.md,
// "Small-data recipe").
func recipeFlags(f *pflag.FlagSet, r *training.Recipe, base *string) {
	f.StringVar(base, "base", "", "model file to fine-tune from (its architecture and normalisation; a new head for these labels)")
	f.StringVar(&r.Augment, "augment", training.AugmentDefault, "augmentation preset: default, strong (crops to half the area, jitter 0.4) or none")
	f.IntVar(&r.FreezeLayers, "freeze", 0, "with --base: keep the base's first N conv layers as they are")
	f.Float64Var(&r.Mixup, "mixup", 0, "mixup alpha (0: off; 0.2-0.4 usual)")
	f.Float64Var(&r.AverageEpochs, "average-epochs", 0, "validate and keep a moving average of the weights over about this many epochs (0: off)")
	f.BoolVar(&r.FlipTTA, "flip-tta", false, "score each photo with its mirror image (validation, and serving when the model says so)")
	f.IntVar(&r.Patience, "patience", 0, "stop after this many epochs without a better validation macro-F1 (0: never)")
	f.BoolVar(&r.Refit, "refit", false, "once the held-out run has ended, train it again on every photo, validation photos included, and keep the last weights")
}

// readBase reads the --base model; none given means training from scratch.
func readBase(path string) (*modelfile.Model, error) {
	if path == "" {
		return nil, nil
	}
	m, err := modelfile.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	return m, nil
}
