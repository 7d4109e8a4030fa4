package nn

import (
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// Conv is a 2-D convolution, OIHW weights, optional bias.
const Conv LayerType = "conv"

func init() { register(Conv, newConv, "out", "kernel", "stride", "pad", "bias") }

// convLayer is y = act(conv(x, w) + b). For inference its op takes over a
// batchnorm right after it (folded into w and b) and the activation after
// that; for training it takes over only an activation right after it, as
// the batchnorm then needs the batch's statistics of its output.
type convLayer struct{ LayerSpec }

func newConv(s LayerSpec) Layer {
	if s.Stride == 0 {
		s.Stride = 1
	}
	return convLayer{s}
}

func (c convLayer) Spec() LayerSpec { return c.LayerSpec }

func (c convLayer) output(in flow, _ Layer) (flow, error) {
	if err := in.featureMap(); err != nil {
		return flow{}, err
	}
	if err := window(c.LayerSpec, in.Shape, c.Kernel-1); err != nil {
		return flow{}, err
	}
	if err := outCount(c.Out); err != nil {
		return flow{}, err
	}
	return flow{Shape: windowOutput(c.LayerSpec, c.Out, in.Shape)}, nil
}

func (c convLayer) params(in Shape) []Param {
	ps := []Param{{Kind: KindWeight, Shape: []int{c.Out, in.Channels, c.Kernel, c.Kernel}, Trainable: true, decay: true}}
	if c.Bias {
		ps = append(ps, Param{Kind: KindBias, Shape: []int{c.Out}, Trainable: true})
	}
	return ps
}

// initParam draws He-normal weights whatever follows the conv, the rule
// Init documents; the bias stays zero.
func (c convLayer) initParam(p Param, data []float32, rng *rand.Rand, _ []Layer) {
	if p.Kind == KindWeight {
		scaledNormal(data, p, 2, rng)
	}
}

func (c convLayer) flops(in, out Shape) int64 {
	return 2 * int64(out.Len()) * int64(in.Channels*c.Kernel*c.Kernel)
}

// fusion is what the op takes over from next: a normaliser, folded for
// inference, and an activation.
func (c convLayer) fusion(next []Layer, train bool) (norm normaliser, act kernels.Activation, n int) {
	if len(next) > 0 {
		if nm, ok := next[0].(normaliser); ok {
			if train {
				return nil, kernels.ActNone, 0 // the normaliser's own op applies the activation
			}
			norm, n = nm, 1
		}
	}
	act, k := leadingActivation(next[n:])
	return norm, act, n + k
}

func (c convLayer) claim(next []Layer, train bool) int {
	_, _, n := c.fusion(next, train)
	return n
}

func (c convLayer) build(g *netGraph, u unit, x *G.Node) (*G.Node, error) {
	s := u.in
	geom := kernels.Conv{InC: s.Channels, InH: s.Height, InW: s.Width, OutC: c.Out,
		KH: c.Kernel, KW: c.Kernel, Stride: c.Stride, Pad: c.Pad}
	if err := geom.Validate(); err != nil {
		return nil, err
	}
	_, act, _ := c.fusion(u.taken, g.train)
	children := G.Nodes{x, g.param(u.at, KindWeight, c.Out, s.Channels, c.Kernel, c.Kernel)}
	if b := g.param(u.at, KindBias, c.Out); b != nil {
		children = append(children, b)
	}
	g.ws.reserve(geom.WorkspaceLen(g.batch))
	op := newConvOp(opName(u.at, Conv), geom, g.batch, act, len(children) == 3, g.needsDX(x), g.ws,
		g.out(g.batch, geom.OutC, geom.OutH(), geom.OutW()))
	op.reluByPool = u.reluToNext
	if !g.train {
		op.packed = new(kernels.WeightCache)
		g.packed = append(g.packed, op.packed)
	}
	return G.ApplyOp(op, children...)
}

// inferenceWeights folds a batchnorm the op took over into the weights and
// bias, which the conv then needs even when it has none of its own.
func (c convLayer) inferenceWeights(u unit, src, dst weightSet) {
	copyParams(dst, src, u.at, KindWeight, KindBias)
	norm, _, _ := c.fusion(u.taken, false)
	if norm == nil {
		return
	}
	bName := ParamName(u.at, KindBias)
	if dst[bName] == nil {
		dst[bName] = make([]float32, c.Out)
	}
	norm.foldInto(dst[ParamName(u.at, KindWeight)], dst[bName], src, u.at+1)
}

func (c convLayer) workspace(in Shape, batch int) int {
	geom := kernels.Conv{InC: in.Channels, InH: in.Height, InW: in.Width, OutC: c.Out,
		KH: c.Kernel, KW: c.Kernel, Stride: c.Stride, Pad: c.Pad}
	return geom.WorkspaceLen(batch)
}
