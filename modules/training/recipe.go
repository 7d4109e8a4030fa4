package training

import (
	"fmt"
	"strconv"

	"github.com/aquaml/aquaml/platform/inference/training"
)

// The small-data recipe a job gets unless its request says otherwise: what
// won the small-data protocol (BENCHMARKS.md, "Small-data recipe"). There,
// fine-tuning from a base (the request's base) was the one large gain;
// freezing, mixup, weight averaging and strong augmentation did not beat
// the plain run on average over seeds, so they stay off. Over ten draws
// of 20 photos a species ("Refit and longer runs"), refitting on every
// photo once the held-out fifth has chosen the epoch added 2-7 points of
// accuracy and macro-F1, and 30 epochs beat 15 by 4-8; early stopping
// after 8 epochs without progress cut those runs short and cost 3-5
// points, so it is off. Flip TTA doubles the network's work per served
// photo: see defaultFlipTTA.
const (
	defaultFreeze        = 0
	defaultMixup         = 0.0
	defaultAverageEpochs = 0.0
	defaultPatience      = 0
	defaultRefit         = true
)

// defaultFlipTTA is flip TTA's default for a job training arch (empty: the
// base's network): on for SmallCNN, off for the others. On the small-data
// protocol's three groups it added 0.004 to 0.006 macro-F1 to the job
// recipe's SmallCNN (BENCHMARKS.md, "A wider SmallCNN, and flip TTA"), and
// SmallCNN served flipped still costs less per photo than FishNet served
// once; FishNet and the wide SmallCNN flipped would cost twice the bundled
// model.
func defaultFlipTTA(arch string) bool { return arch == "smallcnn" }

// recipeRequest holds the small-data ingredients of a job; a field left
// out takes the default above, and after normalise none is nil.
type recipeRequest struct {
	Freeze        *int     `json:"freeze"`         // the base's first N conv layers kept as they are
	Mixup         *float64 `json:"mixup"`          // mixup alpha, 0: off
	AverageEpochs *float64 `json:"average_epochs"` // weight moving average horizon, 0: off
	FlipTTA       *bool    `json:"flip_tta"`       // score and serve photos with their mirror image
	Patience      *int     `json:"patience"`       // early stopping, 0: off
	Refit         *bool    `json:"refit"`          // train the whole run again on every photo
}

// normaliseRecipe fills in the recipe's defaults and records its problems
// in fields.
func (r *jobRequest) normaliseRecipe(fields map[string]string) {
	rr := &r.Recipe
	if rr.Freeze == nil {
		n := 0
		if r.Base != defaultBase {
			n = defaultFreeze
		}
		rr.Freeze = &n
	}
	if rr.Mixup == nil {
		v := defaultMixup
		rr.Mixup = &v
	}
	if rr.AverageEpochs == nil {
		v := defaultAverageEpochs
		rr.AverageEpochs = &v
	}
	if rr.FlipTTA == nil {
		v := defaultFlipTTA(r.Architecture)
		rr.FlipTTA = &v
	}
	if rr.Patience == nil {
		v := defaultPatience
		rr.Patience = &v
	}
	if rr.Refit == nil {
		v := defaultRefit
		rr.Refit = &v
	}
	switch {
	case *rr.Freeze < 0 || *rr.Freeze > 16:
		fields["recipe.freeze"] = "must be 0 to 16 conv layers"
	case *rr.Freeze > 0 && r.Base == defaultBase:
		fields["recipe.freeze"] = "applies only when fine-tuning a base model"
	}
	if !(*rr.Mixup >= 0 && *rr.Mixup <= 10) {
		fields["recipe.mixup"] = "must be 0 (off) to 10"
	}
	if !(*rr.AverageEpochs >= 0 && *rr.AverageEpochs <= 1000) {
		fields["recipe.average_epochs"] = "must be 0 (off) to 1000"
	}
	if *rr.Patience < 0 || *rr.Patience > 10000 {
		fields["recipe.patience"] = "must be 0 (off) to 10000 epochs"
	}
}

// trainingRecipe is the request's recipe for the trainer.
func (r jobRequest) trainingRecipe() training.Recipe {
	aug := training.AugmentDefault
	switch r.Augmentation {
	case "strong":
		aug = training.AugmentStrong
	case "none":
		aug = training.AugmentNone
	}
	rr := r.Recipe
	return training.Recipe{
		Augment: aug, FreezeLayers: *rr.Freeze, Mixup: *rr.Mixup, AverageEpochs: *rr.AverageEpochs,
		FlipTTA: *rr.FlipTTA, Patience: *rr.Patience, Refit: *rr.Refit,
	}
}

// recipeArgs are the `aquaml train` flags of the request's recipe.
func (r jobRequest) recipeArgs() []string {
	t := r.trainingRecipe()
	args := []string{"--augment", t.Augment}
	if t.FreezeLayers > 0 {
		args = append(args, "--freeze", strconv.Itoa(t.FreezeLayers))
	}
	if t.Mixup > 0 {
		args = append(args, "--mixup", strconv.FormatFloat(t.Mixup, 'g', -1, 64))
	}
	if t.AverageEpochs > 0 {
		args = append(args, "--average-epochs", strconv.FormatFloat(t.AverageEpochs, 'g', -1, 64))
	}
	if t.FlipTTA {
		args = append(args, "--flip-tta")
	}
	if t.Patience > 0 {
		args = append(args, "--patience", strconv.Itoa(t.Patience))
	}
	if t.Refit {
		args = append(args, "--refit")
	}
	return args
}

// recipeLine describes the recipe for the model card.
func (r jobRequest) recipeLine() string {
	t := r.trainingRecipe()
	return fmt.Sprintf("augmentation %s, frozen conv layers %d, mixup %g, weight average over %g epochs, flip TTA %t, patience %d epochs, refit on every photo %t",
		r.Augmentation, t.FreezeLayers, t.Mixup, t.AverageEpochs, t.FlipTTA, t.Patience, t.Refit)
}
