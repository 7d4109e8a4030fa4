package nn

import (
	"errors"
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// BatchNorm is a per-channel batch normalisation; it must follow a conv.
const BatchNorm LayerType = "batchnorm"

func init() { register(BatchNorm, newBatchNorm, "eps", "momentum") }

const (
	defaultBNEps      = 1e-5
	defaultBNMomentum = 0.1
)

// batchNormLayer normalises with the batch's statistics in training, and in
// inference exists only folded into the conv before it (a normaliser), so
// it must directly follow a layer that takes it over. In training its op
// takes over the activation right after it.
type batchNormLayer struct{ LayerSpec }

func newBatchNorm(s LayerSpec) Layer {
	if s.Eps == 0 {
		s.Eps = defaultBNEps
	}
	if s.Momentum == 0 {
		s.Momentum = defaultBNMomentum
	}
	return batchNormLayer{s}
}

func (b batchNormLayer) Spec() LayerSpec { return b.LayerSpec }

func (b batchNormLayer) output(in flow, prev Layer) (flow, error) {
	if f, ok := prev.(fuser); !ok || f.claim([]Layer{b}, false) != 1 {
		return flow{}, errors.New("must directly follow a conv layer (it is folded into it for inference)")
	}
	if !(b.Eps > 0 && b.Eps < 1) || !(b.Momentum > 0 && b.Momentum <= 1) {
		return flow{}, fmt.Errorf("eps = %g and momentum = %g, want 0 < eps < 1 and 0 < momentum <= 1", b.Eps, b.Momentum)
	}
	return in, nil
}

// params are PyTorch's: weight and bias are gamma and beta.
func (b batchNormLayer) params(in Shape) []Param {
	c := []int{in.Channels}
	return []Param{
		{Kind: KindWeight, Shape: c, Trainable: true},
		{Kind: KindBias, Shape: c, Trainable: true},
		{Kind: KindRunningMean, Shape: c},
		{Kind: KindRunningVar, Shape: c},
	}
}

// initParam starts as the identity: gamma 1, beta 0, mean 0, variance 1.
func (b batchNormLayer) initParam(p Param, data []float32, _ *rand.Rand, _ []Layer) {
	if p.Kind == KindWeight || p.Kind == KindRunningVar {
		for j := range data {
			data[j] = 1
		}
	}
}

func (b batchNormLayer) flops(Shape, Shape) int64 { return 0 }

func (b batchNormLayer) claim(next []Layer, _ bool) int {
	_, n := leadingActivation(next)
	return n
}

func (b batchNormLayer) build(g *netGraph, u unit, x *G.Node) (*G.Node, error) {
	if !g.train {
		return nil, fmt.Errorf("%w: a batchnorm runs folded into the conv before it", ErrArch)
	}
	act, _ := leadingActivation(u.taken)
	c := u.in.Channels
	op := newBatchNormOp(opName(u.at, BatchNorm), g.batch, u.in, b.Eps, b.Momentum, act,
		g.w[ParamName(u.at, KindRunningMean)], g.w[ParamName(u.at, KindRunningVar)])
	op.reluByPool = u.reluToNext
	return G.ApplyOp(op, x, g.param(u.at, KindWeight, c), g.param(u.at, KindBias, c))
}

// inferenceWeights is empty: the conv before it folds the batchnorm's
// tensors into its own (foldInto).
func (b batchNormLayer) inferenceWeights(unit, weightSet, weightSet) {}

// foldInto makes w' = w*s and b' = (b-mean)*s + beta with
// s = gamma/sqrt(var+eps).
func (b batchNormLayer) foldInto(w, bias []float32, src weightSet, at int) {
	p := func(kind string) []float32 { return src[ParamName(at, kind)] }
	kernels.FoldBatchNorm(w, bias, p(KindWeight), p(KindBias), p(KindRunningMean), p(KindRunningVar), float32(b.Eps))
}
