package main

// Matrix-product tiles over packed panels.

// fma8x32 emits one step of the 8 x 32 product: B row in Z16, Z17 and the eight
// broadcast A values of the step at SI.
func fma8x32() {
	for r := 0; r < 8; r++ {
		z := 18 + r
		w("\tVBROADCASTSS %d(SI), Z%d", 4*r, z)
		w("\tVFMADD231PS Z16, Z%d, Z%d", z, 2*r)
		w("\tVFMADD231PS Z17, Z%d, Z%d", z, 2*r+1)
	}
}

// biasReLU8x32 applies flags in R9 (2: add bias at R10 per row, 4: max with zero)
// to Z0-Z15.
func biasReLU8x32(label string) {
	w("\tTESTQ $2, R9")
	w("\tJZ %s_relu", label)
	for r := 0; r < 8; r++ {
		w("\tVADDPS.BCST %d(R10), Z%d, Z%d", 4*r, 2*r, 2*r)
		w("\tVADDPS.BCST %d(R10), Z%d, Z%d", 4*r, 2*r+1, 2*r+1)
	}
	w("")
	w("%s_relu:", label)
	w("\tTESTQ $4, R9")
	w("\tJZ %s_store", label)
	w("\tVPXORD Z16, Z16, Z16")
	w("\t// max(0, v) with v second, so that NaN propagates.")
	for i := 0; i < 16; i++ {
		w("\tVMAXPS Z%d, Z16, Z%d", i, i)
	}
	w("")
	w("%s_store:", label)
}

func packedAVX512() {
	w("// func sgemmAVX512(kc int, a, b, c *float32, ldc, cols, flags int, bias *float32)")
	w("//")
	w("// An 8 x 32 tile from packed panels: row r accumulates in Z(2r) (columns 0-15)")
	w("// and Z(2r+1) (16-31). Columns at and beyond cols are masked out of every load")
	w("// and store of C. flags: 1 accumulate into C, 2 add bias, 4 ReLU.")
	w("TEXT ·sgemmAVX512(SB), NOSPLIT, $0-64")
	w("\tMOVQ kc+0(FP), CX")
	w("\tMOVQ a+8(FP), SI")
	w("\tMOVQ b+16(FP), DI")
	w("\tMOVQ c+24(FP), DX")
	w("\tMOVQ ldc+32(FP), R8")
	w("\tSHLQ $2, R8")
	zero("Z", 16)
	w("\tTESTQ CX, CX")
	w("\tJZ p512_masks")
	w("")
	w("p512_loop:")
	w("\tVMOVUPS (DI), Z16")
	w("\tVMOVUPS 64(DI), Z17")
	fma8x32()
	w("\tADDQ $32, SI")
	w("\tADDQ $128, DI")
	w("\tDECQ CX")
	w("\tJNZ p512_loop")
	w("")
	w("p512_masks:")
	w("\t// K1 keeps min(cols, 16) lanes of the first vector, K2 max(cols-16, 0) of the second.")
	w("\tMOVQ cols+40(FP), AX")
	w("\tMOVL $0xFFFF, BX")
	w("\tBZHIL AX, BX, R11")
	w("\tKMOVW R11, K1")
	w("\tSUBQ $16, AX")
	w("\tXORL R12, R12")
	w("\tCMPQ AX, $0")
	w("\tCMOVQLT R12, AX")
	w("\tBZHIL AX, BX, R11")
	w("\tKMOVW R11, K2")
	w("\tMOVQ flags+48(FP), R9")
	w("\tMOVQ bias+56(FP), R10")
	w("\tTESTQ $1, R9")
	w("\tJZ p512_bias")
	w("\tMOVQ DX, AX")
	for r := 0; r < 8; r++ {
		w("\tVADDPS.Z (AX), Z%d, K1, Z%d", 2*r, 2*r)
		w("\tVADDPS.Z 64(AX), Z%d, K2, Z%d", 2*r+1, 2*r+1)
		if r < 7 {
			w("\tADDQ R8, AX")
		}
	}
	w("")
	w("p512_bias:")
	biasReLU8x32("p512")
	for r := 0; r < 8; r++ {
		w("\tVMOVUPS Z%d, K1, (DX)", 2*r)
		w("\tVMOVUPS Z%d, K2, 64(DX)", 2*r+1)
		if r < 7 {
			w("\tADDQ R8, DX")
		}
	}
	w("\tVZEROUPPER")
	w("\tRET")
	w("")
}
