package kernels

import "sync/atomic"

// tileFlags say how a micro-kernel combines its product with the C tile.
type tileFlags uint

const (
	tileAccumulate tileFlags = 1 << iota // C += A*B instead of C = A*B
	tileBias                             // then add bias[row] to every element of the row
	tileReLU                             // then clamp at zero
)

// Upper bounds of every micro-kernel's tile, used to size scratch so that workspaces
// stay valid whichever kernel is active: x rounded up to a multiple of any mr is at
// most x+maxMR.
const (
	maxMR = 16
	maxNR = 32
)

// microKernel computes a rows x cols tile of C from a packed A panel (kc x mr,
// element [p*mr+r]) and a packed B panel (kc x nr, element [p*nr+j]). Panels are
// zero-padded, so the product is always a full mr x nr tile; only rows x cols of it
// reach c (row stride ldc). bias, used with tileBias, holds the rows' biases.
//
// direct, where not nil, computes a tile of a stride-1 convolution without packing
// B: row p of the kc x nr B panel is the nr/2 values at b[offs[p]/4:] followed by
// the nr/2 at b[offs[p]/4+half:] (offs are byte offsets, half an element count),
// all of which lie in b[:span]. Lane j of tile row r goes to C only if
// bit j of mask is set, and the kept lanes of a row are stored side by side from
// c[r*ldc]; rows (1..mr) rows are stored, and flags may ask for bias and ReLU.
//
// dot, where not nil, computes out[i*6+j] = the sum over segments s < count and
// t < n*16 of a[aOffs[i]/4+s*aStride+t] * b[bOffs[j]/4+s*bStride+t] (offsets in
// bytes, strides in elements): a 4 x 6 block of the weight gradient over count images,
// whose reduction runs along contiguous rows of both operands.
type microKernel struct {
	name   string
	mr, nr int
	fn     func(kc int, a, b, c []float32, ldc, rows, cols int, flags tileFlags, bias []float32)
	direct func(kc int, a, b []float32, span int, offs []int, half int, c []float32, ldc, rows int, mask uint32, flags tileFlags, bias []float32)
	dot    func(n int, a []float32, aOffs *[4]int, b []float32, bOffs *[6]int, out *[24]float32, count, aStride, bStride int)
}

// active is the kernel used by every entry point, chosen at init (see
// select.go); benchmarks switch it to compare implementations.
var active atomic.Pointer[microKernel]

func kernel() *microKernel { return active.Load() }

// goKernel is the portable kernel: plain Go, 4 x 8 tile.
var goKernel = &microKernel{name: "go", mr: 4, nr: 8, fn: kernelGo4x8}

func kernelGo4x8(kc int, a, b, c []float32, ldc, rows, cols int, flags tileFlags, bias []float32) {
	var acc [4 * 8]float32
	a, b = a[:kc*4], b[:kc*8]
	for p := 0; p < kc; p++ {
		ap := a[p*4 : p*4+4 : p*4+4]
		bp := b[p*8 : p*8+8 : p*8+8]
		b0, b1, b2, b3, b4, b5, b6, b7 := bp[0], bp[1], bp[2], bp[3], bp[4], bp[5], bp[6], bp[7]
		for r := 0; r < 4; r++ {
			ar := ap[r]
			t := acc[r*8 : r*8+8 : r*8+8]
			t[0] += ar * b0
			t[1] += ar * b1
			t[2] += ar * b2
			t[3] += ar * b3
			t[4] += ar * b4
			t[5] += ar * b5
			t[6] += ar * b6
			t[7] += ar * b7
		}
	}
	storeTile(acc[:], 8, c, ldc, rows, cols, flags, bias)
}

// storeTile merges the rows x cols corner of an accumulator tile (row stride ts)
// into c according to flags.
func storeTile(acc []float32, ts int, c []float32, ldc, rows, cols int, flags tileFlags, bias []float32) {
	for r := 0; r < rows; r++ {
		src := acc[r*ts : r*ts+cols]
		dst := c[r*ldc : r*ldc+cols]
		if flags&tileAccumulate != 0 {
			for j, v := range src {
				dst[j] += v
			}
		} else {
			copy(dst, src)
		}
		if flags&tileBias != 0 {
			bv := bias[r]
			for j := range dst {
				dst[j] += bv
			}
		}
		if flags&tileReLU != 0 {
			for j, v := range dst {
				if v < 0 {
					dst[j] = 0
				}
			}
		}
	}
}
