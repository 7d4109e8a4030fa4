package main

// Pooling and element-wise loops.

func maxPoolAVX512() {
	w("// Lane indices of the even and odd floats of two concatenated vectors.")
	for i := 0; i < 16; i++ {
		w("DATA evenLanes<>+%d(SB)/4, $%d", 4*i, 2*i)
	}
	w("GLOBL evenLanes<>(SB), RODATA|NOPTR, $64")
	for i := 0; i < 16; i++ {
		w("DATA oddLanes<>+%d(SB)/4, $%d", 4*i, 2*i+1)
	}
	w("GLOBL oddLanes<>(SB), RODATA|NOPTR, $64")
	w("")
	w("// func maxPool2x2AVX512(r0, r1 *float32, n int, dst *float32, arg *int32, base, w int)")
	w("//")
	w("// dst[j] = max(r0[2j], r0[2j+1], r1[2j], r1[2j+1]) for j < n (NaN if any is")
	w("// NaN) and, if arg is not nil, arg[j] = base + 2j + the offset (0, 1, w, w+1)")
	w("// of the first of them equal to the maximum. Partial blocks are masked.")
	w("TEXT ·maxPool2x2AVX512(SB), NOSPLIT, $0-56")
	w("\tMOVQ r0+0(FP), SI")
	w("\tMOVQ r1+8(FP), DI")
	w("\tMOVQ n+16(FP), CX")
	w("\tMOVQ dst+24(FP), DX")
	w("\tMOVQ arg+32(FP), R8")
	w("\tVMOVDQU32 evenLanes<>(SB), Z20")
	w("\tVMOVDQU32 oddLanes<>(SB), Z21")
	w("\tMOVQ w+48(FP), AX")
	w("\tVPBROADCASTD AX, Z23")
	w("\tINCQ AX")
	w("\tVPBROADCASTD AX, Z22")
	w("\tMOVL $1, AX")
	w("\tVPBROADCASTD AX, Z24")
	w("\tMOVQ base+40(FP), AX")
	w("\tVPBROADCASTD AX, Z25")
	w("\tVPADDD Z20, Z25, Z25 // base + 2j")
	w("\tMOVL $32, AX")
	w("\tVPBROADCASTD AX, Z26")
	w("\tVPXORD Z27, Z27, Z27")
	w("\tMOVL $0xFFFF, BX")
	w("\tXORQ R12, R12")
	w("\tMOVQ $32, R13")
	w("\tMOVQ $16, R11")
	w("\tTESTQ CX, CX")
	w("\tJLE pool_done")
	w("")
	w("pool_loop:")
	w("\t// K5, K6: the 2*min(n, 16) input floats; K7: the min(n, 16) outputs.")
	w("\tMOVQ CX, AX")
	w("\tSHLQ $1, AX")
	w("\tCMPQ AX, $32")
	w("\tCMOVQGT R13, AX")
	w("\tBZHIL AX, BX, R10")
	w("\tKMOVW R10, K5")
	w("\tSUBQ $16, AX")
	w("\tCMOVQLT R12, AX")
	w("\tBZHIL AX, BX, R10")
	w("\tKMOVW R10, K6")
	w("\tMOVQ CX, AX")
	w("\tCMPQ AX, $16")
	w("\tCMOVQGT R11, AX")
	w("\tBZHIL AX, BX, R10")
	w("\tKMOVW R10, K7")
	w("\tVMOVUPS.Z (SI), K5, Z0")
	w("\tVMOVUPS.Z 64(SI), K6, Z1")
	w("\tVMOVUPS.Z (DI), K5, Z2")
	w("\tVMOVUPS.Z 64(DI), K6, Z3")
	w("\tVMOVAPS Z0, Z4")
	w("\tVPERMT2PS Z1, Z20, Z4 // v0: r0 even")
	w("\tVPERMT2PS Z1, Z21, Z0 // v1: r0 odd")
	w("\tVMOVAPS Z2, Z5")
	w("\tVPERMT2PS Z3, Z20, Z5 // v2: r1 even")
	w("\tVPERMT2PS Z3, Z21, Z2 // v3: r1 odd")
	w("\tVMAXPS Z0, Z4, Z6")
	w("\tVMAXPS Z2, Z5, Z7")
	w("\tVMAXPS Z7, Z6, Z8")
	w("\t// Lanes with a NaN take the sum of the four, which is NaN.")
	w("\tVCMPPS $3, Z0, Z4, K1")
	w("\tVCMPPS $3, Z2, Z5, K2")
	w("\tKORW K1, K2, K1")
	w("\tVADDPS Z0, Z4, Z9")
	w("\tVADDPS Z2, Z9, Z9")
	w("\tVADDPS Z5, Z9, Z9")
	w("\tVMOVAPS Z9, K1, Z8")
	w("\tVMOVUPS Z8, K7, (DX)")
	w("\tTESTQ R8, R8")
	w("\tJZ pool_next")
	w("\t// Offsets from the last candidate back to the first, so the first equal")
	w("\t// to the maximum (or the first NaN) wins.")
	w("\tVMOVDQA32 Z22, Z9")
	for _, c := range []struct{ v, off int }{{5, 23}, {0, 24}, {4, 27}} {
		w("\tVCMPPS $0, Z8, Z%d, K1", c.v)
		w("\tVCMPPS $3, Z%d, Z%d, K2", c.v, c.v)
		w("\tKORW K1, K2, K1")
		w("\tVMOVDQA32 Z%d, K1, Z9", c.off)
	}
	w("\tVPADDD Z25, Z9, Z9")
	w("\tVMOVDQU32 Z9, K7, (R8)")
	w("\tADDQ $64, R8")
	w("")
	w("pool_next:")
	w("\tVPADDD Z26, Z25, Z25")
	w("\tADDQ $128, SI")
	w("\tADDQ $128, DI")
	w("\tADDQ $64, DX")
	w("\tSUBQ $16, CX")
	w("\tJG pool_loop")
	w("")
	w("pool_done:")
	w("\tVZEROUPPER")
	w("\tRET")
	w("")
}

func elementwiseAVX512() {
	w("// func sumAVX512(x *float32, n int, mean float32, squares bool) float32")
	w("//")
	w("// The sum of x[:n], or with squares the sum of (x[i]-mean)^2, in 64 lanes.")
	w("TEXT ·sumAVX512(SB), NOSPLIT, $0-28")
	w("\tMOVQ x+0(FP), SI")
	w("\tMOVQ n+8(FP), CX")
	w("\tVBROADCASTSS mean+16(FP), Z31")
	w("\tMOVBLZX squares+20(FP), DX")
	zero("Z", 4)
	w("\tTESTQ DX, DX")
	w("\tJNZ sq_loop4")
	stream("sum", []string{"SI"}, func(v int, mask string) {
		for i := 0; i < v; i++ {
			if mask == "" {
				w("\tVADDPS %d(SI), Z%d, Z%d", 64*i, i, i)
			} else {
				load("SI", i, 8, mask)
				w("\tVADDPS Z8, Z%d, Z%d", i, i)
			}
		}
	})
	w("\tJMP sum_reduce")
	stream("sq", []string{"SI"}, func(v int, mask string) {
		for i := 0; i < v; i++ {
			load("SI", i, 8+i, mask)
			w("\tVSUBPS Z31, Z%d, Z%d", 8+i, 8+i)
			if mask != "" {
				w("\tVMOVAPS.Z Z%d, %s, Z%d", 8+i, mask, 8+i) // lanes past n are -mean
			}
			w("\tVFMADD231PS Z%d, Z%d, Z%d", 8+i, 8+i, i)
		}
	})
	w("sum_reduce:")
	w("\tVADDPS Z1, Z0, Z0")
	w("\tVADDPS Z3, Z2, Z2")
	w("\tVADDPS Z2, Z0, Z0")
	hsum(0)
	w("\tVMOVSS X0, ret+24(FP)")
	w("\tVZEROUPPER")
	w("\tRET")
	w("")

	w("// func sumDyXAVX512(dy, x *float32, n int, mean float32) (sdy, sdyx float32)")
	w("//")
	w("// The sums of dy[:n] and of dy[i]*(x[i]-mean), in 32 lanes each.")
	w("TEXT ·sumDyXAVX512(SB), NOSPLIT, $0-40")
	w("\tMOVQ dy+0(FP), SI")
	w("\tMOVQ x+8(FP), DI")
	w("\tMOVQ n+16(FP), CX")
	w("\tVBROADCASTSS mean+24(FP), Z31")
	zero("Z", 4)
	stream("sdx", []string{"SI", "DI"}, func(v int, mask string) {
		for i := 0; i < v; i++ {
			a, d := i%2, 2+i%2 // two accumulators each
			load("SI", i, 8+i, mask)
			load("DI", i, 12+i, mask)
			w("\tVADDPS Z%d, Z%d, Z%d", 8+i, a, a)
			w("\tVSUBPS Z31, Z%d, Z%d", 12+i, 12+i)
			w("\tVFMADD231PS Z%d, Z%d, Z%d", 12+i, 8+i, d) // dy is zero past n
		}
	})
	w("\tVADDPS Z1, Z0, Z0")
	w("\tVADDPS Z3, Z2, Z2")
	hsum(0)
	hsum(2)
	w("\tVMOVSS X0, sdy+32(FP)")
	w("\tVMOVSS X2, sdyx+36(FP)")
	w("\tVZEROUPPER")
	w("\tRET")
	w("")

	w("// func affineAVX512(x, y *float32, n int, a, b float32, relu bool)")
	w("//")
	w("// y[i] = a*x[i] + b for i < n, clamped at zero with relu (NaN stays NaN).")
	w("TEXT ·affineAVX512(SB), NOSPLIT, $0-33")
	w("\tMOVQ x+0(FP), SI")
	w("\tMOVQ y+8(FP), DI")
	w("\tMOVQ n+16(FP), CX")
	w("\tVBROADCASTSS a+24(FP), Z30")
	w("\tVBROADCASTSS b+28(FP), Z31")
	w("\tVPXORD Z29, Z29, Z29")
	w("\tMOVBLZX relu+32(FP), DX")
	w("\tTESTQ DX, DX")
	w("\tJNZ aff_relu_loop4")
	for _, relu := range []bool{false, true} {
		name := "aff"
		if relu {
			name = "aff_relu"
		}
		stream(name, []string{"SI", "DI"}, func(v int, mask string) {
			for i := 0; i < v; i++ {
				load("SI", i, i, mask)
				w("\tVFMADD132PS Z30, Z31, Z%d", i) // x*a + b
				if relu {
					w("\tVMAXPS Z%d, Z29, Z%d", i, i)
				}
				store("DI", i, i, mask)
			}
		})
		w("\tVZEROUPPER")
		w("\tRET")
	}
	w("")

	w("// func lin3AVX512(dy, x, dx *float32, n int, a, b, c float32)")
	w("//")
	w("// dx[i] = a*dy[i] + b*x[i] + c for i < n.")
	w("TEXT ·lin3AVX512(SB), NOSPLIT, $0-44")
	w("\tMOVQ dy+0(FP), SI")
	w("\tMOVQ x+8(FP), DI")
	w("\tMOVQ dx+16(FP), DX")
	w("\tMOVQ n+24(FP), CX")
	w("\tVBROADCASTSS a+32(FP), Z29")
	w("\tVBROADCASTSS b+36(FP), Z30")
	w("\tVBROADCASTSS c+40(FP), Z31")
	stream("lin", []string{"SI", "DI", "DX"}, func(v int, mask string) {
		for i := 0; i < v; i++ {
			load("DI", i, i, mask)
			w("\tVFMADD132PS Z30, Z31, Z%d", i) // x*b + c
			load("SI", i, 8+i, mask)
			w("\tVFMADD231PS Z29, Z%d, Z%d", 8+i, i) // + dy*a
			store("DX", i, i, mask)
		}
	})
	w("\tVZEROUPPER")
	w("\tRET")
	w("")

	w("// func reluBackwardAVX512(y, dy, dx *float32, n int)")
	w("//")
	w("// dx[i] = dy[i] where y[i] > 0, else 0, for i < n.")
	w("TEXT ·reluBackwardAVX512(SB), NOSPLIT, $0-32")
	w("\tMOVQ y+0(FP), SI")
	w("\tMOVQ dy+8(FP), DI")
	w("\tMOVQ dx+16(FP), DX")
	w("\tMOVQ n+24(FP), CX")
	w("\tVPXORD Z31, Z31, Z31")
	stream("rb", []string{"SI", "DI", "DX"}, func(v int, mask string) {
		for i := 0; i < v; i++ {
			load("SI", i, i, mask)
			w("\tVCMPPS $0x1e, Z31, Z%d, K2", i) // y > 0 (ordered, quiet)
			if mask != "" {
				w("\tKANDW K1, K2, K2")
			}
			w("\tVMOVUPS.Z %d(DI), K2, Z%d", 64*i, 8+i)
			store("DX", i, 8+i, mask)
		}
	})
	w("\tVZEROUPPER")
	w("\tRET")
	w("")
}
