package main

import "fmt"

// AVX2/FMA tiles, parametrised by shape so that the shapes can be compared on
// each CPU (see kernel_amd64.go): an mr x nr tile keeps mr*nr/8 accumulators in
// Y registers, with the B row of a step in the next nr/8 and the broadcast A
// value in the one after; all of it must fit the sixteen Y registers.

type avx2Tile struct{ mr, nr int }

// avx2Tiles are the shapes generated.
var avx2Tiles = []avx2Tile{{6, 16}, {4, 16}}

func (t avx2Tile) name() string { return fmt.Sprintf("%dx%d", t.mr, t.nr) }

func (t avx2Tile) vecs() int { return t.nr / 8 }

// acc is the Y register accumulating vector v of row r.
func (t avx2Tile) acc(r, v int) int { return r*t.vecs() + v }

func (t avx2Tile) bReg(v int) int { return t.mr*t.vecs() + v }

// bcast alternates two registers where there is room, so that a broadcast
// need not wait for the previous row's FMAs to read its register.
func (t avx2Tile) bcast(r int) int {
	first := t.mr*t.vecs() + t.vecs()
	if first+1 < 16 {
		return first + r%2
	}
	return first
}

func (t avx2Tile) check() {
	if t.bcast(1) > 15 || t.nr%8 != 0 {
		panic("avx2 tile does not fit the Y registers: " + t.name())
	}
}

// fmaStep emits one reduction step: the B row is already in bReg, the mr A
// values are at SI.
func (t avx2Tile) fmaStep() {
	for r := 0; r < t.mr; r++ {
		z := t.bcast(r)
		w("\tVBROADCASTSS %d(SI), Y%d", 4*r, z)
		for v := 0; v < t.vecs(); v++ {
			w("\tVFMADD231PS Y%d, Y%d, Y%d", t.bReg(v), z, t.acc(r, v))
		}
	}
}

func (t avx2Tile) zero() {
	for i := 0; i < t.mr*t.vecs(); i++ {
		w("\tVXORPS Y%d, Y%d, Y%d", i, i, i)
	}
}

// biasReLU applies flags in R9 (2: add the row biases at R10, 4: max with
// zero) to the accumulators.
func (t avx2Tile) biasReLU(label string) {
	tmp := t.bReg(0)
	w("\tTESTQ $2, R9")
	w("\tJZ %s_relu", label)
	for r := 0; r < t.mr; r++ {
		w("\tVBROADCASTSS %d(R10), Y%d", 4*r, tmp)
		for v := 0; v < t.vecs(); v++ {
			w("\tVADDPS Y%d, Y%d, Y%d", tmp, t.acc(r, v), t.acc(r, v))
		}
	}
	w("")
	w("%s_relu:", label)
	w("\tTESTQ $4, R9")
	w("\tJZ %s_store", label)
	w("\tVXORPS Y%d, Y%d, Y%d", tmp, tmp, tmp)
	w("\t// max(0, v) with v second, so that NaN propagates.")
	for i := 0; i < t.mr*t.vecs(); i++ {
		w("\tVMAXPS Y%d, Y%d, Y%d", i, tmp, i)
	}
	w("")
	w("%s_store:", label)
}

// packed emits sgemmAVX2_<shape>(kc int, a, b, c *float32, ldc, flags int, bias *float32):
// a full tile from packed panels. flags: 1 accumulate into C, 2 add bias, 4 ReLU.
func (t avx2Tile) packed() {
	t.check()
	fn := "sgemmAVX2_" + t.name()
	l := "p" + t.name()
	w("// func %s(kc int, a, b, c *float32, ldc, flags int, bias *float32)", fn)
	w("//")
	w("// A full %d x %d tile from packed panels: row r accumulates in Y(%dr) and up.", t.mr, t.nr, t.vecs())
	w("// flags: 1 accumulate into C, 2 add bias, 4 ReLU.")
	w("TEXT ·%s(SB), NOSPLIT, $0-56", fn)
	w("\tMOVQ kc+0(FP), CX")
	w("\tMOVQ a+8(FP), SI")
	w("\tMOVQ b+16(FP), DI")
	w("\tMOVQ c+24(FP), DX")
	w("\tMOVQ ldc+32(FP), R8")
	w("\tSHLQ $2, R8")
	t.zero()
	w("\tTESTQ CX, CX")
	w("\tJZ %s_accumulate", l)
	w("")
	w("%s_loop:", l)
	for v := 0; v < t.vecs(); v++ {
		w("\tVMOVUPS %d(DI), Y%d", 32*v, t.bReg(v))
	}
	t.fmaStep()
	w("\tADDQ $%d, SI", 4*t.mr)
	w("\tADDQ $%d, DI", 4*t.nr)
	w("\tDECQ CX")
	w("\tJNZ %s_loop", l)
	w("")
	w("%s_accumulate:", l)
	w("\tMOVQ flags+40(FP), R9")
	w("\tMOVQ bias+48(FP), R10")
	w("\tTESTQ $1, R9")
	w("\tJZ %s_bias", l)
	w("\tMOVQ DX, AX")
	for r := 0; r < t.mr; r++ {
		for v := 0; v < t.vecs(); v++ {
			w("\tVADDPS %d(AX), Y%d, Y%d", 32*v, t.acc(r, v), t.acc(r, v))
		}
		if r < t.mr-1 {
			w("\tADDQ R8, AX")
		}
	}
	w("")
	w("%s_bias:", l)
	t.biasReLU(l)
	for r := 0; r < t.mr; r++ {
		for v := 0; v < t.vecs(); v++ {
			w("\tVMOVUPS Y%d, %d(DX)", t.acc(r, v), 32*v)
		}
		if r < t.mr-1 {
			w("\tADDQ R8, DX")
		}
	}
	w("\tVZEROUPPER")
	w("\tRET")
	w("")
}

// direct emits convDirectAVX2_<shape>(k int, a, b *float32, offs *int, half int, c *float32, ldc, rows, flags int, bias *float32):
// a tile whose B row p is read in place, its first nr/2 values at b + offs[p]
// bytes and the other nr/2 half bytes further; the first rows (1..mr) rows of
// all nr lanes are stored. flags: 2 add bias, 4 ReLU.
func (t avx2Tile) direct() {
	t.check()
	fn := "convDirectAVX2_" + t.name()
	l := "d" + t.name()
	w("// func %s(k int, a, b *float32, offs *int, half int, c *float32, ldc, rows, flags int, bias *float32)", fn)
	w("//")
	w("// A %d x %d tile whose B rows are read in place: row p is the %d values at", t.mr, t.nr, t.nr/2)
	w("// b + offs[p] bytes then the %d at half bytes further. The first rows (1-%d)", t.nr/2, t.mr)
	w("// rows are stored whole. flags: 2 add bias, 4 ReLU.")
	w("TEXT ·%s(SB), NOSPLIT, $0-80", fn)
	w("\tMOVQ k+0(FP), CX")
	w("\tMOVQ a+8(FP), SI")
	w("\tMOVQ b+16(FP), DI")
	w("\tMOVQ offs+24(FP), R11")
	w("\tMOVQ half+32(FP), R12")
	w("\tADDQ DI, R12")
	t.zero()
	w("\tTESTQ CX, CX")
	w("\tJZ %s_epilogue", l)
	w("")
	w("%s_loop:", l)
	w("\tMOVQ (R11), AX")
	if t.vecs() == 1 {
		b := t.bReg(0)
		w("\tVMOVUPS (DI)(AX*1), X%d", b)
		w("\tVINSERTF128 $1, (R12)(AX*1), Y%d, Y%d", b, b)
	} else {
		for v := 0; v < t.vecs(); v++ {
			base := "DI"
			if v >= t.vecs()/2 {
				base = "R12"
			}
			w("\tVMOVUPS %d(%s)(AX*1), Y%d", 32*(v%(t.vecs()/2)), base, t.bReg(v))
		}
	}
	t.fmaStep()
	w("\tADDQ $8, R11")
	w("\tADDQ $%d, SI", 4*t.mr)
	w("\tDECQ CX")
	w("\tJNZ %s_loop", l)
	w("")
	w("%s_epilogue:", l)
	w("\tMOVQ flags+64(FP), R9")
	w("\tMOVQ bias+72(FP), R10")
	t.biasReLU(l)
	w("\tMOVQ c+40(FP), DX")
	w("\tMOVQ ldc+48(FP), R8")
	w("\tSHLQ $2, R8")
	w("\tMOVQ rows+56(FP), R13")
	for r := 0; r < t.mr; r++ {
		for v := 0; v < t.vecs(); v++ {
			w("\tVMOVUPS Y%d, %d(DX)", t.acc(r, v), 32*v)
		}
		if r < t.mr-1 {
			w("\tDECQ R13")
			w("\tJZ %s_done", l)
			w("\tADDQ R8, DX")
		}
	}
	w("")
	w("%s_done:", l)
	w("\tVZEROUPPER")
	w("\tRET")
	w("")
}

func avx2() {
	for _, t := range avx2Tiles {
		t.packed()
		t.direct()
	}
}

// nanMax emits dst = max(a, b) lane by lane, NaN where either is (VMAXPS alone
// would return b), using tmp and mask as scratch.
func nanMax(a, b, dst, tmp, mask int) {
	w("\tVCMPPS $3, Y%d, Y%d, Y%d", b, a, mask)
	w("\tVADDPS Y%d, Y%d, Y%d", b, a, tmp)
	w("\tVMAXPS Y%d, Y%d, Y%d", b, a, dst)
	w("\tVBLENDVPS Y%d, Y%d, Y%d, Y%d", mask, tmp, dst, dst)
}

// maxPoolAVX2 emits maxPool2x2AVX2(r0, r1 *float32, n int, dst *float32):
// dst[j] = max(r0[2j], r0[2j+1], r1[2j], r1[2j+1]) for j < n&^7, eight at a
// time; the caller does the rest.
func maxPoolAVX2() {
	w("// func maxPool2x2AVX2(r0, r1 *float32, n int, dst *float32)")
	w("//")
	w("// dst[j] = max(r0[2j], r0[2j+1], r1[2j], r1[2j+1]) (NaN if any is NaN) for")
	w("// the first n&^7 outputs.")
	w("TEXT ·maxPool2x2AVX2(SB), NOSPLIT, $0-32")
	w("\tMOVQ r0+0(FP), SI")
	w("\tMOVQ r1+8(FP), DI")
	w("\tMOVQ n+16(FP), CX")
	w("\tMOVQ dst+24(FP), DX")
	w("\tSHRQ $3, CX")
	w("\tJZ pool2_done")
	w("")
	w("pool2_loop:")
	w("\tVMOVUPS (SI), Y0")
	w("\tVMOVUPS 32(SI), Y1")
	w("\tVMOVUPS (DI), Y2")
	w("\tVMOVUPS 32(DI), Y3")
	w("\t// Down the rows: pairs (j, j+1) of outputs 0-3 in Y4, 4-7 in Y5.")
	nanMax(0, 2, 4, 6, 7)
	nanMax(1, 3, 5, 6, 7)
	w("\t// Even and odd lanes, which come out as outputs 0 1 4 5 | 2 3 6 7;")
	w("\t// both are put back in order after the max.")
	w("\tVSHUFPS $0x88, Y5, Y4, Y0")
	w("\tVSHUFPS $0xDD, Y5, Y4, Y1")
	nanMax(0, 1, 2, 6, 7)
	w("\tVPERMPD $0xD8, Y2, Y2")
	w("\tVMOVUPS Y2, (DX)")
	w("\tADDQ $64, SI")
	w("\tADDQ $64, DI")
	w("\tADDQ $32, DX")
	w("\tDECQ CX")
	w("\tJNZ pool2_loop")
	w("")
	w("pool2_done:")
	w("\tVZEROUPPER")
	w("\tRET")
	w("")
}
