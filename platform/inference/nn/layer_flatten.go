package nn

import G "gorgonia.org/gorgonia"

// Flatten is [N,C,H,W] -> [N,C*H*W].
const Flatten LayerType = "flatten"

func init() { register(Flatten, newFlatten) }

// flattenLayer has no op: a [N,C,H,W] tensor is already laid out as
// [N, C*H*W], and the dense layer after it reads it so.
type flattenLayer struct {
	LayerSpec
	paramless
}

func newFlatten(s LayerSpec) Layer { return flattenLayer{LayerSpec: s} }

func (f flattenLayer) Spec() LayerSpec { return f.LayerSpec }

func (f flattenLayer) output(in flow, _ Layer) (flow, error) {
	return flow{Shape: Shape{in.Len(), 1, 1}, flat: true}, nil
}

func (f flattenLayer) build(_ *netGraph, _ unit, x *G.Node) (*G.Node, error) { return x, nil }
