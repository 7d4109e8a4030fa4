package kernels

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestConvBackwardIsDeterministic runs the weight gradient of real
// training shapes many times: the partial sums of the parallel reduction
// must be formed the same way every time, or training with a seed would not
// reproduce its model.
func TestConvBackwardIsDeterministic(t *testing.T) {
	geoms := []Conv{
		{InC: 16, InH: 32, InW: 32, OutC: 32, KH: 3, KW: 3, Stride: 1, Pad: 1}, // direct path
		{InC: 8, InH: 17, InW: 17, OutC: 12, KH: 3, KW: 3, Stride: 2, Pad: 1},  // packed path
	}
	for _, c := range geoms {
		const batch = 32
		rng := rand.New(rand.NewPCG(1, 2))
		x := randSlice(rng, batch*c.InC*c.InH*c.InW)
		w := randSlice(rng, c.OutC*c.InC*c.KH*c.KW)
		dy := randSlice(rng, batch*c.OutC*c.OutH()*c.OutW())
		ws := make([]float32, c.WorkspaceLen(batch))
		first := make([]float32, len(w))
		dx := make([]float32, len(x))
		ConvBackward(c, batch, x, w, dy, dx, first, nil, ws)
		firstDX := slices.Clone(dx)
		dw := make([]float32, len(w))
		for run := range 40 {
			ConvBackward(c, batch, x, w, dy, dx, dw, nil, ws)
			if !slices.Equal(dw, first) || !slices.Equal(dx, firstDX) {
				t.Fatalf("%+v: run %d gave different gradients", c, run)
			}
		}
	}
}
