package kernels

// A skinny product with B transposed, C = A * B^T with A m x k and B n x k both
// row-major, reduces along contiguous rows of both operands: it is a table of dot
// products. Dense layers (y = x W^T) are this shape, with m the batch and n the
// outputs. Packing B^T for the tiled kernel would transpose all of B for a
// handful of output rows; the dot micro-kernel instead reads both in place, 4 rows
// of A against 6 of B at a time.

// dotMinK is the shortest reduction worth the dot kernel's final horizontal sums.
const dotMinK = 256

// dotMaxSkinny is the largest smaller dimension of C for which the dot path is
// used; beyond it the tiled kernel's reuse of packed panels wins.
const dotMaxSkinny = 64

func useDot(g *gemmArgs, kern *microKernel) bool {
	return kern.dot != nil && !g.transA && g.transB && g.k >= dotMinK && min(g.m, g.n) <= dotMaxSkinny
}

// runDot computes the product on the dot path, splitting rows of C across up to
// parts goroutines when it is large enough to pay for them.
func (g *gemmArgs) runDot(p Par, parts int) {
	g.dot = true
	if 2*g.m*g.n*g.k < parallelMinFlops || g.m < 8 {
		parts = 1
	}
	for range parts {
		g.blocks = append(g.blocks, dotBlock{})
	}
	g.step = roundUp(ceilDiv(g.m, 2*parts), 4)
	p.parallelFor(g, ceilDiv(g.m, g.step), parts)
}

// dotRows computes rows [i0, i1) of C.
func (g *gemmArgs) dotRows(part, i0, i1 int) {
	blk := &g.blocks[part]
	aOffs, bOffs, out := &blk.aOffs, &blk.bOffs, &blk.out
	k16 := g.k &^ 15
	kern := kernel()
	for ib := i0; ib < i1; ib += 4 {
		for r := range aOffs {
			aOffs[r] = 4 * min(ib+r, i1-1) * g.lda // past the edge: repeat the last row
		}
		for jb := 0; jb < g.n; jb += 6 {
			for s := range bOffs {
				bOffs[s] = 4 * min(jb+s, g.n-1) * g.ldb
			}
			kern.dot(k16/16, g.a, aOffs, g.b, bOffs, out, 1, 0, 0)
			for r := 0; r < min(4, i1-ib); r++ {
				arow := g.a[(ib+r)*g.lda:][:g.k]
				crow := g.c[(ib+r)*g.ldc+jb:][:min(6, g.n-jb)]
				for s := range crow {
					v := out[r*6+s]
					if k16 < g.k { // the last k%16 products
						brow := g.b[(jb+s)*g.ldb:][:g.k]
						for p := k16; p < g.k; p++ {
							v += arow[p] * brow[p]
						}
					}
					if g.accumulate {
						crow[s] += g.alpha * v
					} else {
						crow[s] = g.alpha * v
					}
				}
			}
		}
	}
}
