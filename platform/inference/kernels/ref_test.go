package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Straightforward float64 implementations that the kernels are checked against.

func refGemm(transA, transB bool, m, n, k int, alpha float64, a []float32, lda int, b []float32, ldb int, beta float64, c []float32, ldc int) []float64 {
	out := make([]float64, len(c))
	for i := range c {
		out[i] = float64(c[i])
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
			}
			prev := 0.0
			if beta != 0 {
				prev = beta * float64(c[i*ldc+j])
			}
			out[i*ldc+j] = alpha*s + prev
		}
	}
	return out
}

// refConvAt visits every (output, input, weight) index triple of a convolution.
func refConvVisit(c Conv, batch int, f func(yi, xi, wi int)) {
	oh, ow := c.OutH(), c.OutW()
	for n := 0; n < batch; n++ {
		for o := 0; o < c.OutC; o++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					yi := ((n*c.OutC+o)*oh+i)*ow + j
					for ci := 0; ci < c.InC; ci++ {
						for kh := 0; kh < c.KH; kh++ {
							ih := i*c.Stride - c.Pad + kh
							if ih < 0 || ih >= c.InH {
								continue
							}
							for kw := 0; kw < c.KW; kw++ {
								iw := j*c.Stride - c.Pad + kw
								if iw < 0 || iw >= c.InW {
									continue
								}
								f(yi, ((n*c.InC+ci)*c.InH+ih)*c.InW+iw, ((o*c.InC+ci)*c.KH+kh)*c.KW+kw)
							}
						}
					}
				}
			}
		}
	}
}

func refConvForward(c Conv, batch int, x, w, b []float32, act Activation) []float64 {
	oh, ow := c.OutH(), c.OutW()
	y := make([]float64, batch*c.OutC*oh*ow)
	refConvVisit(c, batch, func(yi, xi, wi int) { y[yi] += float64(x[xi]) * float64(w[wi]) })
	for i := range y {
		if b != nil {
			y[i] += float64(b[i/(oh*ow)%c.OutC])
		}
		if act == ActReLU && y[i] < 0 {
			y[i] = 0
		}
	}
	return y
}

func refConvBackward(c Conv, batch int, x, w, dy []float32) (dx, dw, db []float64) {
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	db = make([]float64, c.OutC)
	refConvVisit(c, batch, func(yi, xi, wi int) {
		dx[xi] += float64(dy[yi]) * float64(w[wi])
		dw[wi] += float64(dy[yi]) * float64(x[xi])
	})
	hw := c.OutH() * c.OutW()
	for i, g := range dy[:batch*c.OutC*hw] {
		db[i/hw%c.OutC] += float64(g)
	}
	return dx, dw, db
}

func refBatchNorm(batch, c, hw int, x, gamma, beta []float64, eps float64) []float64 {
	y := make([]float64, len(x))
	cnt := float64(batch * hw)
	for ch := 0; ch < c; ch++ {
		var mu, v float64
		for n := 0; n < batch; n++ {
			for _, e := range x[(n*c+ch)*hw:][:hw] {
				mu += e
			}
		}
		mu /= cnt
		for n := 0; n < batch; n++ {
			for _, e := range x[(n*c+ch)*hw:][:hw] {
				v += (e - mu) * (e - mu)
			}
		}
		inv := 1 / math.Sqrt(v/cnt+eps)
		for n := 0; n < batch; n++ {
			off := (n*c + ch) * hw
			for i := off; i < off+hw; i++ {
				y[i] = gamma[ch]*(x[i]-mu)*inv + beta[ch]
			}
		}
	}
	return y
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func to64(s []float32) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = float64(v)
	}
	return d
}

func dot64(a []float32, b []float64) float64 {
	var s float64
	for i, v := range b {
		s += float64(a[i]) * v
	}
	return s
}

// relErr is max|got-want| / max|want| (absolute error if want is all zero).
func relErr(got []float32, want []float64) float64 {
	var d, m float64
	for i, w := range want {
		if math.IsNaN(w) && math.IsNaN(float64(got[i])) {
			continue // untouched padding that held NaN
		}
		d = max(d, math.Abs(float64(got[i])-w))
		m = max(m, math.Abs(w))
	}
	if math.IsNaN(d) {
		return math.Inf(1)
	}
	if m == 0 {
		return d
	}
	return d / m
}

const tol = 1e-4

// checkCloseScaled is checkClose for results that may cancel: the error is
// measured against scale, the same computation on absolute values, which bounds
// what float32 rounding can do.
func checkCloseScaled(t *testing.T, name string, got []float32, want, scale []float64) {
	t.Helper()
	var d, m float64
	for i, w := range want {
		if math.IsNaN(w) && math.IsNaN(float64(got[i])) {
			continue
		}
		d = max(d, math.Abs(float64(got[i])-w))
		m = max(m, math.Abs(scale[i]))
	}
	if m > 0 {
		d /= m
	}
	if !(d < tol) {
		t.Errorf("%s: error %.3g of the magnitude of its terms, want < %g", name, d, tol)
	}
}

func absSlice(s []float32) []float32 {
	a := make([]float32, len(s))
	for i, v := range s {
		a[i] = float32(math.Abs(float64(v)))
	}
	return a
}

func checkClose(t *testing.T, name string, got []float32, want []float64) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	if e := relErr(got, want); !(e < tol) {
		t.Errorf("%s: relative error %.3g, want < %g", name, e, tol)
	}
}

// forEachKernel runs f once with every micro-kernel this build and CPU support.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	prev := active.Load()
	defer active.Store(prev)
	for _, k := range kernels() {
		active.Store(k)
		t.Run(k.name, f)
	}
}
