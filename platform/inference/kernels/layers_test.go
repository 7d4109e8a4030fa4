package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func refMaxPool(p Pool, batch int, x []float32) (y []float64, arg []int) {
	oh, ow := p.OutH(), p.OutW()
	for plane := 0; plane < batch*p.C; plane++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				best, at := math.Inf(-1), -1
				for h := i*p.Stride - p.Pad; h < i*p.Stride-p.Pad+p.K; h++ {
					for w := j*p.Stride - p.Pad; w < j*p.Stride-p.Pad+p.K; w++ {
						if h >= 0 && h < p.H && w >= 0 && w < p.W {
							idx := (plane*p.H+h)*p.W + w
							if v := float64(x[idx]); v > best {
								best, at = v, idx
							}
						}
					}
				}
				y, arg = append(y, best), append(arg, at)
			}
		}
	}
	return y, arg
}

// forEachVectorPath runs f with the vector pooling and element-wise loops, where
// this CPU has them, and with the portable ones.
func forEachVectorPath(t *testing.T, f func(t *testing.T)) {
	prev, prevPool := useVector, usePoolAVX2
	defer func() { useVector, usePoolAVX2 = prev, prevPool }()
	for _, vec := range []bool{true, false} {
		if vec && !prev && !prevPool {
			continue
		}
		useVector, usePoolAVX2 = vec && prev, vec && prevPool
		t.Run(fmt.Sprintf("vector=%v", vec), f)
	}
}

func TestMaxPoolNaN(t *testing.T) {
	forEachVectorPath(t, func(t *testing.T) {
		p := Pool{C: 1, H: 2, W: 40, K: 2, Stride: 2}
		x := make([]float32, 80)
		for i := range x {
			x[i] = float32(i % 7)
		}
		nan := float32(math.NaN())
		x[41], x[3] = nan, nan // second row of window 0, first row of window 1
		y, arg := make([]float32, 20), make([]int32, 20)
		MaxPoolForward(p, 1, x, y, arg)
		for j, v := range y {
			if isNaN := v != v; isNaN != (j <= 1) {
				t.Errorf("y[%d] = %g", j, v)
			}
		}
		if arg[1] != 3 {
			t.Errorf("argmax of the window holding one NaN = %d, want 3", arg[1])
		}
		MaxPoolForward(p, 1, x, y, nil) // inference has a vector path of its own
		for j, v := range y {
			if isNaN := v != v; isNaN != (j <= 1) {
				t.Errorf("without argmax: y[%d] = %g", j, v)
			}
		}
	})
}

func TestMaxPool(t *testing.T) {
	forEachVectorPath(t, testMaxPool)
}

func testMaxPool(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	pools := []struct {
		p     Pool
		batch int
	}{
		{Pool{C: 3, H: 8, W: 8, K: 2, Stride: 2}, 2},
		{Pool{C: 5, H: 9, W: 7, K: 2, Stride: 2}, 1},
		{Pool{C: 2, H: 11, W: 13, K: 3, Stride: 2, Pad: 1}, 3},
		{Pool{C: 4, H: 6, W: 5, K: 3, Stride: 1, Pad: 1}, 1},
		{Pool{C: 16, H: 64, W: 64, K: 2, Stride: 2}, 2},
		{Pool{C: 7, H: 38, W: 70, K: 2, Stride: 2}, 3}, // rows of 35: two full vectors and a partial one
	}
	for _, tc := range pools {
		p := tc.p
		name := fmt.Sprintf("%+v/batch=%d", p, tc.batch)
		x := randSlice(r, tc.batch*p.C*p.H*p.W)
		n := tc.batch * p.C * p.OutH() * p.OutW()
		y, arg := make([]float32, n), make([]int32, n)
		MaxPoolForward(p, tc.batch, x, y, arg)
		wantY, wantArg := refMaxPool(p, tc.batch, x)
		checkClose(t, name+"/y", y, wantY)
		for i := range wantArg {
			if int(arg[i]) != wantArg[i] {
				t.Fatalf("%s: argmax[%d] = %d, want %d", name, i, arg[i], wantArg[i])
			}
		}
		yNoArg := make([]float32, n)
		MaxPoolForward(p, tc.batch, x, yNoArg, nil)
		checkClose(t, name+"/y without argmax", yNoArg, wantY)

		dy := randSlice(r, n)
		dx := randSlice(r, len(x))
		MaxPoolBackward(p, tc.batch, dy, arg, dx)
		wantDx := make([]float64, len(x))
		for i, a := range wantArg {
			wantDx[a] += float64(dy[i])
		}
		checkClose(t, name+"/dx", dx, wantDx)
	}
}

func TestMaxPoolValidate(t *testing.T) {
	for name, p := range map[string]Pool{
		"zero window":    {C: 1, H: 4, W: 4, K: 0, Stride: 1},
		"pad over half":  {C: 1, H: 4, W: 4, K: 2, Stride: 2, Pad: 2},
		"window too big": {C: 1, H: 2, W: 2, K: 3, Stride: 1},
		"no channels":    {C: 0, H: 4, W: 4, K: 2, Stride: 2},
	} {
		if err := p.Validate(); !errors.Is(err, ErrGeometry) {
			t.Errorf("%s: Validate() = %v, want ErrGeometry", name, err)
		}
	}
}

func TestGlobalAvgPool(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	batch, c, hw := 3, 5, 7
	x := randSlice(r, batch*c*hw)
	y := make([]float32, batch*c)
	GlobalAvgPoolForward(batch, c, hw, x, y)
	want := make([]float64, batch*c)
	for i, v := range x {
		want[i/hw] += float64(v) / float64(hw)
	}
	checkClose(t, "forward", y, want)
	dy, dx := randSlice(r, batch*c), randSlice(r, batch*c*hw)
	GlobalAvgPoolBackward(batch, c, hw, dy, dx)
	wantDx := make([]float64, len(dx))
	for i := range wantDx {
		wantDx[i] = float64(dy[i/hw]) / float64(hw)
	}
	checkClose(t, "backward", dx, wantDx)
}

func TestBatchNorm(t *testing.T) {
	forEachVectorPath(t, testBatchNorm)
}

func testBatchNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, s := range []struct{ batch, c, hw int }{{2, 3, 7}, {1, 4, 25}, {5, 2, 1}, {3, 2, 83}} {
		name := fmt.Sprintf("%+v", s)
		n := s.batch * s.c * s.hw
		x := randSlice(r, n)
		for i := range x {
			x[i] = x[i]*3 + 2 // a mean and scale the layer must remove
		}
		gamma, beta := randSlice(r, s.c), randSlice(r, s.c)
		const eps = 1e-5
		y, mean, inv := make([]float32, n), make([]float32, s.c), make([]float32, s.c)
		BatchNormForwardTrain(s.batch, s.c, s.hw, x, gamma, beta, eps, y, mean, inv)
		checkClose(t, name+"/y", y, refBatchNorm(s.batch, s.c, s.hw, to64(x), to64(gamma), to64(beta), eps))

		// Gradients against central differences of the float64 reference.
		dy := randSlice(r, n)
		dx, dgamma, dbeta := make([]float32, n), make([]float32, s.c), make([]float32, s.c)
		BatchNormBackward(s.batch, s.c, s.hw, x, gamma, mean, inv, dy, dx, dgamma, dbeta)
		x64, g64, b64 := to64(x), to64(gamma), to64(beta)
		loss := func() float64 { return dot64(dy, refBatchNorm(s.batch, s.c, s.hw, x64, g64, b64, eps)) }
		numeric := func(v []float64) []float64 {
			g := make([]float64, len(v))
			for i := range v {
				const h = 1e-5
				o := v[i]
				v[i] = o + h
				lp := loss()
				v[i] = o - h
				lm := loss()
				v[i] = o
				g[i] = (lp - lm) / (2 * h)
			}
			return g
		}
		for _, p := range []struct {
			name string
			got  []float32
			v    []float64
		}{{"dx", dx, x64}, {"dgamma", dgamma, g64}, {"dbeta", dbeta, b64}} {
			want := numeric(p.v)
			if e := relErr(p.got, want); !(e < 1e-3) {
				t.Errorf("%s/%s: relative error %.3g against finite differences", name, p.name, e)
			}
		}

		// dx may alias dy.
		alias := append([]float32(nil), dy...)
		BatchNormBackward(s.batch, s.c, s.hw, x, gamma, mean, inv, alias, alias, dgamma, dbeta)
		checkClose(t, name+"/dx aliasing dy", alias, to64(dx))
	}
}

func TestFoldBatchNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	c := Conv{InC: 3, InH: 9, InW: 9, OutC: 4, KH: 3, KW: 3, Stride: 1, Pad: 1}
	x, w, b := randSlice(r, 2*3*81), randSlice(r, 4*27), randSlice(r, 4)
	gamma, beta, mean := randSlice(r, 4), randSlice(r, 4), randSlice(r, 4)
	variance := []float32{0.5, 2, 1, 0.01}
	const eps = 1e-3
	// Reference: conv then inference-mode batch norm.
	y := refConvForward(c, 2, x, w, b, ActNone)
	for i := range y {
		o := i / 81 % 4
		y[i] = float64(gamma[o])*(y[i]-float64(mean[o]))/math.Sqrt(float64(variance[o])+eps) + float64(beta[o])
	}
	FoldBatchNorm(w, b, gamma, beta, mean, variance, eps)
	got := make([]float32, len(y))
	ConvForward(c, 2, x, w, b, ActNone, got, make([]float32, c.WorkspaceLen(2)))
	checkClose(t, "folded conv", got, y)
}

func TestReLU(t *testing.T) {
	forEachVectorPath(t, testReLU)
}

func testReLU(t *testing.T) {
	// Long enough for the vector loops' full and partial steps and several chunks.
	r := rand.New(rand.NewPCG(21, 22))
	long := randSlice(r, 3*elemChunk+83)
	got, dy := make([]float32, len(long)), randSlice(r, len(long))
	ReLU(long, got)
	dx := make([]float32, len(long))
	ReLUBackward(got, dy, dx)
	for i, v := range long {
		if want := max(v, 0); got[i] != want {
			t.Fatalf("ReLU(%g) = %g", v, got[i])
		}
		want := float32(0)
		if v > 0 {
			want = dy[i]
		}
		if dx[i] != want {
			t.Fatalf("ReLUBackward at %g: %g, want %g", v, dx[i], want)
		}
	}

	x := []float32{-1, 0, 2, -0.5, 3}
	y := make([]float32, len(x))
	ReLU(x, y)
	if fmt.Sprint(y) != "[0 0 2 0 3]" {
		t.Errorf("ReLU = %v", y)
	}
	g := []float32{1, 2, 3, 4, 5}
	ReLUBackward(y, g, g)
	if fmt.Sprint(g) != "[0 0 3 0 5]" {
		t.Errorf("ReLUBackward = %v", g)
	}
	ReLU(x, x)
	if fmt.Sprint(x) != "[0 0 2 0 3]" {
		t.Errorf("in-place ReLU = %v", x)
	}
}

func TestDense(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	forEachKernel(t, func(t *testing.T) {
		for _, s := range []struct{ n, in, out int }{{1, 7, 3}, {5, 33, 23}, {32, 4096, 23}} {
			name := fmt.Sprintf("%+v", s)
			x, w, b := randSlice(r, s.n*s.in), randSlice(r, s.out*s.in), randSlice(r, s.out)
			want := refGemm(false, true, s.n, s.out, s.in, 1, x, s.in, w, s.in, 0, make([]float32, s.n*s.out), s.out)
			for i := range want {
				want[i] += float64(b[i%s.out])
			}
			y := randSlice(r, s.n*s.out)
			DenseForward(s.n, s.in, s.out, x, w, b, ActNone, y)
			checkClose(t, name+"/y", y, want)
			DenseForward(s.n, s.in, s.out, x, w, b, ActReLU, y)
			for i := range want {
				want[i] = max(want[i], 0)
			}
			checkClose(t, name+"/relu(y)", y, want)

			dy := randSlice(r, s.n*s.out)
			dx, dw, db := randSlice(r, len(x)), randSlice(r, len(w)), randSlice(r, s.out)
			DenseBackward(s.n, s.in, s.out, x, w, dy, dx, dw, db)
			checkClose(t, name+"/dx", dx, refGemm(false, false, s.n, s.in, s.out, 1, dy, s.out, w, s.in, 0, make([]float32, len(x)), s.in))
			checkClose(t, name+"/dw", dw, refGemm(true, false, s.out, s.in, s.n, 1, dy, s.out, x, s.in, 0, make([]float32, len(w)), s.in))
			wantDb := make([]float64, s.out)
			for i, g := range dy {
				wantDb[i%s.out] += float64(g)
			}
			checkClose(t, name+"/db", db, wantDb)
		}
	})
}
