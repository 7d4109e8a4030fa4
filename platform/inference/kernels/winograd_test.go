package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// winoCases are every FishNet layer and odd shapes: odd heights and widths (a
// last row or column of half-tiles), one and three input channels, a single
// pixel, more input channels than convKC, and batches whose tiles straddle
// chunks.
var winoCases = []struct {
	c     Conv
	batch int
}{
	{Conv{InC: 1, InH: 7, InW: 9, OutC: 5, KH: 3, KW: 3, Stride: 1, Pad: 1}, 1},
	{Conv{InC: 1, InH: 1, InW: 1, OutC: 3, KH: 3, KW: 3, Stride: 1, Pad: 1}, 2},
	{Conv{InC: 3, InH: 13, InW: 11, OutC: 17, KH: 3, KW: 3, Stride: 1, Pad: 1}, 3},
	{Conv{InC: 3, InH: 2, InW: 5, OutC: 9, KH: 3, KW: 3, Stride: 1, Pad: 1}, 5},
	{Conv{InC: 7, InH: 9, InW: 6, OutC: 33, KH: 3, KW: 3, Stride: 1, Pad: 1}, 4},
	{Conv{InC: 300, InH: 5, InW: 3, OutC: 10, KH: 3, KW: 3, Stride: 1, Pad: 1}, 2},
	{fishNet[0], 1}, {fishNet[0], 2},
	{fishNet[1], 1}, {fishNet[1], 3},
	{fishNet[2], 1}, {fishNet[2], 3},
	{fishNet[3], 1}, {fishNet[3], 2},
	{fishNet[4], 1}, {fishNet[4], 3},
	{fishNet[5], 1}, {fishNet[5], 3},
}

// winoTol bounds the error of winoForward against the float64 convolution, as a
// fraction of the largest output of the convolution on absolute values
// (sum |w| |x| + |b|): the bound every convolution path of the package is held
// to (tol). Winograd rounds more than the direct sum, since its terms are sums
// of up to 4 inputs times combinations of up to 9 weights, which cancel only
// in the output transform; on these cases its error is 2-3x the direct path's,
// still 30 times below this bound (the test logs both).
const winoTol = tol

func TestWinogradMatchesDirect(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		var worst, worstDirect, elemWino, elemDirect float64
		for _, tc := range winoCases {
			c, batch := tc.c, tc.batch
			x := randSlice(r, batch*c.InC*c.InH*c.InW)
			w, b := randSlice(r, c.OutC*c.InC*9), randSlice(r, c.OutC)
			scale := refConvForward(c, batch, absSlice(x), absSlice(w), absSlice(b), ActNone)
			var top float64
			for _, s := range scale {
				top = max(top, s)
			}
			plain := refConvForward(c, batch, x, w, nil, ActNone)
			hw := c.InH * c.InW
			ws := make([]float32, max(c.WorkspaceLen(batch), c.winoWorkspaceLen(kernel(), batch, Par(0).parts())))
			var wc winoCache
			for _, act := range []Activation{ActNone, ActReLU} {
				for _, bias := range [][]float32{b, nil} {
					name := fmt.Sprintf("%+v/batch=%d/act=%d/bias=%v", c, batch, act, bias != nil)
					want := make([]float64, len(plain))
					for i, v := range plain {
						if bias != nil {
							v += float64(bias[i/hw%c.OutC])
						}
						if act == ActReLU {
							v = max(v, 0)
						}
						want[i] = v
					}
					direct := make([]float32, len(want))
					ConvForward(c, batch, x, w, bias, act, direct, ws)
					got := randSlice(r, len(want)) // overwritten everywhere
					Par(0).winoForward(kernel(), c, batch, x, w, bias, act, got, ws, &wc)
					var dWino, dDirect, dBetween float64
					for i, v := range want {
						dWino = max(dWino, math.Abs(float64(got[i])-v))
						dDirect = max(dDirect, math.Abs(float64(direct[i])-v))
						dBetween = max(dBetween, math.Abs(float64(got[i]-direct[i])))
						elemWino = max(elemWino, math.Abs(float64(got[i])-v)/scale[i])
						elemDirect = max(elemDirect, math.Abs(float64(direct[i])-v)/scale[i])
					}
					if !(dWino <= winoTol*top) || !(dBetween <= 2*winoTol*top) {
						t.Errorf("%s: max abs error %.3g (direct %.3g, between them %.3g), want <= %.3g",
							name, dWino, dDirect, dBetween, winoTol*top)
					}
					worst, worstDirect = max(worst, dWino/top), max(worstDirect, dDirect/top)
				}
			}
		}
		t.Logf("largest error / largest |term| sum: winograd %.3g, direct %.3g; per output: %.3g, %.3g",
			worst, worstDirect, elemWino, elemDirect)
	})
}

// TestWinogradRepacksFilters checks the filter cache: new weights under the
// same geometry are used after a reset, and a new geometry repacks by itself.
func TestWinogradRepacksFilters(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	var wc winoCache
	for i, c := range []Conv{fishNet[3], fishNet[3], fishNet[5]} {
		const batch = 2
		x := randSlice(r, batch*c.InC*c.InH*c.InW)
		w, b := randSlice(r, c.OutC*c.InC*9), randSlice(r, c.OutC)
		if i == 1 {
			wc.reset() // same geometry, new weights
		}
		y := make([]float32, batch*c.OutC*c.InH*c.InW)
		ws := make([]float32, c.winoWorkspaceLen(kernel(), batch, Par(1).parts()))
		Par(1).winoForward(kernel(), c, batch, x, w, b, ActReLU, y, ws, &wc)
		checkClose(t, fmt.Sprintf("%+v", c), y, refConvForward(c, batch, x, w, b, ActReLU))
	}
}

// TestWinogradAllocatesNothing checks the package's promise for steady state
// in both ways of splitting the work (by tiles, and by channels for one
// chunk), once the filters are cached.
func TestWinogradAllocatesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, batch := range []int{1, 8} {
		c := fishNet[5]
		x := randSlice(r, batch*c.InC*c.InH*c.InW)
		w, b := randSlice(r, c.OutC*c.InC*9), randSlice(r, c.OutC)
		y := make([]float32, batch*c.OutC*c.InH*c.InW)
		ws := make([]float32, c.winoWorkspaceLen(kernel(), batch, Par(0).parts()))
		var wc winoCache
		run := func() { Par(0).winoForward(kernel(), c, batch, x, w, b, ActReLU, y, ws, &wc) }
		run()
		if a := testing.AllocsPerRun(20, run); a != 0 {
			t.Errorf("batch %d: %g allocations per call", batch, a)
		}
	}
}
