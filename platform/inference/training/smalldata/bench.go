package smalldata

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/training"
)

// Protocol is one small-data comparison.
type Protocol struct {
	Train, Val string   // ImageFolders: the draws come from Train, the scores from Val
	Labels     []string // the target labels
	PerLabel   int      // photos drawn per label (default 30)
	GroupRegex string   // names a file's track (default `^fish_(\d+)_`)
	Seeds      []int64  // one draw and one run per seed (default 1, 2, 3)
	Work       string   // where draws, models and results go
	Base       *modelfile.Model
	// Template is the run every recipe starts from: the training job's
	// defaults for a few hundred photos.
	Template training.Options
	Progress io.Writer // one line per run (nil: silent)
}

// Run is the outcome of one recipe on one seed.
type Run struct {
	Recipe     string  `json:"recipe"`
	Seed       int64   `json:"seed"`
	Photos     int     `json:"photos"`     // drawn for training and validation
	Epochs     int     `json:"epochs"`     // run (early stopping may cut them)
	BestEpoch  int     `json:"best_epoch"` // chosen on the carved validation split
	Accuracy   float64 `json:"accuracy"`   // on the scored split, without the flip
	MacroF1    float64 `json:"macro_f1"`
	FlipAcc    float64 `json:"flip_accuracy"` // with flip test-time augmentation
	FlipF1     float64 `json:"flip_macro_f1"`
	Seconds    float64 `json:"seconds"`
	ValMacroF1 float64 `json:"val_macro_f1"` // the carved validation split's, of the kept epoch
}

// Recipes are the ingredients compared, each applied to the template. The
// fine-tuning ones need Protocol.Base.
var Recipes = map[string]func(o *training.Options, base *modelfile.Model){
	"baseline": func(*training.Options, *modelfile.Model) {},
	"strong":   func(o *training.Options, _ *modelfile.Model) { o.Augment = training.AugmentStrong },
	"mixup":    func(o *training.Options, _ *modelfile.Model) { o.Mixup = 0.4 },
	"average":  func(o *training.Options, _ *modelfile.Model) { o.AverageEpochs = 3 },
	"finetune": func(o *training.Options, b *modelfile.Model) { o.Base, o.Arch = b, "" },
	"finetune-freeze": func(o *training.Options, b *modelfile.Model) {
		o.Base, o.Arch, o.FreezeLayers = b, "", 2
	},
	// The two below are what the seed-1 figures of the ones above suggested:
	// fine-tuning and mixup helped, freezing and the strong preset did not.
	"scratch-recipe": func(o *training.Options, _ *modelfile.Model) {
		o.Recipe = training.Recipe{Mixup: 0.4, AverageEpochs: 3, FlipTTA: true, Patience: 8}
	},
	"finetune-recipe": func(o *training.Options, b *modelfile.Model) {
		o.Base, o.Arch = b, ""
		o.Recipe = training.Recipe{Mixup: 0.4, AverageEpochs: 3, FlipTTA: true, Patience: 8}
	},
	// Fine-tuning's best epoch came early (4-11 of 15) at the step size
	// made for training from scratch: the base's features are worn away.
	"finetune-lowlr": func(o *training.Options, b *modelfile.Model) {
		o.Base, o.Arch, o.LearningRate = b, "", 5e-4
	},
	// The reference's network (three convs, no batch norm), from scratch:
	// PyTorch's own SmallCNN scored above FishNet on these draws.
	"smallcnn": func(o *training.Options, _ *modelfile.Model) { o.Arch = "smallcnn" },
	// Choosing the epoch holds out a fifth of ~155 photos; refitting
	// trains on them too once the choice is made.
	"refit":          func(o *training.Options, _ *modelfile.Model) { o.Refit = true },
	"smallcnn-refit": func(o *training.Options, _ *modelfile.Model) { o.Arch, o.Refit = "smallcnn", true },
	"finetune-refit": func(o *training.Options, b *modelfile.Model) { o.Base, o.Arch, o.Refit = b, "", true },
	// SmallCNN refit with one ingredient each (BENCHMARKS.md, "Small
	// data: smaller batches"): other batch sizes (the reference script's
	// 64; 16 won on every group, for FishNet too), mixup, label smoothing,
	// weight averaging, the reference's step size, weight decay, strong
	// augmentation.
	"smallcnn-refit-b64":     smallCNNRefit(func(o *training.Options) { o.BatchSize = 64 }),
	"smallcnn-refit-b16":     smallCNNRefit(func(o *training.Options) { o.BatchSize = 16 }),
	"smallcnn-refit-b8":      smallCNNRefit(func(o *training.Options) { o.BatchSize = 8 }),
	"smallcnn-refit-mixup":   smallCNNRefit(func(o *training.Options) { o.Mixup = 0.4 }),
	"smallcnn-refit-smooth":  smallCNNRefit(func(o *training.Options) { o.LabelSmoothing = 0.1 }),
	"smallcnn-refit-average": smallCNNRefit(func(o *training.Options) { o.AverageEpochs = 3 }),
	// Adam at 1e-3 throughout with no warm-up, as the reference script,
	// against the template's cosine from 2e-3.
	"smallcnn-refit-constant": smallCNNRefit(func(o *training.Options) {
		o.LearningRate, o.Schedule, o.WarmupEpochs = 1e-3, training.ScheduleConstant, -1
	}),
	"smallcnn-refit-lr1e3":  smallCNNRefit(func(o *training.Options) { o.LearningRate = 1e-3 }),
	"smallcnn-refit-strong": smallCNNRefit(func(o *training.Options) { o.Augment = training.AugmentStrong }),
	"smallcnn-refit-wd":     smallCNNRefit(func(o *training.Options) { o.WeightDecay = 1e-3 }),
	// Batch 16 with one more ingredient (label smoothing, other input
	// sizes): none moved C's macro-F1.
	"smallcnn-refit-b16-smooth": smallCNNRefit(func(o *training.Options) { o.BatchSize, o.LabelSmoothing = 16, 0.1 }),
	"smallcnn-refit-b16-s96":    smallCNNRefit(func(o *training.Options) { o.BatchSize, o.Size = 16, 96 }),
	"smallcnn-refit-b16-s48":    smallCNNRefit(func(o *training.Options) { o.BatchSize, o.Size = 16, 48 }),
	// FishNet, the bundled model's network, at batch 16.
	"refit-b16": func(o *training.Options, _ *modelfile.Model) { o.Refit, o.BatchSize = true, 16 },
	// What a training job with a base runs unless asked otherwise.
	"job-defaults": func(o *training.Options, b *modelfile.Model) {
		o.Base, o.Arch = b, ""
		o.Recipe = training.Recipe{Refit: true}
		jobBatch(o)
	},
	// What a training job without a base runs: the wide SmallCNN from
	// scratch, the job default since it scored above SmallCNN (below) on
	// all three groups.
	"job-scratch": func(o *training.Options, _ *modelfile.Model) {
		o.Arch, o.Recipe = "smallcnn-wide", training.Recipe{Refit: true}
		jobBatch(o)
	},
	// What a job naming smallcnn runs, served flipped (its flip-TTA columns
	// are the job's scores): the default from scratch before the wide one,
	// since it tied FishNet (below) on one group and led it on two.
	"job-scratch-smallcnn": func(o *training.Options, _ *modelfile.Model) {
		o.Arch, o.Recipe = "smallcnn", training.Recipe{Refit: true, FlipTTA: true}
		jobBatch(o)
	},
	// What a job without a base ran before SmallCNN: FishNet from scratch.
	"job-scratch-fishnet": func(o *training.Options, _ *modelfile.Model) {
		o.Recipe = training.Recipe{Refit: true}
		jobBatch(o)
	},
	"combined": func(o *training.Options, b *modelfile.Model) {
		o.Base, o.Arch = b, ""
		o.Recipe = training.Recipe{Augment: training.AugmentStrong, FreezeLayers: 2, Mixup: 0.4, AverageEpochs: 3, FlipTTA: true, Patience: 8}
	},
}

// smallCNNRefit is the smallcnn-refit recipe with one more ingredient.
func smallCNNRefit(ingredient func(o *training.Options)) func(*training.Options, *modelfile.Model) {
	return func(o *training.Options, _ *modelfile.Model) {
		o.Arch, o.Refit = "smallcnn", true
		ingredient(o)
	}
}

// jobBatch sets the batch size a training job would choose for the draw.
func jobBatch(o *training.Options) { o.BatchSize = training.BatchForFolder(o.TrainDir, o.ValFraction) }

// Bench runs every named recipe on every seed and appends each outcome,
// as a JSON line, to Work/results.jsonl, also returning them.
func (p Protocol) Bench(ctx context.Context, recipes []string) ([]Run, error) {
	p.defaults()
	group, err := regexp.Compile(p.GroupRegex)
	if err != nil {
		return nil, fmt.Errorf("smalldata: group regex: %w", err)
	}
	for _, name := range recipes {
		if Recipes[name] == nil {
			return nil, fmt.Errorf("smalldata: unknown recipe %q", name)
		}
	}
	scored := filepath.Join(p.Work, "scored")
	if err := os.RemoveAll(scored); err != nil {
		return nil, err
	}
	if err := LinkAll(p.Val, scored, p.Labels); err != nil {
		return nil, err
	}
	out, err := os.OpenFile(filepath.Join(p.Work, "results.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	var runs []Run
	for _, seed := range p.Seeds {
		draw := filepath.Join(p.Work, "draw-"+strconv.FormatInt(seed, 10))
		if err := os.RemoveAll(draw); err != nil {
			return nil, err
		}
		counts, err := Draw(p.Train, draw, p.Labels, p.PerLabel, group, seed)
		if err != nil {
			return nil, err
		}
		photos := 0
		for _, n := range counts {
			photos += n
		}
		for _, name := range recipes {
			r, err := p.one(ctx, name, seed, draw, scored)
			if err != nil {
				return runs, fmt.Errorf("smalldata: %s seed %d: %w", name, seed, err)
			}
			r.Photos = photos
			runs = append(runs, r)
			line, _ := json.Marshal(r)
			if _, err := fmt.Fprintln(out, string(line)); err != nil {
				return runs, err
			}
			if p.Progress != nil {
				fmt.Fprintf(p.Progress, "%-16s seed %d: %d photos, best epoch %d/%d, acc %.3f F1 %.3f, flip acc %.3f F1 %.3f (%.0fs)\n",
					name, seed, photos, r.BestEpoch, r.Epochs, r.Accuracy, r.MacroF1, r.FlipAcc, r.FlipF1, r.Seconds)
			}
		}
	}
	return runs, nil
}

func (p *Protocol) defaults() {
	if p.PerLabel == 0 {
		p.PerLabel = 30
	}
	if p.GroupRegex == "" {
		p.GroupRegex = `^fish_(\d+)_`
	}
	if len(p.Seeds) == 0 {
		p.Seeds = []int64{1, 2, 3}
	}
}

func (p Protocol) one(ctx context.Context, name string, seed int64, draw, scored string) (Run, error) {
	o := p.Template
	o.TrainDir, o.GroupRegex, o.Seed = draw, p.GroupRegex, seed
	Recipes[name](&o, p.Base)
	if o.Base == nil && (strings.HasPrefix(name, "finetune") || name == "combined" || name == "job-defaults") {
		return Run{}, fmt.Errorf("the recipe needs a base model")
	}
	start := time.Now()
	res, err := training.Run(ctx, o)
	if err != nil {
		return Run{}, err
	}
	r := Run{Recipe: name, Seed: seed, Epochs: len(res.History), BestEpoch: res.BestEpoch, ValMacroF1: res.Validation.MacroF1}
	plain, err := training.Score(ctx, res.Model, scored, false)
	if err != nil {
		return Run{}, err
	}
	flip, err := training.Score(ctx, res.Model, scored, true)
	if err != nil {
		return Run{}, err
	}
	r.Accuracy, r.MacroF1, r.FlipAcc, r.FlipF1 = plain.Accuracy, plain.MacroF1, flip.Accuracy, flip.MacroF1
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// Summary is one recipe's mean and spread (sample standard deviation)
// over seeds.
type Summary struct {
	Recipe               string
	Runs                 int
	Accuracy, AccuracySD float64
	MacroF1, MacroF1SD   float64
	FlipAcc, FlipAccSD   float64
	FlipF1, FlipF1SD     float64
	BestEpoch, Epochs    float64 // means
	Seconds              float64 // mean per run
}

// Summarise groups runs by recipe, in the order recipes first appear.
func Summarise(runs []Run) []Summary {
	var order []string
	by := map[string][]Run{}
	for _, r := range runs {
		if by[r.Recipe] == nil {
			order = append(order, r.Recipe)
		}
		by[r.Recipe] = append(by[r.Recipe], r)
	}
	var out []Summary
	for _, name := range order {
		rs := by[name]
		s := Summary{Recipe: name, Runs: len(rs)}
		s.Accuracy, s.AccuracySD = meanSD(rs, func(r Run) float64 { return r.Accuracy })
		s.MacroF1, s.MacroF1SD = meanSD(rs, func(r Run) float64 { return r.MacroF1 })
		s.FlipAcc, s.FlipAccSD = meanSD(rs, func(r Run) float64 { return r.FlipAcc })
		s.FlipF1, s.FlipF1SD = meanSD(rs, func(r Run) float64 { return r.FlipF1 })
		s.BestEpoch, _ = meanSD(rs, func(r Run) float64 { return float64(r.BestEpoch) })
		s.Epochs, _ = meanSD(rs, func(r Run) float64 { return float64(r.Epochs) })
		s.Seconds, _ = meanSD(rs, func(r Run) float64 { return r.Seconds })
		out = append(out, s)
	}
	return out
}

func meanSD(rs []Run, f func(Run) float64) (float64, float64) {
	var sum float64
	vs := make([]float64, len(rs))
	for i, r := range rs {
		vs[i] = f(r)
		sum += vs[i]
	}
	mean := sum / float64(len(vs))
	if len(vs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range vs {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(vs)-1))
}

// Markdown writes the summaries as a table.
func Markdown(w io.Writer, sums []Summary) {
	fmt.Fprintln(w, "| Recipe | Runs | Accuracy | Macro-F1 | Accuracy, flip TTA | Macro-F1, flip TTA | Best / run epochs | s per run |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, s := range sums {
		fmt.Fprintf(w, "| %s | %d | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f | %.1f / %.1f | %.0f |\n",
			s.Recipe, s.Runs, s.Accuracy, s.AccuracySD, s.MacroF1, s.MacroF1SD, s.FlipAcc, s.FlipAccSD, s.FlipF1, s.FlipF1SD,
			s.BestEpoch, s.Epochs, s.Seconds)
	}
}

// ReadRuns reads the JSON lines Bench appended.
func ReadRuns(path string) ([]Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var runs []Run
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var r Run
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("smalldata: %s: %w", path, err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// MakeBase trains the base model on the labels of Train that are not
// targets, at most perLabel photos each (the first by name, so whole
// tracks but one), and writes it to out.
func (p Protocol) MakeBase(ctx context.Context, out string, perLabel, epochs int) (*training.Result, error) {
	p.defaults()
	others, err := Others(p.Train, p.Labels)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(p.Work, "base-data")
	if err := os.RemoveAll(data); err != nil {
		return nil, err
	}
	if err := LinkFirst(p.Train, data, others, perLabel); err != nil {
		return nil, err
	}
	o := p.Template
	o.TrainDir, o.GroupRegex, o.Epochs, o.Out, o.Name = data, p.GroupRegex, epochs, out, "base-without-targets"
	o.BatchSize, o.ValFraction = 32, 0.15
	return training.Run(ctx, o)
}
