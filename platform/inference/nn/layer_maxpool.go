package nn

import (
	G "gorgonia.org/gorgonia"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// MaxPool is a max over KxK windows.
const MaxPool LayerType = "maxpool"

func init() { register(MaxPool, newMaxPool, "kernel", "stride", "pad") }

// maxPoolLayer is a reluMasker: after an op that ends with a ReLU it applies
// that ReLU's backward mask on its smaller output (see maxPoolOp.maskReLU).
type maxPoolLayer struct {
	LayerSpec
	paramless
}

func newMaxPool(s LayerSpec) Layer {
	if s.Stride == 0 {
		s.Stride = s.Kernel
	}
	return maxPoolLayer{LayerSpec: s}
}

func (m maxPoolLayer) Spec() LayerSpec { return m.LayerSpec }

func (m maxPoolLayer) output(in flow, _ Layer) (flow, error) {
	if err := in.featureMap(); err != nil {
		return flow{}, err
	}
	// A window made only of padding would have no maximum.
	if err := window(m.LayerSpec, in.Shape, m.Kernel/2); err != nil {
		return flow{}, err
	}
	return flow{Shape: windowOutput(m.LayerSpec, in.Channels, in.Shape)}, nil
}

func (m maxPoolLayer) masksReLU() {}

func (m maxPoolLayer) build(g *netGraph, u unit, x *G.Node) (*G.Node, error) {
	s := u.in
	geom := kernels.Pool{C: s.Channels, H: s.Height, W: s.Width, K: m.Kernel, Stride: m.Stride, Pad: m.Pad}
	if err := geom.Validate(); err != nil {
		return nil, err
	}
	y := g.out(g.batch, geom.C, geom.OutH(), geom.OutW())
	op := newMaxPoolOp(opName(u.at, MaxPool), geom, g.batch, y, g.train)
	op.maskReLU = u.reluFromPrev
	return G.ApplyOp(op, x)
}
