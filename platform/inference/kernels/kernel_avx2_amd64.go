//go:build amd64 && !purego

package kernels

import "unsafe"

// The AVX2/FMA tiles of internal/asmgen (avx2.go), one packed and one in-place
// convolution function per shape.

//go:noescape
func sgemmAVX2_6x16(kc int, a, b, c *float32, ldc, flags int, bias *float32)

//go:noescape
func convDirectAVX2_6x16(k int, a, b *float32, offs *int, half int, c *float32, ldc, rows, flags int, bias *float32)

//go:noescape
func sgemmAVX2_4x16(kc int, a, b, c *float32, ldc, flags int, bias *float32)

//go:noescape
func convDirectAVX2_4x16(k int, a, b *float32, offs *int, half int, c *float32, ldc, rows, flags int, bias *float32)

type (
	packedAVX2Fn func(kc int, a, b, c *float32, ldc, flags int, bias *float32)
	directAVX2Fn func(k int, a, b *float32, offs *int, half int, c *float32, ldc, rows, flags int, bias *float32)
)

// avx2TileLen bounds mr*nr of every AVX2 tile, for the scratch tile of partial stores.
const avx2TileLen = 8 * 16

// newAVX2Kernel wraps one shape's functions as a micro-kernel.
func newAVX2Kernel(name string, mr, nr int, packed packedAVX2Fn, direct directAVX2Fn) *microKernel {
	k := &microKernel{name: name, mr: mr, nr: nr}
	k.fn = func(kc int, a, b, c []float32, ldc, rows, cols int, flags tileFlags, bias []float32) {
		a, b = a[:kc*mr], b[:kc*nr]
		if rows == mr && cols == nr {
			// The slicing bounds-checks every element the assembly touches.
			c = c[:(mr-1)*ldc+nr]
			var bp *float32
			if flags&tileBias != 0 {
				bp = &bias[:mr][0]
			}
			packed(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, int(flags), bp)
			return
		}
		// A partial tile: compute it whole aside and copy what fits.
		var tile [avx2TileLen]float32
		packed(kc, unsafe.SliceData(a), unsafe.SliceData(b), &tile[0], nr, 0, nil)
		storeTile(tile[:], nr, c, ldc, rows, cols, flags, bias)
	}
	k.direct = func(kk int, a, b []float32, span int, offs []int, half int, c []float32, ldc, rows int, mask uint32, flags tileFlags, bias []float32) {
		a, b, offs = a[:kk*mr], b[:span], offs[:kk]
		var bp *float32
		if flags&tileBias != 0 {
			if rows < mr {
				var padded [maxMR]float32
				copy(padded[:], bias[:rows])
				bp = &padded[0]
			} else {
				bp = &bias[:mr][0]
			}
		}
		if mask == 1<<nr-1 {
			c = c[:(rows-1)*ldc+nr]
			direct(kk, unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(offs), 4*half, &c[0], ldc, rows, int(flags), bp)
			return
		}
		// AVX2 has no compressing store: the tile goes aside and only the lanes
		// of mask reach c, side by side.
		var tile [avx2TileLen]float32
		direct(kk, unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(offs), 4*half, &tile[0], nr, rows, int(flags), bp)
		for r := 0; r < rows; r++ {
			dst, src := c[r*ldc:], tile[r*nr:(r+1)*nr]
			j := 0
			for lane, v := range src {
				if mask&(1<<lane) != 0 {
					dst[j] = v
					j++
				}
			}
		}
	}
	return k
}

// avx2Kernels are the AVX2 shapes worth choosing between at start (an 8 x 8
// tile, with eight accumulators, measured a third slower on Zen). 6 x 16 has
// the most reuse of each load; 4 x 16 wastes no rows on layers of 16 or 32
// channels, where 6 x 16 computes 18 or 36.
var avx2Kernels = []*microKernel{
	newAVX2Kernel("avx2", 6, 16, sgemmAVX2_6x16, convDirectAVX2_6x16),
	newAVX2Kernel("avx2-4x16", 4, 16, sgemmAVX2_4x16, convDirectAVX2_4x16),
}
