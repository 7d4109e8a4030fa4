package kernels

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// convCases covers odd sizes (no multiples of any tile size), every stride,
// padding and kernel size the networks use, and the SmallCNN layers.
var convCases = []struct {
	c     Conv
	batch int
}{
	{Conv{InC: 3, InH: 13, InW: 11, OutC: 5, KH: 3, KW: 3, Stride: 1, Pad: 1}, 1},
	{Conv{InC: 3, InH: 13, InW: 11, OutC: 5, KH: 3, KW: 3, Stride: 2, Pad: 1}, 3},
	{Conv{InC: 2, InH: 9, InW: 10, OutC: 7, KH: 1, KW: 1, Stride: 1, Pad: 0}, 2},
	{Conv{InC: 4, InH: 9, InW: 10, OutC: 3, KH: 1, KW: 1, Stride: 2, Pad: 1}, 1},
	{Conv{InC: 3, InH: 15, InW: 17, OutC: 9, KH: 5, KW: 5, Stride: 1, Pad: 2}, 2},
	{Conv{InC: 3, InH: 15, InW: 17, OutC: 9, KH: 5, KW: 5, Stride: 2, Pad: 0}, 1},
	{Conv{InC: 3, InH: 23, InW: 19, OutC: 17, KH: 7, KW: 7, Stride: 2, Pad: 2}, 2},
	{Conv{InC: 5, InH: 8, InW: 8, OutC: 33, KH: 7, KW: 7, Stride: 1, Pad: 1}, 1},
	{Conv{InC: 33, InH: 7, InW: 6, OutC: 19, KH: 3, KW: 3, Stride: 1, Pad: 0}, 3},
	{Conv{InC: 3, InH: 64, InW: 64, OutC: 16, KH: 3, KW: 3, Stride: 1, Pad: 1}, 2},
	{Conv{InC: 16, InH: 32, InW: 32, OutC: 32, KH: 3, KW: 3, Stride: 1, Pad: 1}, 1},
	{Conv{InC: 32, InH: 16, InW: 16, OutC: 64, KH: 3, KW: 3, Stride: 1, Pad: 1}, 3},
	{Conv{InC: 40, InH: 5, InW: 5, OutC: 6, KH: 3, KW: 3, Stride: 1, Pad: 1}, 2},  // K > convKC
	{Conv{InC: 2, InH: 30, InW: 30, OutC: 5, KH: 3, KW: 3, Stride: 1, Pad: 1}, 4}, // weight gradient in groups of 3 and 1
}

func TestConvForwardMatchesReference(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, tc := range convCases {
			c := tc.c
			x := randSlice(r, tc.batch*c.InC*c.InH*c.InW)
			w := randSlice(r, c.OutC*c.InC*c.KH*c.KW)
			b := randSlice(r, c.OutC)
			ws := make([]float32, c.WorkspaceLen(tc.batch))
			for _, act := range []Activation{ActNone, ActReLU} {
				for _, bias := range [][]float32{b, nil} {
					name := fmt.Sprintf("%+v/batch=%d/act=%d/bias=%v", c, tc.batch, act, bias != nil)
					y := randSlice(r, tc.batch*c.OutC*c.OutH()*c.OutW())
					ConvForward(c, tc.batch, x, w, bias, act, y, ws)
					checkClose(t, name, y, refConvForward(c, tc.batch, x, w, bias, act))
				}
			}
		}
	})
}

func TestConvBackwardMatchesReference(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, tc := range convCases {
			c := tc.c
			name := fmt.Sprintf("%+v/batch=%d", c, tc.batch)
			x := randSlice(r, tc.batch*c.InC*c.InH*c.InW)
			w := randSlice(r, c.OutC*c.InC*c.KH*c.KW)
			dy := randSlice(r, tc.batch*c.OutC*c.OutH()*c.OutW())
			dx, dw, db := randSlice(r, len(x)), randSlice(r, len(w)), randSlice(r, c.OutC)
			ws := make([]float32, c.WorkspaceLen(tc.batch))
			ConvBackward(c, tc.batch, x, w, dy, dx, dw, db, ws)
			wdx, wdw, wdb := refConvBackward(c, tc.batch, x, w, dy)
			checkClose(t, name+"/dx", dx, wdx)
			checkClose(t, name+"/dw", dw, wdw)
			checkClose(t, name+"/db", db, wdb)

			// Without dx and db (a first layer), dw must not change.
			dw2 := randSlice(r, len(w))
			ConvBackward(c, tc.batch, x, w, dy, nil, dw2, nil, ws)
			checkClose(t, name+"/dw without dx", dw2, wdw)
		}
	})
}

// TestConvGradientsByFiniteDifferences checks ConvBackward against the directional
// derivatives of ConvForward: the layer is linear in x, w and b, so a central
// difference is exact up to rounding.
func TestConvGradientsByFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range convCases[:9] {
		c := tc.c
		x := randSlice(r, tc.batch*c.InC*c.InH*c.InW)
		w := randSlice(r, c.OutC*c.InC*c.KH*c.KW)
		b := randSlice(r, c.OutC)
		dy := randSlice(r, tc.batch*c.OutC*c.OutH()*c.OutW())
		ws := make([]float32, c.WorkspaceLen(tc.batch))
		y := make([]float32, len(dy))
		loss := func() float64 {
			ConvForward(c, tc.batch, x, w, b, ActNone, y, ws)
			return dot64(dy, to64(y))
		}
		dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, len(b))
		ConvBackward(c, tc.batch, x, w, dy, dx, dw, db, ws)
		for _, p := range []struct {
			name       string
			param, grd []float32
		}{{"x", x, dx}, {"w", w, dw}, {"b", b, db}} {
			dir := randSlice(r, len(p.param))
			orig := append([]float32(nil), p.param...)
			const h = 0.5
			for i := range p.param {
				p.param[i] = orig[i] + h*dir[i]
			}
			lp := loss()
			for i := range p.param {
				p.param[i] = orig[i] - h*dir[i]
			}
			lm := loss()
			copy(p.param, orig)
			numeric := (lp - lm) / (2 * h)
			analytic := dot64(p.grd, to64(dir))
			if d := abs(numeric - analytic); d > 1e-3*max(1, abs(analytic)) {
				t.Errorf("%+v d/d%s: finite difference %g, backward %g", c, p.name, numeric, analytic)
			}
		}
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// TestConvSmallWorkspace checks that a workspace with room for one goroutine
// gives the same results as a full one.
func TestConvSmallWorkspace(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	c := Conv{InC: 6, InH: 12, InW: 12, OutC: 10, KH: 3, KW: 3, Stride: 1, Pad: 1}
	x, w := randSlice(r, 3*6*144), randSlice(r, 10*6*9)
	ws := make([]float32, c.workspaceLen(1, 1))
	y := make([]float32, 3*10*144)
	ConvForward(c, 3, x, w, nil, ActNone, y, ws)
	checkClose(t, "forward", y, refConvForward(c, 3, x, w, nil, ActNone))
	dx, dw := make([]float32, len(x)), make([]float32, len(w))
	ConvBackward(c, 3, x, w, y, dx, dw, nil, ws)
	wdx, wdw, _ := refConvBackward(c, 3, x, w, y)
	checkClose(t, "dx", dx, wdx)
	checkClose(t, "dw", dw, wdw)
}

func TestConvValidate(t *testing.T) {
	good := Conv{InC: 3, InH: 8, InW: 8, OutC: 4, KH: 3, KW: 3, Stride: 1, Pad: 1}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid geometry: %v", err)
	}
	if got := good.WorkspaceLen(1); got < good.workspaceLen(runtime.GOMAXPROCS(0), 1) {
		t.Errorf("WorkspaceLen = %d, too small for every goroutine", got)
	}
	bad := map[string]func(c *Conv){
		"no channels":     func(c *Conv) { c.InC = 0 },
		"no outputs":      func(c *Conv) { c.OutC = -1 },
		"zero stride":     func(c *Conv) { c.Stride = 0 },
		"negative pad":    func(c *Conv) { c.Pad = -1 },
		"kernel too big":  func(c *Conv) { c.KH, c.Pad = 11, 0 },
		"empty kernel":    func(c *Conv) { c.KW = 0 },
		"overflowing":     func(c *Conv) { c.InC, c.InH, c.InW = 1<<20, 1<<10, 1<<10 },
		"negative height": func(c *Conv) { c.InH = -5 },
	}
	for name, mutate := range bad {
		c := good
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, ErrGeometry) {
			t.Errorf("%s: Validate() = %v, want ErrGeometry", name, err)
		}
		if n := c.WorkspaceLen(1); n != 0 {
			t.Errorf("%s: WorkspaceLen = %d, want 0", name, n)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: ConvForward did not panic", name)
				}
			}()
			ConvForward(c, 1, nil, nil, nil, ActNone, nil, nil)
		}()
	}
}

// TestConvForwardCached checks that cached packed weights give the reference
// result on every kernel, are repacked when the kernel changes, and are
// replaced after Reset.
func TestConvForwardCached(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var wc WeightCache
	for _, tc := range []struct {
		c     Conv
		batch int
	}{convCases[0], convCases[1], convCases[11]} {
		c := tc.c
		wc.Reset()
		x := randSlice(r, tc.batch*c.InC*c.InH*c.InW)
		w, b := randSlice(r, c.OutC*c.InC*c.KH*c.KW), randSlice(r, c.OutC)
		ws := make([]float32, c.WorkspaceLen(tc.batch))
		y := make([]float32, tc.batch*c.OutC*c.OutH()*c.OutW())
		want := refConvForward(c, tc.batch, x, w, b, ActReLU)
		forEachKernel(t, func(t *testing.T) {
			for i := range 2 { // packing, then from the cache
				ConvForwardCached(c, tc.batch, x, w, b, ActReLU, y, ws, &wc)
				checkClose(t, fmt.Sprintf("%+v/call %d", c, i), y, want)
			}
		})
		w2 := randSlice(r, len(w))
		wc.Reset()
		ConvForwardCached(c, tc.batch, x, w2, b, ActReLU, y, ws, &wc)
		checkClose(t, fmt.Sprintf("%+v/after Reset", c), y, refConvForward(c, tc.batch, x, w2, b, ActReLU))
	}
}
