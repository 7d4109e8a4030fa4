package nn

import G "gorgonia.org/gorgonia"

// GlobalAvgPool is a mean over H and W: [N,C,H,W] -> [N,C,1,1].
const GlobalAvgPool LayerType = "globalavgpool"

func init() { register(GlobalAvgPool, newGlobalAvgPool) }

// globalAvgPoolLayer leaves [N,C,1,1], which a dense layer takes as it is.
type globalAvgPoolLayer struct {
	LayerSpec
	paramless
}

func newGlobalAvgPool(s LayerSpec) Layer { return globalAvgPoolLayer{LayerSpec: s} }

func (p globalAvgPoolLayer) Spec() LayerSpec { return p.LayerSpec }

func (p globalAvgPoolLayer) output(in flow, _ Layer) (flow, error) {
	if err := in.featureMap(); err != nil {
		return flow{}, err
	}
	return flow{Shape: Shape{in.Channels, 1, 1}}, nil
}

func (p globalAvgPoolLayer) build(g *netGraph, u unit, x *G.Node) (*G.Node, error) {
	s := u.in
	return G.ApplyOp(newAvgPoolOp(opName(u.at, GlobalAvgPool), g.batch, s, g.out(g.batch, s.Channels, 1, 1)), x)
}
