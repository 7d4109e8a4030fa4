//go:build amd64 && !purego

package kernels

import (
	"math/bits"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// sgemmAVX512 computes a full 8 x 32 tile, masking columns beyond cols.
//
//go:noescape
func sgemmAVX512(kc int, a, b, c *float32, ldc, cols, flags int, bias *float32)

// convDirectAVX512 computes an 8 x 32 tile reading B rows in place at
// b + offs[p] bytes and storing the lanes selected by mask compressed.
//
//go:noescape
func convDirectAVX512(k int, a, b *float32, offs *int, c *float32, ldc, rows int, mask uint32, flags int, bias *float32)

// sgemmAVX2 computes a full 6 x 16 tile.
//
//go:noescape
func sgemmAVX2(kc int, a, b, c *float32, ldc, flags int, bias *float32)

var (
	avx512Kernel = &microKernel{name: "avx512", mr: 8, nr: 32, fn: kernelAVX512, direct: directAVX512}
	avx2Kernel   = &microKernel{name: "avx2", mr: 6, nr: 16, fn: kernelAVX2}
)

func hasAVX512() bool { return cpu.X86.HasAVX512F && cpu.X86.HasBMI2 }

func hasAVX2() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// kernels lists the micro-kernels this build and CPU can run, fastest first.
func kernels() []*microKernel {
	var ks []*microKernel
	if hasAVX512() {
		ks = append(ks, avx512Kernel)
	}
	if hasAVX2() {
		ks = append(ks, avx2Kernel)
	}
	return append(ks, goKernel)
}

func bestKernel() *microKernel { return kernels()[0] }

func kernelAVX512(kc int, a, b, c []float32, ldc, rows, cols int, flags tileFlags, bias []float32) {
	a, b = a[:kc*8], b[:kc*32]
	if rows == 8 {
		// The slicing bounds-checks every element the assembly touches.
		c = c[:7*ldc+cols]
		var bp *float32
		if flags&tileBias != 0 {
			bp = &bias[:8][0]
		}
		sgemmAVX512(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, cols, int(flags), bp)
		return
	}
	// Rows beyond the matrix: compute the whole tile aside and copy what fits.
	var tile [8 * 32]float32
	sgemmAVX512(kc, unsafe.SliceData(a), unsafe.SliceData(b), &tile[0], 32, 32, 0, nil)
	storeTile(tile[:], 32, c, ldc, rows, cols, flags, bias)
}

func kernelAVX2(kc int, a, b, c []float32, ldc, rows, cols int, flags tileFlags, bias []float32) {
	a, b = a[:kc*6], b[:kc*16]
	if rows == 6 && cols == 16 {
		c = c[:5*ldc+16]
		var bp *float32
		if flags&tileBias != 0 {
			bp = &bias[:6][0]
		}
		sgemmAVX2(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, int(flags), bp)
		return
	}
	var tile [6 * 16]float32
	sgemmAVX2(kc, unsafe.SliceData(a), unsafe.SliceData(b), &tile[0], 16, 0, nil)
	storeTile(tile[:], 16, c, ldc, rows, cols, flags, bias)
}

func directAVX512(k int, a, b []float32, span int, offs []int, c []float32, ldc, rows int, mask uint32, flags tileFlags, bias []float32) {
	// The slicing bounds-checks every element the assembly touches.
	a, b, offs = a[:k*8], b[:span], offs[:k]
	c = c[:(rows-1)*ldc+bits.OnesCount32(mask)]
	var bp *float32
	if flags&tileBias != 0 {
		if rows < 8 {
			var padded [8]float32
			copy(padded[:], bias[:rows])
			bp = &padded[0]
		} else {
			bp = &bias[:8][0]
		}
	}
	convDirectAVX512(k, unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(offs), unsafe.SliceData(c), ldc, rows, mask, int(flags), bp)
}
