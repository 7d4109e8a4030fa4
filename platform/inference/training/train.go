package training

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aquaml/aquaml/platform/inference/dataset"
	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/kernels"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// EpochStats is one epoch of a run.
type EpochStats struct {
	Epoch        int
	TrainLoss    float64 // mean over the epoch's batches (class-weighted, as optimised)
	ValLoss      float64 // mean cross-entropy on validation, unweighted
	ValAccuracy  float64
	ValMacroF1   float64
	ImagesPerSec float64 // training throughput, validation excluded
	Seconds      float64 // the whole epoch, validation included
	LearningRate float64 // at the end of the epoch
}

// Result is what a run produced.
type Result struct {
	// Model holds the best epoch's weights and the metadata describing the
	// run; it was written to Options.Out when that was set.
	Model   *modelfile.Model
	History []EpochStats
	// BestEpoch is the epoch kept: the best validation macro-F1's, or with
	// Recipe.Refit the last one run, whose weights the refit retrains.
	BestEpoch int
	// Validation is that epoch's validation report: accuracy, macro-F1,
	// per-class scores and confusion matrix.
	Validation *evaluation.Result
	Threshold  float32
	// Interrupted reports that the context was cancelled: training stopped
	// early and Model is the best epoch finished before.
	Interrupted bool
	// StoppedEarly reports that Recipe.Patience ended the run before its
	// last epoch.
	StoppedEarly bool
	// Refitted reports that Model's weights are Recipe.Refit's, trained on
	// the validation photos too.
	Refitted bool
}

// run is the state of one training run.
type run struct {
	o          Options
	arch       *nn.Arch
	trainer    *nn.Trainer
	train, val *dataset.Folder
	trainData  *dataset.Loader
	valData    *dataset.Loader
	progress   *progress
	key        string      // runKey, once the data is split
	resumed    *checkpoint // the checkpoint this run goes on from, if any
	// avg is the moving average of the weights when Recipe.AverageEpochs
	// asks for one: what is validated and kept.
	avg     []modelfile.Tensor
	scratch []float32 // mixup's copy of a batch
}

// checkpoint saves the run after epoch, when Options.Checkpoint asks.
func (r *run) checkpoint(epoch int, res *Result, best *scores, bestWeights []modelfile.Tensor) error {
	if r.o.Checkpoint == "" {
		return nil
	}
	state, err := r.trainer.State()
	if err != nil {
		return fmt.Errorf("training: %w", err)
	}
	return writeCheckpoint(r.o.Checkpoint, &checkpoint{
		Key: r.key, Epoch: epoch, Weights: r.trainer.Export(), State: state, History: res.History,
		BestEpoch: res.BestEpoch, BestWeights: bestWeights, Best: best.save(), Average: r.avg,
	})
}

// Run trains a model as o describes. Cancelling ctx stops training at the
// next batch; Run then finishes with the best epoch so far (Interrupted set)
// or, when no epoch finished, returns the context's error.
func Run(ctx context.Context, o Options) (*Result, error) {
	start := time.Now()
	if err := o.defaults(); err != nil {
		return nil, err
	}
	r, err := prepare(o)
	if err != nil {
		return nil, err
	}
	if err := r.build(); err != nil {
		return nil, err
	}
	res := &Result{}
	var best *scores
	var bestWeights []modelfile.Tensor
	first := 1
	if c := r.resumed; c != nil {
		first, res.History, res.BestEpoch = c.Epoch+1, c.History, c.BestEpoch
		best, bestWeights = c.Best.load(), c.BestWeights
	}
	perEpoch := r.trainData.Batches()
	r.progress = newProgress(o.Progress, o.Epochs, perEpoch)
	r.progress.doneBefore = (first - 1) * perEpoch
	for epoch := first; epoch <= o.Epochs; epoch++ {
		stats, err := r.trainEpoch(ctx, epoch)
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			res.Interrupted = true
			break
		}
		if err != nil {
			return nil, err
		}
		s, err := r.validate(ctx)
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			res.Interrupted = true
			break
		}
		if err != nil {
			return nil, err
		}
		scored := s.result()
		stats.ValLoss, stats.ValAccuracy, stats.ValMacroF1 = s.meanLoss(), scored.Accuracy, scored.MacroF1
		stats.Seconds = time.Since(r.progress.epochStart).Seconds()
		res.History = append(res.History, stats)
		mark := ""
		top := topEpoch(res.History)
		if top == epoch {
			mark = " *"
		}
		// With Refit the model is the whole run again on every photo, so
		// the epoch that stands for it is the last: its scores and
		// threshold are the refit's estimate. Choosing the refit's length
		// by the best held-out epoch instead stopped it at about half the
		// run, and the held-out fifth is too small to choose well: over
		// three groups of 20 photos a species, refitting the whole run
		// scored 0.03-0.05 accuracy and 0.04-0.06 macro-F1 higher on two
		// and the same on the third (BENCHMARKS.md).
		if best == nil || top == epoch || o.Refit {
			best, bestWeights, res.BestEpoch = s, r.kept(), epoch
		}
		if err := r.checkpoint(epoch, res, best, bestWeights); err != nil {
			return nil, err
		}
		r.progress.line(fmt.Sprintf("epoch %d/%d loss %.4f val loss %.4f acc %.4f macro-F1 %.4f (%.0f img/s, %.0fs)%s",
			epoch, o.Epochs, stats.TrainLoss, stats.ValLoss, stats.ValAccuracy, stats.ValMacroF1,
			stats.ImagesPerSec, stats.Seconds, mark))
		if o.OnEpoch != nil {
			o.OnEpoch(append([]EpochStats(nil), res.History...))
		}
		if o.Patience > 0 && epoch-top >= o.Patience && epoch < o.Epochs {
			res.StoppedEarly = true
			r.progress.line(fmt.Sprintf("stopping early: no better validation macro-F1 for %d epochs", o.Patience))
			break
		}
	}
	if best == nil {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("training: stopped before the first epoch finished: %w", err)
		}
		return nil, errors.New("training: no epoch finished")
	}
	res.Validation = best.result()
	res.Threshold = best.threshold(o.UnknownQuantile)
	if o.Refit && !res.Interrupted {
		weights, err := r.refit(ctx, res.BestEpoch)
		switch {
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			res.Interrupted = true // the held-out run's best epoch stands
		case err != nil:
			return nil, err
		default:
			bestWeights, res.Refitted = weights, true
		}
	}
	res.Model, err = r.model(res, bestWeights, time.Since(start))
	if err != nil {
		return nil, err
	}
	if o.Out != "" {
		if err := modelfile.WriteFile(o.Out, res.Model); err != nil {
			return nil, fmt.Errorf("training: writing the model: %w", err)
		}
		if err := writeReport(o.Out, o.Arch, r.arch, res, o.References); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// prepare reads and splits the data.
func prepare(o Options) (*run, error) {
	r := &run{o: o}
	all, err := dataset.Scan(o.TrainDir)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	if o.ValDir != "" {
		if r.val, err = dataset.Scan(o.ValDir); err != nil {
			return nil, fmt.Errorf("training: %w", err)
		}
		if err := all.SameClasses(r.val); err != nil {
			return nil, fmt.Errorf("training: %w", err)
		}
		r.train = all
	} else if r.train, r.val, err = dataset.Split(all, o.ValFraction, o.GroupRegex, o.Seed); err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	if len(r.train.Samples) < o.BatchSize || len(r.val.Samples) == 0 {
		return nil, fmt.Errorf("%w: %d training and %d validation images, need at least one batch (%d) and one",
			ErrOptions, len(r.train.Samples), len(r.val.Samples), o.BatchSize)
	}
	return r, nil
}

// build makes the trainer and loaders of the split data, resuming from
// the checkpoint when it is this run's.
func (r *run) build() error {
	o := r.o
	var err error
	classes := len(r.train.Classes)
	if r.arch, err = nn.Named(o.Arch, o.Size, o.height(), classes); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	var classWeights []float32
	sampling := dataset.Sampling{Shuffle: true}
	switch o.Balance {
	case BalanceWeights:
		classWeights = dataset.ClassWeights(r.train.Counts())
	case BalanceSampler:
		sampling = dataset.Sampling{Balanced: true, Alpha: 0.5}
	}
	var init []modelfile.Tensor
	frozen := 0
	if frozen, err = r.arch.FrozenBefore(o.FreezeLayers); err != nil {
		return fmt.Errorf("%w: %v", ErrOptions, err)
	}
	if o.Base != nil {
		if init, _, err = fineTuneWeights(r.arch, o.Base, uint64(o.Seed)); err != nil {
			return err
		}
	}
	if o.Checkpoint != "" {
		r.key = r.runKey()
		if r.resumed, err = readCheckpoint(o.Checkpoint, r.key); err != nil {
			return err
		}
		if r.resumed != nil {
			if r.resumed.Epoch < 1 || r.resumed.Epoch > o.Epochs || len(r.resumed.History) != r.resumed.Epoch {
				return fmt.Errorf("training: the checkpoint %s is inconsistent (epoch %d of %d)", o.Checkpoint, r.resumed.Epoch, o.Epochs)
			}
			init = r.resumed.Weights
		}
	}
	r.trainer, err = nn.NewTrainer(r.arch, init, o.BatchSize, classWeights, nn.TrainerOptions{
		LearningRate: o.LearningRate, WeightDecay: o.WeightDecay, LabelSmoothing: o.LabelSmoothing, Seed: uint64(o.Seed),
		Threads: o.Threads, FrozenLayers: frozen,
	})
	if err != nil {
		return fmt.Errorf("training: %w", err)
	}
	if r.resumed != nil {
		if err := r.trainer.Restore(r.resumed.State); err != nil {
			return fmt.Errorf("training: resuming from %s: %w", o.Checkpoint, err)
		}
	}
	if o.AverageEpochs > 0 {
		r.avg = r.trainer.Export()
		if r.resumed != nil && r.resumed.Average != nil {
			r.avg = r.resumed.Average
		}
	}
	cfg := dataset.Config{
		Size: o.Size, Height: o.height(), BatchSize: o.BatchSize, Mean: o.Mean, Std: o.Std,
		Sampling: sampling, DropLast: true, Seed: o.Seed, Workers: o.Workers, CacheBytes: o.CacheBytes,
	}
	if o.Threads > 0 {
		cfg.Yield = kernels.GiveWay // bounded: a job beside serving
	}
	cfg.Augment = o.augment()
	if r.trainData, err = dataset.NewLoader(r.train, cfg); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	cfg.Augment, cfg.Sampling, cfg.DropLast = nil, dataset.Sampling{}, false
	if r.valData, err = dataset.NewLoader(r.val, cfg); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	return nil
}

// trainEpoch runs one epoch of updates.
func (r *run) trainEpoch(ctx context.Context, epoch int) (EpochStats, error) {
	o := &r.o
	per := r.arch.Input().Len()
	x := make([]float32, o.BatchSize*per)
	labels := make([]int, o.BatchSize)
	perEpoch := r.trainData.Batches()
	total := perEpoch * o.Epochs
	r.progress.startEpoch()
	it := r.trainData.Epoch(ctx, epoch)
	defer it.Close()
	var lossSum float64
	var trainTime time.Duration
	batches := 0
	for {
		n, err := it.Next(x, labels)
		if err == io.EOF {
			break
		}
		if err != nil {
			return EpochStats{}, err
		}
		if n < o.BatchSize {
			continue // DropLast makes every batch full; this is only a guard
		}
		t0 := time.Now()
		step := (epoch-1)*perEpoch + batches
		if err := r.trainer.SetLearningRate(learningRate(o, step, perEpoch, total)); err != nil {
			return EpochStats{}, err
		}
		loss, err := r.step(x, labels, epoch, batches)
		if err != nil {
			return EpochStats{}, fmt.Errorf("training: epoch %d batch %d: %w", epoch, batches+1, err)
		}
		trainTime += time.Since(t0)
		lossSum += float64(loss)
		batches++
		r.progress.update(epoch, batches, lossSum/float64(batches), batches*o.BatchSize)
	}
	r.progress.endEpoch()
	return EpochStats{
		Epoch:        epoch,
		TrainLoss:    lossSum / float64(max(batches, 1)),
		ImagesPerSec: float64(batches*o.BatchSize) / max(trainTime.Seconds(), 1e-9),
		LearningRate: r.trainer.LearningRate(),
	}, nil
}

// validate scores the current weights on the validation set in inference
// mode.
func (r *run) validate(ctx context.Context) (*scores, error) {
	per := r.arch.Input().Len()
	k := r.arch.Classes()
	batch := r.trainer.Batch()
	x := make([]float32, batch*per)
	labels := make([]int, batch)
	probs := make([]float32, batch*k)
	s := newScores(r.train.Classes)
	eval, err := r.evaluator()
	if err != nil {
		return nil, err
	}
	it := r.valData.Epoch(ctx, 0)
	defer it.Close()
	for {
		n, err := it.Next(x, labels)
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return nil, err
		}
		if err := eval(x[:n*per], probs[:n*k]); err != nil {
			return nil, fmt.Errorf("training: validation: %w", err)
		}
		for i := range n {
			if err := s.add(probs[i*k:(i+1)*k], labels[i]); err != nil {
				return nil, fmt.Errorf("training: validation: %w", err)
			}
		}
	}
}

// topEpoch is the epoch of history with the best validation macro-F1, the
// first of equals.
func topEpoch(history []EpochStats) int {
	top := history[0]
	for _, e := range history[1:] {
		if e.ValMacroF1 > top.ValMacroF1 {
			top = e
		}
	}
	return top.Epoch
}
