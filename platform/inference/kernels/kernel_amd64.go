//go:build amd64 && !purego

package kernels

//go:generate go run ./internal/asmgen -o kernel_amd64.s

import (
	"cmp"
	"math/bits"
	"slices"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// sgemmAVX512 computes a full 8 x 32 tile, masking columns beyond cols.
//
//go:noescape
func sgemmAVX512(kc int, a, b, c *float32, ldc, cols, flags int, bias *float32)

// convDirectAVX512 computes an 8 x 32 tile reading the halves of B rows in place
// at b + offs[p] and half bytes further, and storing the lanes selected by mask
// compressed.
//
//go:noescape
func convDirectAVX512(k int, a, b *float32, offs *int, half int, c *float32, ldc, rows int, mask uint32, flags int, bias *float32)

// dotAVX512 computes the 4 x 6 dot products between rows of a and rows of b at
// the given byte offsets, over count segments of n*16 values spaced by the strides.
//
//go:noescape
func dotAVX512(n int, a *float32, aOffs *[4]int, b *float32, bOffs *[6]int, out *[24]float32, count, aStride, bStride int)

// maxPool2x2AVX512 pools n outputs from input rows r0 and r1 (see kernel_amd64.s).
//
//go:noescape
func maxPool2x2AVX512(r0, r1 *float32, n int, dst *float32, arg *int32, base, w int)

var avx512Kernel = &microKernel{name: "avx512", mr: 8, nr: 32, fn: kernelAVX512, direct: directAVX512, dot: dot4x6AVX512}

func hasAVX512() bool { return cpu.X86.HasAVX512F && cpu.X86.HasBMI2 }

func hasAVX2() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// kernels lists the micro-kernels this build and CPU can run, fastest first.
func kernels() []*microKernel {
	var ks []*microKernel
	if hasAVX512() {
		ks = append(ks, avx512Kernel)
	}
	if hasAVX2() {
		ks = append(ks, avx2Kernels...)
	}
	return append(ks, goKernel)
}

//go:noescape
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// cpuModel reads the vendor and the display family and model (with their
// extended parts) from CPUID.
func cpuModel() cpuInfo {
	_, b, c, d := cpuid(0, 0)
	var v [12]byte
	for i := range 4 {
		v[i], v[4+i], v[8+i] = byte(b>>(8*i)), byte(d>>(8*i)), byte(c>>(8*i))
	}
	a, _, _, _ := cpuid(1, 0)
	family, model := displayModel(a)
	return cpuInfo{vendor: string(v[:]), family: family, model: model}
}

// displayModel decodes CPUID leaf 1's EAX as lscpu does: the extended
// model counts when the base family is 6 or 15, which every AMD family
// from 17h on is before its extended family is added. Testing the sum
// instead named a Zen 4 (model 17) model 1, as a Zen 3.
func displayModel(eax uint32) (family, model int) {
	base := int(eax >> 8 & 0xF)
	family, model = base, int(eax>>4&0xF)
	if base == 0xF {
		family += int(eax >> 20 & 0xFF)
	}
	if base == 0xF || base == 6 {
		model += int(eax>>16&0xF) << 4
	}
	return family, model
}

// order sorts vector kernels by preference on this CPU, for ties in the
// start-up measurement and when timing is unusable: AVX-512 first where there
// is any (on Zen 4, whose AVX-512 runs as two 256-bit halves, it still ran
// every blocked product and convolution 1.15-1.8x faster than AVX2, though
// the two tie on panels in L1), then on AMD the 4 x 16 AVX2 tile, which ran
// FishNet's 16 and 32 channel layers 5-15% faster than 6 x 16 on Zen (family
// 23) and the rest as fast.
func (c cpuInfo) order(ks []*microKernel) []*microKernel {
	if c.vendor == "AuthenticAMD" {
		slices.SortStableFunc(ks, func(a, b *microKernel) int {
			return cmp.Compare(amdRank(a), amdRank(b))
		})
	}
	return ks
}

func amdRank(k *microKernel) int {
	switch k.name {
	case "avx512":
		return 0
	case "avx2-4x16":
		return 1
	}
	return 2
}

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

func directAVX512(k int, a, b []float32, span int, offs []int, half int, c []float32, ldc, rows int, mask uint32, flags tileFlags, bias []float32) {
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
	convDirectAVX512(k, unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(offs), 4*half, unsafe.SliceData(c), ldc, rows, mask, int(flags), bp)
}

func dot4x6AVX512(n int, a []float32, aOffs *[4]int, b []float32, bOffs *[6]int, out *[24]float32, count, aStride, bStride int) {
	if count <= 0 {
		*out = [24]float32{}
		return
	}
	// Bounds-check every row the assembly reads: the last segment ends furthest.
	for _, o := range aOffs {
		_ = a[o/4+(count-1)*aStride : o/4+(count-1)*aStride+n*16]
	}
	for _, o := range bOffs {
		_ = b[o/4+(count-1)*bStride : o/4+(count-1)*bStride+n*16]
	}
	dotAVX512(n, unsafe.SliceData(a), aOffs, unsafe.SliceData(b), bOffs, out, count, 4*aStride, 4*bStride)
}

// maxPoolRow2x2 pools one output row from input rows r0 and r1 (2*len(dst) values
// each) into dst and, if not nil, arg (input indices base + offset in the rows,
// the second row starting w after the first). It reports false if this CPU has no
// vector version, leaving the work to the caller.
func maxPoolRow2x2(r0, r1, dst []float32, arg []int32, base, w int) bool {
	n := len(dst)
	switch {
	case useVector:
		r0, r1 = r0[:2*n], r1[:2*n]
		var ap *int32
		if arg != nil {
			ap = &arg[:n][0]
		}
		maxPool2x2AVX512(&r0[0], &r1[0], n, &dst[0], ap, base, w)
		return true
	case usePoolAVX2 && arg == nil && n >= 8:
		// Inference: no argmax. Eight outputs at a time, the rest here.
		r0, r1 = r0[:2*n], r1[:2*n]
		maxPool2x2AVX2(&r0[0], &r1[0], n, &dst[0])
		for j := n &^ 7; j < n; j++ {
			dst[j] = max(r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1])
		}
		return true
	}
	return false
}

// useVector selects the AVX-512 versions of pooling and element-wise loops, and
// usePoolAVX2 the AVX2 pooling without argmax where there is no AVX-512; tests
// switch them off to check the portable ones.
var (
	useVector   = hasAVX512()
	usePoolAVX2 = hasAVX2() && !hasAVX512()
)

//go:noescape
func maxPool2x2AVX2(r0, r1 *float32, n int, dst *float32)

//go:noescape
func sumAVX512(x *float32, n int, mean float32, squares bool) float32

//go:noescape
func sumDyXAVX512(dy, x *float32, n int, mean float32) (sdy, sdyx float32)

//go:noescape
func affineAVX512(x, y *float32, n int, a, b float32, relu bool)

//go:noescape
func lin3AVX512(dy, x, dx *float32, n int, a, b, c float32)

//go:noescape
func reluBackwardAVX512(y, dy, dx *float32, n int)

func vsum(x []float32) float32 {
	if !useVector || len(x) == 0 {
		return sumGo(x)
	}
	return sumAVX512(&x[0], len(x), 0, false)
}

func vsumSqDev(x []float32, mean float32) float32 {
	if !useVector || len(x) == 0 {
		return sumSqDevGo(x, mean)
	}
	return sumAVX512(&x[0], len(x), mean, true)
}

func vsumDyX(dy, x []float32, mean float32) (sdy, sdyx float32) {
	if !useVector || len(dy) == 0 {
		return sumDyXGo(dy, x, mean)
	}
	x = x[:len(dy)]
	return sumDyXAVX512(&dy[0], &x[0], len(dy), mean)
}

func vaffine(x, y []float32, a, b float32, relu bool) {
	if !useVector || len(x) == 0 {
		affineGo(x, y, a, b, relu)
		return
	}
	y = y[:len(x)]
	affineAVX512(&x[0], &y[0], len(x), a, b, relu)
}

func vlin3(dy, x, dx []float32, a, b, c float32) {
	if !useVector || len(dy) == 0 {
		lin3Go(dy, x, dx, a, b, c)
		return
	}
	x, dx = x[:len(dy)], dx[:len(dy)]
	lin3AVX512(&dy[0], &x[0], &dx[0], len(dy), a, b, c)
}

func vreluBackward(y, dy, dx []float32) {
	if !useVector || len(y) == 0 {
		reluBackwardGo(y, dy, dx)
		return
	}
	dy, dx = dy[:len(y)], dx[:len(y)]
	reluBackwardAVX512(&y[0], &dy[0], &dx[0], len(y))
}
