package kernels

import "fmt"

// Cache blocking of the general matrix product (see doc.go): a KC x NC block of B
// stays in L2/L3 while MC x KC blocks of A stream through L2 and each kc x nr panel
// of B is reused from L1 by every mr-row panel of A.
const (
	gemmKC = 256
	gemmMC = 192
	gemmNC = 2048
)

// parallelMinFlops is the product size below which Sgemm stays on the caller's
// goroutine: waking a helper costs a few microseconds.
const parallelMinFlops = 1 << 20

// gemmScratch holds one goroutine's packing buffers for Sgemm.
type gemmScratch struct {
	a, b []float32
}

// freeListSize bounds the idle records kept per kind: enough for every goroutine
// of a busy process to hold one.
const freeListSize = 64

var gemmScratches = newFreeList(freeListSize, func() *gemmScratch {
	return &gemmScratch{
		a: make([]float32, (gemmMC+maxMR)*gemmKC),
		b: make([]float32, gemmKC*(gemmNC+maxNR)),
	}
})

// gemmArgs is one matrix product C (+)= alpha*op(A)*op(B).
type gemmArgs struct {
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int
	accumulate     bool

	// Parallel split: chunk i covers rows (or columns, if splitN) [i*step, (i+1)*step).
	splitN bool
	step   int

	// Dot-product path for skinny A*B^T (see gemm_dot.go), with each part's
	// kernel arguments.
	dot    bool
	blocks []dotBlock
}

var gemmTasks = newFreeList(freeListSize, func() *gemmArgs { return new(gemmArgs) })

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, like
// cblas_sgemm(CblasRowMajor, ...): op(X) is X or its transpose as transX says,
// op(A) is m x k, op(B) is k x n, C is m x n, and lda, ldb, ldc are the row strides
// of A, B and C as stored. With beta == 0, C is only written, so it may hold
// garbage or NaN. Large products run on up to GOMAXPROCS goroutines. Sgemm panics
// if a dimension is negative, a stride too small or a slice too short.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Par(0).Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Sgemm is the package-level Sgemm on at most p goroutines.
func (p Par) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkMatrix("A", transA, m, k, a, lda)
	checkMatrix("B", transB, k, n, b, ldb)
	checkMatrix("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	if beta != 0 && beta != 1 {
		scaleMatrix(m, n, beta, c, ldc)
	}
	g := gemmTasks.get()
	*g = gemmArgs{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: beta != 0, blocks: g.blocks[:0]}
	parts := p.parts()
	if useDot(g, kernel()) {
		g.runDot(p, parts)
	} else if parts > 1 && 2*m*n*k >= parallelMinFlops {
		nr, mr := kernel().nr, kernel().mr
		// Split the larger dimension; the other operand is then packed by every
		// participant, which is cheap next to the product.
		if n >= m {
			g.splitN, g.step = true, roundUp(ceilDiv(n, parts), nr)
			p.parallelFor(g, ceilDiv(n, g.step), parts)
		} else {
			g.step = roundUp(ceilDiv(m, parts), mr)
			p.parallelFor(g, ceilDiv(m, g.step), parts)
		}
	} else {
		g.run(0, 0)
	}
	*g = gemmArgs{blocks: g.blocks[:0]}
	gemmTasks.put(g)
}

// run computes chunk i of the parallel split (the whole product when step == 0).
func (g *gemmArgs) run(part, i int) {
	if g.dot {
		g.dotRows(part, i*g.step, min(g.m, (i+1)*g.step))
		return
	}
	s := gemmScratches.get()
	switch {
	case g.step == 0:
		g.block(s, 0, g.m, 0, g.n)
	case g.splitN:
		g.block(s, 0, g.m, i*g.step, min(g.n, (i+1)*g.step))
	default:
		g.block(s, i*g.step, min(g.m, (i+1)*g.step), 0, g.n)
	}
	gemmScratches.put(s)
}

// block computes rows [i0, i1) and columns [j0, j1) of C.
func (g *gemmArgs) block(s *gemmScratch, i0, i1, j0, j1 int) {
	kern := kernel()
	mr, nr := kern.mr, kern.nr
	for jc := j0; jc < j1; jc += gemmNC {
		nc := min(gemmNC, j1-jc)
		for pc := 0; pc < g.k; pc += gemmKC {
			kc := min(gemmKC, g.k-pc)
			packB(s.b, nr, g.b, g.ldb, g.transB, pc, kc, jc, nc)
			var flags tileFlags
			if g.accumulate || pc > 0 {
				flags = tileAccumulate
			}
			for ic := i0; ic < i1; ic += gemmMC {
				mc := min(gemmMC, i1-ic)
				packA(s.a, mr, g.a, g.lda, g.transA, ic, mc, pc, kc, g.alpha)
				for jr := 0; jr < nc; jr += nr {
					cols := min(nr, nc-jr)
					bp := s.b[jr*kc : jr*kc+nr*kc]
					for ir := 0; ir < mc; ir += mr {
						rows := min(mr, mc-ir)
						kern.fn(kc, s.a[ir*kc:ir*kc+mr*kc], bp, g.c[(ic+ir)*g.ldc+jc+jr:], g.ldc, rows, cols, flags, nil)
					}
				}
			}
		}
	}
}

// checkMatrix panics unless x can hold a rows x cols matrix (its transpose if
// trans) with row stride ld.
func checkMatrix(name string, trans bool, rows, cols int, x []float32, ld int) {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("kernels: negative dimension of %s: %d x %d", name, rows, cols))
	}
	if trans {
		rows, cols = cols, rows
	}
	if ld < max(1, cols) {
		panic(fmt.Sprintf("kernels: stride %d of %s is below its %d columns", ld, name, cols))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("kernels: %s has %d elements, need %d", name, len(x), (rows-1)*ld+cols))
	}
}

// scaleMatrix sets C = beta*C; beta == 0 writes zeros whatever C held.
func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }
