package kernels

// packA copies rows [i0, i0+mc) and columns [p0, p0+kc) of op(A), scaled by alpha,
// into dst as consecutive mr-row panels of kc*mr elements (panel element [p*mr+r]),
// zero-filling the rows of the last panel beyond mc.
func packA(dst []float32, mr int, a []float32, lda int, trans bool, i0, mc, p0, kc int, alpha float32) {
	for ip := 0; ip < mc; ip += mr {
		rows := min(mr, mc-ip)
		panel := dst[ip*kc : ip*kc+mr*kc]
		if !trans {
			for r := 0; r < rows; r++ {
				src := a[(i0+ip+r)*lda+p0:][:kc]
				for p, v := range src {
					panel[p*mr+r] = alpha * v
				}
			}
		} else {
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
			for j := 0; j < cols; j++ {
				src := b[(j0+jp+j)*ldb+p0:][:kc]
				for p, v := range src {
					panel[p*nr+j] = v
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
