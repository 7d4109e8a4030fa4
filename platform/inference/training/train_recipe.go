package training

import (
	"fmt"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// step makes the update of one batch (batch is its 0-based index in the
// epoch): mixed up when Recipe.Mixup asks, and folded into the moving
// average when Recipe.AverageEpochs does.
func (r *run) step(x []float32, labels []int, epoch, batch int) (float32, error) {
	o := &r.o
	var loss float32
	var err error
	if o.Mixup > 0 {
		if len(r.scratch) < len(x) {
			r.scratch = make([]float32, len(x))
		}
		partners, lam := mixBatch(x, labels, o.Mixup, o.Seed, epoch, batch, r.scratch)
		loss, err = r.trainer.StepMix(x, labels, partners, lam)
	} else {
		loss, err = r.trainer.Step(x, labels)
	}
	if err != nil || r.avg == nil {
		return loss, err
	}
	return loss, r.trainer.Average(r.avg, o.averageDecay(r.trainer.Steps(), r.trainData.Batches()))
}

// kept is a copy of the weights that validation scores: the moving
// average when there is one.
func (r *run) kept() []modelfile.Tensor {
	if r.avg == nil {
		return r.trainer.Export()
	}
	out := make([]modelfile.Tensor, len(r.avg))
	for i, t := range r.avg {
		out[i] = modelfile.Tensor{Name: t.Name, Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
	}
	return out
}

// evaluator returns what validation calls to classify up to a batch of
// images: the trainer's current weights or the moving average, on each
// photo alone or, with Recipe.FlipTTA, averaged with its mirror image.
func (r *run) evaluator() (func(x, probs []float32) error, error) {
	run := r.trainer.Evaluate
	if r.avg != nil {
		p, err := r.trainer.Predictor(r.avg)
		if err != nil {
			return nil, fmt.Errorf("training: the averaged weights: %w", err)
		}
		run = p.Run
	}
	if !r.o.FlipTTA {
		return run, nil
	}
	in := r.arch.Input()
	var mirrored []float32
	return func(x, probs []float32) error {
		return flipAveraged(run, x, probs, in, &mirrored)
	}, nil
}

// flipAveraged runs classify on x and on its mirror image and leaves the
// mean of the two probabilities in probs.
func flipAveraged(classify func(x, probs []float32) error, x, probs []float32, in nn.Shape, buf *[]float32) error {
	n := len(x) / in.Len()
	if len(*buf) < len(x)+len(probs) {
		*buf = make([]float32, len(x)+len(probs))
	}
	mirror, second := (*buf)[:len(x)], (*buf)[len(x):len(x)+len(probs)]
	if err := classify(x, probs); err != nil {
		return err
	}
	flipBatch(mirror, x, n, in.Channels, in.Height, in.Width)
	if err := classify(mirror, second); err != nil {
		return err
	}
	for i := range probs {
		probs[i] = (probs[i] + second[i]) / 2
	}
	return nil
}
