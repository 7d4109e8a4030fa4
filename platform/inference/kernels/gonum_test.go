package kernels

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

func TestBLASMatchesGonum(t *testing.T) {
	var impl blas.Float32 = BLAS{}
	r := rand.New(rand.NewPCG(23, 24))
	for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans} {
		for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			m, n, k := 37, 29, 45
			lda, ldb := k, n
			if tA != blas.NoTrans {
				lda = m
			}
			if tB != blas.NoTrans {
				ldb = k
			}
			a, b := randSlice(r, m*k), randSlice(r, k*n)
			c := randSlice(r, m*n)
			want := append([]float32(nil), c...)
			impl.Sgemm(tA, tB, m, n, k, 0.5, a, lda, b, ldb, 2, c, n)
			gonum.Implementation{}.Sgemm(tA, tB, m, n, k, 0.5, a, lda, b, ldb, 2, want, n)
			checkClose(t, "Sgemm", c, to64(want))
		}
	}
	// Everything else is gonum's.
	if got := impl.Sdot(3, []float32{1, 2, 3}, 1, []float32{4, 5, 6}, 1); got != 32 {
		t.Errorf("Sdot = %g, want 32", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("illegal transpose did not panic")
		}
	}()
	impl.Sgemm('x', blas.NoTrans, 1, 1, 1, 1, []float32{1}, 1, []float32{1}, 1, 0, []float32{0}, 1)
}

// BLAS must stay usable where a full gonum implementation is expected, as by
// gorgonia.Use.
var _ interface {
	blas.Float32
	blas.Float64
} = BLAS{}
