package main

// In-place convolution tiles and the weight-gradient dot kernel.

func directAVX512() {
	w("// func convDirectAVX512(k int, a, b *float32, offs *int, half int, c *float32, ldc, rows int, mask uint32, flags int, bias *float32)")
	w("//")
	w("// An 8 x 32 tile whose B rows are read in place: row p is the 16 values at")
	w("// b + offs[p] bytes then the 16 at half bytes further. Lane i of each C row is")
	w("// kept when bit i of mask is set;")
	w("// kept lanes are stored contiguously (compressed) from the row's start. Only")
	w("// the first rows (1-8) rows are stored. flags: 2 add bias, 4 ReLU.")
	w("TEXT ·convDirectAVX512(SB), NOSPLIT, $0-88")
	w("\tMOVQ k+0(FP), CX")
	w("\tMOVQ a+8(FP), SI")
	w("\tMOVQ b+16(FP), DI")
	w("\tMOVQ offs+24(FP), R11")
	w("\tMOVQ half+32(FP), R12")
	w("\tADDQ DI, R12")
	zero("Z", 16)
	w("\tTESTQ CX, CX")
	w("\tJZ d512_epilogue")
	w("")
	w("d512_loop:")
	w("\tMOVQ (R11), AX")
	w("\tVMOVUPS (DI)(AX*1), Z16")
	w("\tVMOVUPS (R12)(AX*1), Z17")
	fma8x32()
	w("\tADDQ $8, R11")
	w("\tADDQ $32, SI")
	w("\tDECQ CX")
	w("\tJNZ d512_loop")
	w("")
	w("d512_epilogue:")
	w("\tMOVQ flags+72(FP), R9")
	w("\tMOVQ bias+80(FP), R10")
	biasReLU8x32("d512")
	w("\tMOVQ c+40(FP), DX")
	w("\tMOVQ ldc+48(FP), R8")
	w("\tSHLQ $2, R8")
	w("\tMOVQ rows+56(FP), R13")
	w("\tMOVL mask+64(FP), AX")
	w("\tCMPL AX, $-1")
	w("\tJEQ d512_full")
	w("\tKMOVW AX, K1")
	w("\tMOVL AX, BX")
	w("\tSHRL $16, BX")
	w("\tKMOVW BX, K2")
	w("\tANDL $0xFFFF, AX")
	w("\tPOPCNTL AX, R14")
	w("\tSHLQ $2, R14")
	for r := 0; r < 8; r++ {
		w("\tVCOMPRESSPS Z%d, K1, (DX)", 2*r)
		w("\tVCOMPRESSPS Z%d, K2, (DX)(R14*1)", 2*r+1)
		if r < 7 {
			w("\tDECQ R13")
			w("\tJZ d512_done")
			w("\tADDQ R8, DX")
		}
	}
	w("\tJMP d512_done")
	w("")
	w("d512_full:")
	for r := 0; r < 8; r++ {
		w("\tVMOVUPS Z%d, (DX)", 2*r)
		w("\tVMOVUPS Z%d, 64(DX)", 2*r+1)
		if r < 7 {
			w("\tDECQ R13")
			w("\tJZ d512_done")
			w("\tADDQ R8, DX")
		}
	}
	w("")
	w("d512_done:")
	w("\tVZEROUPPER")
	w("\tRET")
	w("")
}

func dotAVX512() {
	aRows := []string{"R8", "R9", "R10", "R11"}
	bRows := []string{"AX", "BX", "DX", "SI", "DI", "R12"}
	w("// func dotAVX512(n int, a *float32, aOffs *[4]int, b *float32, bOffs *[6]int, out *[24]float32, count, aStride, bStride int)")
	w("//")
	w("// The 4 x 6 dot products of rows a+aOffs[i] and b+bOffs[j] (byte offsets), each")
	w("// count segments of n*16 values, segment s starting s*aStride (s*bStride) bytes")
	w("// after the first; stored to out[i*6+j]. Accumulator (i, j) is Z(6i+j).")
	w("TEXT ·dotAVX512(SB), NOSPLIT, $0-72")
	w("\tMOVQ a+8(FP), CX")
	w("\tMOVQ aOffs+16(FP), R13")
	for i, r := range aRows {
		w("\tMOVQ %d(R13), %s", 8*i, r)
		w("\tADDQ CX, %s", r)
	}
	w("\tMOVQ b+24(FP), CX")
	w("\tMOVQ bOffs+32(FP), R13")
	for j, r := range bRows {
		w("\tMOVQ %d(R13), %s", 8*j, r)
		w("\tADDQ CX, %s", r)
	}
	zero("Z", 24)
	w("\tMOVQ n+0(FP), R13")
	w("\tSHLQ $6, R13")
	w("\tTESTQ R13, R13")
	w("\tJZ dot_reduce")
	w("\tCMPQ count+48(FP), $0")
	w("\tJLE dot_reduce")
	w("")
	w("dot_segment:")
	w("\tXORQ CX, CX")
	w("")
	w("dot_loop:")
	for i, r := range aRows {
		w("\tVMOVUPS (%s)(CX*1), Z%d", r, 24+i)
	}
	for j, r := range bRows {
		zb := 28 + j%2
		w("\tVMOVUPS (%s)(CX*1), Z%d", r, zb)
		for i := range aRows {
			w("\tVFMADD231PS Z%d, Z%d, Z%d", zb, 24+i, 6*i+j)
		}
	}
	w("\tADDQ $64, CX")
	w("\tCMPQ CX, R13")
	w("\tJLT dot_loop")
	for _, r := range aRows {
		w("\tADDQ aStride+56(FP), %s", r)
	}
	for _, r := range bRows {
		w("\tADDQ bStride+64(FP), %s", r)
	}
	w("\tDECQ count+48(FP)")
	w("\tJNZ dot_segment")
	w("")
	w("dot_reduce:")
	w("\tMOVQ out+40(FP), R13")
	for acc := 0; acc < 24; acc++ {
		w("\tVEXTRACTF64X4 $1, Z%d, Y30", acc)
		w("\tVADDPS Y30, Y%d, Y30", acc)
		w("\tVEXTRACTF32X4 $1, Y30, X31")
		w("\tVADDPS X31, X30, X30")
		w("\tVPERMILPS $0x4E, X30, X31")
		w("\tVADDPS X31, X30, X30")
		w("\tVPERMILPS $0xB1, X30, X31")
		w("\tVADDSS X31, X30, X30")
		w("\tVMOVSS X30, %d(R13)", 4*acc)
	}
	w("\tVZEROUPPER")
	w("\tRET")
	w("")
}
