package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzSgemm compares every micro-kernel's Sgemm with the float64 reference on
// random shapes, transpositions, strides and scalars.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint8(7), false, false, uint8(1), uint8(0), uint64(1))
	f.Add(uint8(33), uint8(65), uint8(17), true, false, uint8(2), uint8(1), uint64(2))
	f.Add(uint8(8), uint8(32), uint8(255), false, true, uint8(3), uint8(2), uint64(3))
	f.Fuzz(func(t *testing.T, m8, n8, k8 uint8, transA, transB bool, alphaSel, betaSel uint8, seed uint64) {
		m, n, k := int(m8)%70, int(n8)%70, int(k8)%300
		scalars := []float32{1, 0, -0.5, 2}
		alpha, beta := scalars[int(alphaSel)%4], scalars[int(betaSel)%4]
		r := rand.New(rand.NewPCG(seed, 99))
		pad := int(seed % 3)
		lda, ldb, ldc := max(k, 1)+pad, max(n, 1)+pad, max(n, 1)+pad
		ar, br := m, k
		if transA {
			lda, ar = max(m, 1)+pad, k
		}
		if transB {
			ldb, br = max(k, 1)+pad, n
		}
		a, b := randSlice(r, max(ar, 1)*lda), randSlice(r, max(br, 1)*ldb)
		c0 := randSlice(r, max(m, 1)*ldc)
		if beta == 0 {
			for i := range c0 {
				c0[i] = float32(math.NaN())
			}
		}
		want := refGemm(transA, transB, m, n, k, float64(alpha), a, lda, b, ldb, float64(beta), c0, ldc)
		scale := refGemm(transA, transB, m, n, k, math.Abs(float64(alpha)), absSlice(a), lda, absSlice(b), ldb, math.Abs(float64(beta)), absSlice(c0), ldc)
		forEachKernel(t, func(t *testing.T) {
			c := append([]float32(nil), c0...)
			Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			checkCloseScaled(t, "C", c, want, scale)
		})
	})
}

// FuzzConv compares every micro-kernel's ConvForward and ConvBackward, and
// Winograd where the geometry allows it, with the float64 reference on random
// geometries; invalid ones must be rejected by Validate.
func FuzzConv(f *testing.F) {
	f.Add(uint8(3), uint8(13), uint8(11), uint8(5), uint8(3), uint8(3), uint8(1), uint8(1), uint8(2), uint64(1))
	f.Add(uint8(4), uint8(9), uint8(10), uint8(3), uint8(1), uint8(1), uint8(2), uint8(1), uint8(1), uint64(2))
	f.Add(uint8(2), uint8(15), uint8(17), uint8(9), uint8(5), uint8(7), uint8(2), uint8(2), uint8(3), uint64(3))
	f.Add(uint8(7), uint8(5), uint8(9), uint8(11), uint8(3), uint8(3), uint8(1), uint8(1), uint8(1), uint64(4))
	f.Fuzz(func(t *testing.T, inC, inH, inW, outC, kh, kw, stride, pad, batch8 uint8, seed uint64) {
		c := Conv{
			InC: int(inC) % 9, InH: int(inH) % 24, InW: int(inW) % 40, OutC: int(outC) % 20,
			KH: int(kh) % 8, KW: int(kw) % 8, Stride: int(stride) % 4, Pad: int(pad) % 4,
		}
		batch := 1 + int(batch8)%3
		if err := c.Validate(); err != nil {
			if c.WorkspaceLen(batch) != 0 {
				t.Fatalf("%+v: invalid (%v) but WorkspaceLen = %d", c, err, c.WorkspaceLen(batch))
			}
			return
		}
		r := rand.New(rand.NewPCG(seed, 7))
		x := randSlice(r, batch*c.InC*c.InH*c.InW)
		w := randSlice(r, c.OutC*c.InC*c.KH*c.KW)
		b := randSlice(r, c.OutC)
		dy := randSlice(r, batch*c.OutC*c.OutH()*c.OutW())
		act := Activation(seed % 2)
		wantY := refConvForward(c, batch, x, w, b, act)
		scaleY := refConvForward(c, batch, absSlice(x), absSlice(w), absSlice(b), ActNone)
		wantDx, wantDw, wantDb := refConvBackward(c, batch, x, w, dy)
		scaleDx, scaleDw, scaleDb := refConvBackward(c, batch, absSlice(x), absSlice(w), absSlice(dy))
		forEachKernel(t, func(t *testing.T) {
			ws := make([]float32, c.WorkspaceLen(batch))
			y := randSlice(r, len(dy))
			ConvForward(c, batch, x, w, b, act, y, ws)
			checkCloseScaled(t, "y", y, wantY, scaleY)
			dx, dw, db := randSlice(r, len(x)), randSlice(r, len(w)), randSlice(r, len(b))
			ConvBackward(c, batch, x, w, dy, dx, dw, db, ws)
			checkCloseScaled(t, "dx", dx, wantDx, scaleDx)
			checkCloseScaled(t, "dw", dw, wantDw, scaleDw)
			checkCloseScaled(t, "db", db, wantDb, scaleDb)
			if c.winoOK() {
				ws := make([]float32, c.winoWorkspaceLen(kernel(), batch, Par(0).parts()))
				Par(0).winoForward(kernel(), c, batch, x, w, b, act, y, ws, new(winoCache))
				checkCloseScaled(t, "y by Winograd", y, wantY, scaleY)
			}
		})
	})
}
