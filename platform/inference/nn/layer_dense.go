package nn

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// Dense is a fully connected layer, [out, in] weights and a bias.
const Dense LayerType = "dense"

func init() { register(Dense, newDense, "out") }

// denseLayer is y = act(x w^T + b); its op takes over an activation right
// after it. It is the only layer that may end a network (a scorer).
type denseLayer struct{ LayerSpec }

func newDense(s LayerSpec) Layer { return denseLayer{s} }

func (d denseLayer) Spec() LayerSpec { return d.LayerSpec }

func (d denseLayer) output(in flow, _ Layer) (flow, error) {
	if !in.flat && (in.Height != 1 || in.Width != 1) {
		return flow{}, fmt.Errorf("needs flat input, got %v: add a flatten or globalavgpool layer before it", in.Shape)
	}
	if err := outCount(d.Out); err != nil {
		return flow{}, err
	}
	return flow{Shape: Shape{d.Out, 1, 1}, flat: true}, nil
}

func (d denseLayer) scores() {}

func (d denseLayer) params(in Shape) []Param {
	return []Param{
		{Kind: KindWeight, Shape: []int{d.Out, in.Len()}, Trainable: true, decay: true},
		{Kind: KindBias, Shape: []int{d.Out}, Trainable: true},
	}
}

// initParam draws He-normal weights when a ReLU follows and LeCun-normal
// ones otherwise (the class scores), so that either keeps its input's scale.
func (d denseLayer) initParam(p Param, data []float32, rng *rand.Rand, next []Layer) {
	if p.Kind != KindWeight {
		return
	}
	gain := 1.0
	if act, _ := leadingActivation(next); act == kernels.ActReLU {
		gain = 2
	}
	scaledNormal(data, p, gain, rng)
}

func (d denseLayer) flops(in, out Shape) int64 { return 2 * int64(out.Channels) * int64(in.Len()) }

func (d denseLayer) claim(next []Layer, _ bool) int {
	_, n := leadingActivation(next)
	return n
}

func (d denseLayer) build(g *netGraph, u unit, x *G.Node) (*G.Node, error) {
	act, _ := leadingActivation(u.taken)
	inLen := u.in.Len()
	op := newDenseOp(opName(u.at, Dense), g.batch, inLen, d.Out, x.Dims(), act, g.needsDX(x), g.out(g.batch, d.Out))
	return G.ApplyOp(op, x, g.param(u.at, KindWeight, d.Out, inLen), g.param(u.at, KindBias, d.Out))
}

func (d denseLayer) inferenceWeights(u unit, src, dst weightSet) {
	copyParams(dst, src, u.at, KindWeight, KindBias)
}
