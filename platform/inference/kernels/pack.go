package kernels

// packA copies rows [i0, i0+mc) and columns [p0, p0+kc) of op(A), scaled by alpha,
// into dst as consecutive mr-row panels of kc*mr elements (panel element [p*mr+r]),
// zero-filling the rows of the last panel beyond mc.
func packA(dst []float32, mr int, a []float32, lda int, trans bool, i0, mc, p0, kc int, alpha float32) {
	for ip := 0; ip < mc; ip += mr {
		rows := min(mr, mc-ip)
		panel := dst[ip*kc : ip*kc+mr*kc]
		switch {
		case !trans && rows == 8 && mr == 8:
			packA8(panel, a[(i0+ip)*lda+p0:], lda, kc, alpha)
		case !trans:
			for r := 0; r < rows; r++ {
				src := a[(i0+ip+r)*lda+p0:][:kc]
				for p, v := range src {
					panel[p*mr+r] = alpha * v
				}
			}
		default:
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+i0+ip:][:rows]
				d := panel[p*mr : p*mr+rows]
				for r, v := range src {
					d[r] = alpha * v
				}
			}
		}
		if rows < mr {
			for p := 0; p < kc; p++ {
				clear(panel[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB copies rows [p0, p0+kc) and columns [j0, j0+nc) of op(B) into dst as
// consecutive nr-column panels of kc*nr elements (panel element [p*nr+j]),
// zero-filling the columns of the last panel beyond nc.
func packB(dst []float32, nr int, b []float32, ldb int, trans bool, p0, kc, j0, nc int) {
	for jp := 0; jp < nc; jp += nr {
		cols := min(nr, nc-jp)
		panel := dst[jp*kc : jp*kc+nr*kc]
		if !trans {
			for p := 0; p < kc; p++ {
				d := panel[p*nr : p*nr+nr]
				copy(d, b[(p0+p)*ldb+j0+jp:][:cols])
				clear(d[cols:])
			}
		} else {
			// Transpose in blocks of 16 along k: each source row is read a
			// cache line at a time, and the 16 panel rows written stay in L1.
			// (Reading one value from each of cols rows per panel row instead
			// thrashes L1 when ldb is a multiple of 1024.)
			for pb := 0; pb < kc; pb += 16 {
				pn := min(16, kc-pb)
				for j := 0; j < cols; j++ {
					src := b[(j0+jp+j)*ldb+p0+pb:][:pn]
					for p, v := range src {
						panel[(pb+p)*nr+j] = v
					}
				}
			}
			if cols < nr {
				for p := 0; p < kc; p++ {
					clear(panel[p*nr+cols : p*nr+nr])
				}
			}
		}
	}
}

// packA8 packs a full 8-row panel of A (not transposed): reading eight rows side
// by side keeps every write sequential.
func packA8(panel, a []float32, lda, kc int, alpha float32) {
	r0, r1, r2, r3 := a[:kc], a[lda:][:kc], a[2*lda:][:kc], a[3*lda:][:kc]
	r4, r5, r6, r7 := a[4*lda:][:kc], a[5*lda:][:kc], a[6*lda:][:kc], a[7*lda:][:kc]
	panel = panel[:8*kc]
	for p := 0; p < kc; p++ {
		d := panel[p*8 : p*8+8 : p*8+8]
		d[0], d[1], d[2], d[3] = alpha*r0[p], alpha*r1[p], alpha*r2[p], alpha*r3[p]
		d[4], d[5], d[6], d[7] = alpha*r4[p], alpha*r5[p], alpha*r6[p], alpha*r7[p]
	}
}
