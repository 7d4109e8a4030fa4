package training

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/aquaml/aquaml/platform/inference/dataset"
)

// Augmentation presets.
const (
	AugmentDefault = "default" // dataset.DefaultAugment: flip, mild crop, colour jitter 0.2
	AugmentStrong  = "strong"  // dataset.StrongAugment: crops to half the area, jitter 0.4
	AugmentNone    = "none"
)

// Recipe holds the ingredients that matter on small data sets. The zero
// value is the plain run: default augmentation and none of the others.
type Recipe struct {
	// Augment is AugmentDefault (the default), AugmentStrong or
	// AugmentNone; Options.NoAugment is AugmentNone.
	Augment string
	// FreezeLayers keeps the first N weighted layers of the base model
	// (convs with their batchnorm, counted from the input) as they are;
	// it needs Options.Base.
	FreezeLayers int
	// Mixup is the alpha of mixup's Beta(alpha, alpha) blend of each batch
	// with a shuffled copy of itself (0: off; 0.2-0.4 is usual).
	Mixup float64
	// AverageEpochs, when positive, validates and keeps an exponential
	// moving average of the weights (batchnorm statistics included)
	// whose horizon is this many epochs, instead of the raw weights.
	AverageEpochs float64
	// FlipTTA scores validation on the mean of each photo's and its
	// mirror image's probabilities, as a model trained with it should be
	// served.
	FlipTTA bool
	// Patience stops the run once this many epochs have passed without a
	// better validation macro-F1 (0: run every epoch). The best epoch is
	// kept either way.
	Patience int
	// Refit, once the held-out run has ended, trains again on every photo
	// for as many epochs (the whole run, or up to where Patience stopped
	// it) and keeps the last weights. The reported scores and threshold
	// are the held-out run's last epoch's, its counterpart, and BestEpoch
	// is that epoch.
	Refit bool
}

// recipeDefaults fills in and checks the recipe.
func (o *Options) recipeDefaults() error {
	if o.Augment == "" {
		o.Augment = AugmentDefault
	}
	if o.NoAugment {
		o.Augment = AugmentNone
	}
	o.NoAugment = o.Augment == AugmentNone
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrOptions}, args...)...)
	}
	switch {
	case o.Augment != AugmentDefault && o.Augment != AugmentStrong && o.Augment != AugmentNone:
		return bad("augmentation %q, want %s, %s or %s", o.Augment, AugmentDefault, AugmentStrong, AugmentNone)
	case o.FreezeLayers < 0 || o.FreezeLayers > 0 && o.Base == nil:
		return bad("freezing %d layers needs a base model to fine-tune", o.FreezeLayers)
	case !(o.Mixup >= 0 && o.Mixup <= 10):
		return bad("mixup alpha %v, want 0..10", o.Mixup)
	case !(o.AverageEpochs >= 0 && o.AverageEpochs <= 1000):
		return bad("weight averaging over %v epochs, want 0..1000", o.AverageEpochs)
	case o.Patience < 0:
		return bad("patience of %d epochs", o.Patience)
	}
	return nil
}

// augment is the preset's transforms, nil for none.
func (o *Options) augment() *dataset.Augment {
	var a dataset.Augment
	switch o.Augment {
	case AugmentNone:
		return nil
	case AugmentStrong:
		a = dataset.StrongAugment()
	default:
		a = dataset.DefaultAugment()
	}
	return &a
}

// averageDecay is the moving average's decay after step updates (1-based)
// for a horizon of AverageEpochs: 1-1/horizon, held lower while few steps
// have been made (timm's warm-up, (1+t)/(10+t)) so the first epochs'
// random weights fade quickly.
func (o *Options) averageDecay(step, perEpoch int) float64 {
	horizon := max(o.AverageEpochs*float64(perEpoch), 1)
	return min(1-1/horizon, float64(1+step)/float64(10+step))
}

// mixupStream keeps mixup's draws apart from other uses of the seed.
const mixupStream = 0x6d69787570

// mixBatch blends the batch x of n images with a seeded shuffle of itself
// and returns the partners' labels and the share lam of each image's own.
// lam ~ Beta(alpha, alpha), folded to >= 0.5 so every image stays mostly
// itself. The draw depends only on (seed, epoch, batch), so a resumed run
// mixes as an uninterrupted one.
func mixBatch(x []float32, labels []int, alpha float64, seed int64, epoch, batch int, scratch []float32) ([]int, float64) {
	rng := rand.New(rand.NewPCG(uint64(seed)^mixupStream, uint64(epoch)<<32|uint64(batch)))
	a, b := gammaSample(rng, alpha), gammaSample(rng, alpha)
	lam := 1.0
	if a+b > 0 {
		lam = a / (a + b)
	}
	lam = max(lam, 1-lam)
	n := len(labels)
	per := len(x) / n
	perm := rng.Perm(n)
	partners := make([]int, n)
	copy(scratch, x)
	l, m := float32(lam), float32(1-lam)
	for i, j := range perm {
		partners[i] = labels[j]
		dst, src := x[i*per:(i+1)*per], scratch[j*per:(j+1)*per]
		for k := range dst {
			dst[k] = l*dst[k] + m*src[k]
		}
	}
	return partners, lam
}

// gammaSample draws from Gamma(alpha, 1) (Marsaglia and Tsang, 2000;
// alpha < 1 by the boost u^(1/alpha)).
func gammaSample(rng interface {
	Float64() float64
	NormFloat64() float64
}, alpha float64) float64 {
	if alpha < 1 {
		u := rng.Float64()
		return gammaSample(rng, alpha+1) * math.Pow(u, 1/alpha)
	}
	d := alpha - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// flipBatch writes the horizontal mirror of the n CHW images of shape
// (c, h, w) in x to dst.
func flipBatch(dst, x []float32, n, c, h, w int) {
	for row := range n * c * h {
		src, out := x[row*w:(row+1)*w], dst[row*w:(row+1)*w]
		for i, v := range src {
			out[w-1-i] = v
		}
	}
}
