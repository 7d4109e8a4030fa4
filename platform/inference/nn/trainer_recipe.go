package nn

import (
	"fmt"

	"github.com/aquaml/aquaml/platform/inference/kernels"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// StepMix trains on one batch of mixup images (Zhang et al., 2018): x
// holds Batch() images each blended from two, lam of the one labelled
// labels[i] and 1-lam of the one labelled partners[i], and the loss is the
// same blend of the two targets' cross-entropies. The caller blends the
// images; lam = 1 is Step.
func (t *Trainer) StepMix(x []float32, labels, partners []int, lam float64) (float32, error) {
	return t.step(x, labels, partners, lam)
}

// Average moves avg, tensors in Export's order, towards the current
// weights: avg = decay*avg + (1-decay)*weights, batchnorm running
// statistics included, so the averaged model has statistics of the same
// age as its weights (as timm's ModelEmaV2). decay 0 takes the weights.
func (t *Trainer) Average(avg []modelfile.Tensor, decay float64) error {
	ps := t.arch.Params()
	if len(avg) != len(ps) || !(decay >= 0 && decay < 1) {
		return fmt.Errorf("%w: averaging %d tensors with decay %v, want %d and 0 <= decay < 1", ErrInput, len(avg), decay, len(ps))
	}
	d := float32(1 - decay)
	for i, p := range ps {
		w, a := t.weights[p.Name], avg[i].Data
		if avg[i].Name != p.Name || len(a) != len(w) {
			return fmt.Errorf("%w: averaged tensor %d is %q of %d values, want %q of %d", ErrInput, i, avg[i].Name, len(a), p.Name, len(w))
		}
		for j, v := range w {
			// Written as a step towards v so that a frozen weight, equal
			// in both, stays bit for bit what it was.
			a[j] += d * (v - a[j])
		}
	}
	return nil
}

// FrozenBefore is the layer index before which the first n weighted
// layers (convs and dense layers, with the batchnorm that follows each)
// lie: TrainerOptions.FrozenLayers for freezing them. n must leave at
// least one weighted layer to train.
func (a *Arch) FrozenBefore(n int) (int, error) {
	var weighted []int
	for i, l := range a.layers {
		if t := l.Spec().Type; t == Conv || t == Dense {
			weighted = append(weighted, i)
		}
	}
	if n < 0 || n >= len(weighted) {
		return 0, fmt.Errorf("%w: freezing %d of %d weighted layers, want 0..%d", ErrInput, n, len(weighted), len(weighted)-1)
	}
	if n == 0 {
		return 0, nil
	}
	return weighted[n], nil
}

// Predictor builds an inference graph for other weights of the trainer's
// architecture (an average kept by Average), for batches of up to Batch()
// images, whose kernels run on the trainer's threads as Evaluate's do.
func (t *Trainer) Predictor(weights []modelfile.Tensor) (*Predictor, error) {
	return newPredictor(t.arch, weights, t.batch, kernels.Par(t.opts.Threads))
}
