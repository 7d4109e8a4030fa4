package training

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// ErrOptions reports options that cannot describe a training run.
var ErrOptions = errors.New("training: invalid options")

// Ways to compensate unbalanced classes.
const (
	BalanceWeights = "weights" // weight each class's loss by sqrt(total/count), normalised to mean 1
	BalanceSampler = "sampler" // draw classes with probability proportional to sqrt(count)
	BalanceNone    = "none"
)

// Learning-rate schedules. Each starts with a linear warm-up.
const (
	ScheduleCosine   = "cosine"   // cosine decay from LearningRate to 1% of it
	ScheduleStep     = "step"     // multiply by StepGamma every StepEvery epochs
	ScheduleConstant = "constant" // LearningRate throughout
)

// Options describe a training run. Zero values take the defaults noted.
type Options struct {
	TrainDir string // ImageFolder: <dir>/<label>/<image>
	// ValDir is a separate validation ImageFolder with the same labels.
	// When empty, ValFraction of TrainDir is held out, whole groups at a time.
	ValDir      string
	ValFraction float64 // default 0.15
	// GroupRegex's first capture group, matched against a file's base name,
	// names the group (e.g. the tracked object) it belongs to: a group is
	// never split between training and validation. Empty: every file is its
	// own group.
	GroupRegex string

	Arch string // architecture name, see nn.Named (default "fishnet")
	Size int    // input width in pixels (default 64)
	// Height is the input height in pixels; 0 makes the input square.
	Height int

	Epochs         int     // default 12
	BatchSize      int     // default 32
	LearningRate   float64 // peak Adam step size (default 1e-3)
	Schedule       string  // ScheduleCosine (default), ScheduleStep or ScheduleConstant
	WarmupEpochs   float64 // linear warm-up from LearningRate/10 (default 1; negative: none)
	StepEvery      int     // ScheduleStep: epochs between decays (default 4)
	StepGamma      float64 // ScheduleStep: decay factor (default 0.3)
	WeightDecay    float64 // decoupled (AdamW) weight decay (default 0)
	LabelSmoothing float64 // default 0

	Balance   string // BalanceWeights (default), BalanceSampler or BalanceNone
	NoAugment bool   // turn off flips, crops and colour jitter (Recipe.Augment "none")
	// Recipe: augmentation preset, frozen layers, mixup, weight averaging,
	// flip test-time augmentation and early stopping (recipe.go).
	Recipe

	// Mean and Std normalise RGB values in [0,1]: (v-Mean)/Std
	// (default 0.5 and 0.25, as the PyTorch reference).
	Mean, Std [3]float32

	UnknownQuantile float64 // see the package doc (default 0.05)

	Seed int64

	Out     string // model file to write; empty writes nothing
	Name    string // model name in the metadata (default "model")
	Version string // model version in the metadata (default "1")
	Command string // the command line, recorded in the metadata
	Licence string // notice the training data requires, recorded in the metadata
	// Labels gives the scientific and common names of labels by folder
	// name; labels missing from it keep only their folder name.
	Labels map[string]modelfile.Label
	// References are other models' scores for the model card's comparison
	// table (e.g. the PyTorch reference on the same validation split).
	References []evaluation.Reference

	Workers int // image decoding goroutines (default GOMAXPROCS)
	// Threads bounds the goroutines each kernel call of the network runs on
	// (default GOMAXPROCS), so that a process serving beside the run keeps
	// cores for its requests.
	Threads    int
	CacheBytes int64 // decoded-image cache for later epochs (default 1 GiB; negative: none)

	Progress io.Writer // progress bar and per-epoch lines (nil: silent)
	// OnEpoch, when set, is called after every validated epoch, once the
	// epoch's checkpoint is written, with the run's history so far (a
	// resumed run's included); the last entry is the epoch just finished.
	// A job reports its progress from it.
	OnEpoch func(history []EpochStats)
	// OnRefitEpoch, when set, is called after every epoch of the refit
	// pass (Recipe.Refit), once its checkpoint is written: epoch of epochs
	// (as many as the held-out run ran). Its stats have no validation
	// scores: the validation photos are training photos then.
	OnRefitEpoch func(epoch, epochs int, stats EpochStats)

	// Checkpoint is a file written atomically after every epoch: weights,
	// optimiser and dropout state, the epoch and the best epoch so far.
	// When it exists at start and was written by a run of the same options
	// and data, Run resumes after its epoch and ends with the weights an
	// uninterrupted run would have; a checkpoint of another run is ignored.
	Checkpoint string
	// Base is a model to fine-tune from: its tensors whose names and shapes
	// fit the architecture start the run (a classifier head sized for other
	// labels starts fresh) and its normalisation replaces Mean and Std. With
	// Arch empty, the base's own architecture is trained.
	Base *modelfile.Model
}

func (o *Options) defaults() error {
	setInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setF := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	setS := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	setF(&o.ValFraction, 0.15)
	if o.Base != nil {
		if o.Arch == "" {
			o.Arch = baseArch(o.Base)
		}
		o.Mean, o.Std = o.Base.Meta.Mean, o.Base.Meta.Std
	}
	setS(&o.Arch, "fishnet")
	setInt(&o.Size, 64)
	setInt(&o.Epochs, 12)
	setInt(&o.BatchSize, 32)
	setF(&o.LearningRate, 1e-3)
	setS(&o.Schedule, ScheduleCosine)
	setF(&o.WarmupEpochs, 1)
	o.WarmupEpochs = max(o.WarmupEpochs, 0)
	setInt(&o.StepEvery, 4)
	setF(&o.StepGamma, 0.3)
	setS(&o.Balance, BalanceWeights)
	if o.Mean == ([3]float32{}) {
		o.Mean = [3]float32{0.5, 0.5, 0.5}
	}
	if o.Std == ([3]float32{}) {
		o.Std = [3]float32{0.25, 0.25, 0.25}
	}
	setF(&o.UnknownQuantile, 0.05)
	setS(&o.Name, "model")
	setS(&o.Version, "1")
	if o.CacheBytes == 0 {
		o.CacheBytes = 1 << 30
	}
	o.CacheBytes = max(o.CacheBytes, 0)

	if err := o.recipeDefaults(); err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrOptions}, args...)...)
	}
	switch {
	case o.TrainDir == "":
		return bad("no training directory")
	case !(o.ValFraction > 0 && o.ValFraction < 1):
		return bad("validation fraction %v, want 0 < f < 1", o.ValFraction)
	case o.Size < 8 || o.Size > 1024 || o.height() < 8 || o.height() > 1024:
		return bad("size %dx%d, want sides of 8..1024", o.Size, o.height())
	case o.Epochs < 1 || o.Epochs > 10000:
		return bad("epochs %d, want 1..10000", o.Epochs)
	case o.BatchSize < 2 || o.BatchSize > 4096:
		return bad("batch size %d, want 2..4096", o.BatchSize)
	case !(o.LearningRate > 0 && o.LearningRate < 10):
		return bad("learning rate %v", o.LearningRate)
	case o.Schedule != ScheduleCosine && o.Schedule != ScheduleStep && o.Schedule != ScheduleConstant:
		return bad("schedule %q, want %s, %s or %s", o.Schedule, ScheduleCosine, ScheduleStep, ScheduleConstant)
	case math.IsNaN(o.WarmupEpochs) || o.WarmupEpochs > float64(o.Epochs):
		return bad("warm-up of %v epochs for %d epochs", o.WarmupEpochs, o.Epochs)
	case o.StepEvery < 1 || !(o.StepGamma > 0 && o.StepGamma <= 1):
		return bad("step schedule every %d epochs by %v", o.StepEvery, o.StepGamma)
	case o.Balance != BalanceWeights && o.Balance != BalanceSampler && o.Balance != BalanceNone:
		return bad("balance %q, want %s, %s or %s", o.Balance, BalanceWeights, BalanceSampler, BalanceNone)
	case !(o.UnknownQuantile >= 0 && o.UnknownQuantile < 1):
		return bad("unknown quantile %v, want 0 <= q < 1", o.UnknownQuantile)
	case o.Workers < 0:
		return bad("%d workers", o.Workers)
	case o.Threads < 0:
		return bad("%d threads", o.Threads)
	}
	for _, s := range o.Std {
		if !(s > 0) {
			return bad("std %v must be positive", o.Std)
		}
	}
	return nil
}

// height is the input height: Height, or Size for a square input.
func (o *Options) height() int {
	if o.Height > 0 {
		return o.Height
	}
	return o.Size
}
