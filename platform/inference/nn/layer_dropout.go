package nn

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
)

// Dropout zeroes activations with probability P while training.
const Dropout LayerType = "dropout"

func init() { register(Dropout, newDropout, "p") }

// dropoutLayer is inverted dropout, so the inference graph leaves it out.
type dropoutLayer struct {
	LayerSpec
	paramless
}

func newDropout(s LayerSpec) Layer { return dropoutLayer{LayerSpec: s} }

func (d dropoutLayer) Spec() LayerSpec { return d.LayerSpec }

func (d dropoutLayer) output(in flow, _ Layer) (flow, error) {
	if !(d.P >= 0 && d.P < 1) || math.IsNaN(d.P) {
		return flow{}, fmt.Errorf("p = %g, want 0 <= p < 1", d.P)
	}
	return in, nil
}

// build seeds each dropout layer's stream apart, from the trainer's seed
// and the layer's index, so that training is reproducible.
func (d dropoutLayer) build(g *netGraph, u unit, x *G.Node) (*G.Node, error) {
	if !g.train || d.P == 0 {
		return x, nil
	}
	op := newDropoutOp(opName(u.at, Dropout), x.Shape(), d.P, g.seed+uint64(u.at))
	g.drops = append(g.drops, op)
	return G.ApplyOp(op, x)
}
