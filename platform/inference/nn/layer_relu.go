package nn

import (
	G "gorgonia.org/gorgonia"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// ReLU is max(x, 0).
const ReLU LayerType = "relu"

func init() { register(ReLU, newReLU) }

// reluLayer is an activation: the conv, batchnorm or dense layer right
// before it applies it as it writes, and only a ReLU after any other layer
// runs as an op of its own.
type reluLayer struct {
	LayerSpec
	paramless
}

func newReLU(s LayerSpec) Layer { return reluLayer{LayerSpec: s} }

func (r reluLayer) Spec() LayerSpec { return r.LayerSpec }

func (r reluLayer) output(in flow, _ Layer) (flow, error) { return in, nil }

func (r reluLayer) activation() kernels.Activation { return kernels.ActReLU }

func (r reluLayer) build(g *netGraph, u unit, x *G.Node) (*G.Node, error) {
	return G.ApplyOp(newReLUOp(opName(u.at, ReLU), g.out(x.Shape()...)), x)
}
