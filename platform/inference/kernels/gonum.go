package kernels

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BLAS is gonum's pure-Go BLAS with Sgemm replaced by this package's, so that
// libraries that take a gonum BLAS implementation (gorgonia.Use, tensor.Use) run
// their single-precision matrix products on these kernels. Both are row-major;
// every other routine is gonum's.
type BLAS struct {
	gonum.Implementation
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C as gonum's does (see the
// package-level Sgemm). It panics on an invalid transpose, like gonum.
func (BLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Sgemm(transposed(tA), transposed(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func transposed(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panic("blas: illegal transpose")
}
