package kernels

// The convolution is a matrix product with an implicit "column" matrix col of
// K = InC*KH*KW rows and OutH*OutW columns: col[kk][q] is the input pixel that
// kernel tap kk = (ci*KH+kh)*KW+kw sees at output pixel q = oh*OutW+ow, or 0 in the
// padding. The helpers here read and scatter runs of one col row without ever
// materialising the matrix.

// colRange returns the output columns [lo, hi) whose input column ow*Stride-Pad+kw
// lies inside the image, for a tap at kernel column kw.
func (c Conv) colRange(kw int) (lo, hi int) {
	ow := c.OutW()
	off := kw - c.Pad // input column of output column 0
	if off < 0 {
		lo = ceilDiv(-off, c.Stride)
	}
	if last := c.InW - 1 - off; last < 0 {
		hi = 0
	} else {
		hi = min(ow, last/c.Stride+1)
	}
	return min(lo, ow), max(hi, min(lo, ow))
}

// gatherCol writes col[kk][q0 : q0+n] of image x (InC*InH*InW) to dst[i*stride].
func (c Conv) gatherCol(x []float32, kk, q0, n int, dst []float32, stride int) {
	kw := kk % c.KW
	kh := kk / c.KW % c.KH
	ci := kk / (c.KW * c.KH)
	ow := c.OutW()
	lo, hi := c.colRange(kw)
	plane := x[ci*c.InH*c.InW : (ci+1)*c.InH*c.InW]
	for i := 0; i < n; {
		q := q0 + i
		oh, ow0 := q/ow, q%ow
		run := min(n-i, ow-ow0) // pixels left in this output row
		ih := oh*c.Stride - c.Pad + kh
		d := dst[i*stride:]
		if ih < 0 || ih >= c.InH {
			for t := 0; t < run; t++ {
				d[t*stride] = 0
			}
			i += run
			continue
		}
		row := plane[ih*c.InW : (ih+1)*c.InW]
		base := kw - c.Pad
		for t := 0; t < run; t++ {
			o := ow0 + t
			if o < lo || o >= hi {
				d[t*stride] = 0
			} else {
				d[t*stride] = row[o*c.Stride+base]
			}
		}
		i += run
	}
}

// packCols packs rows [pc, pc+kc) and columns [q0, q1) of image x's col matrix
// into dst as consecutive nr-column panels of kc*nr values (panel element
// [t*nr+j] is col[pc+t][q0+panel*nr+j]), zero-filling the last panel beyond q1.
// q0 must be a multiple of nr. Stride-1 rows are copied in runs.
func (c Conv) packCols(x []float32, pc, kc, q0, q1, nr int, dst []float32) {
	ow := c.OutW()
	tail := (q1 - q0) % nr
	last := (q1 - q0) / nr * kc * nr // offset of a partial last panel
	for t := 0; t < kc; t++ {
		kk := pc + t
		kw := kk % c.KW
		kh := kk / c.KW % c.KH
		ci := kk / (c.KW * c.KH)
		lo, hi := c.colRange(kw)
		plane := x[ci*c.InH*c.InW : (ci+1)*c.InH*c.InW]
		base := kw - c.Pad
		for q := q0; q < q1; {
			oh := q / ow
			rowEnd := min(q1, (oh+1)*ow)
			ih := oh*c.Stride - c.Pad + kh
			var row []float32
			if ih >= 0 && ih < c.InH {
				row = plane[ih*c.InW : (ih+1)*c.InW]
			}
			for q < rowEnd {
				// One piece: the part of this output row inside one panel.
				rel := q - q0
				end := min(rowEnd, q0+(rel/nr+1)*nr)
				d := dst[rel/nr*kc*nr+t*nr+rel%nr:][:end-q]
				ow0 := q - oh*ow
				q = end
				if row == nil {
					clear(d)
					continue
				}
				a, b := max(lo, ow0), min(hi, ow0+len(d))
				if a >= b {
					clear(d)
					continue
				}
				clear(d[:a-ow0])
				if c.Stride == 1 {
					copy(d[a-ow0:b-ow0], row[a+base:b+base])
				} else {
					dd := d[a-ow0 : b-ow0]
					for i := range dd {
						dd[i] = row[(a+i)*c.Stride+base]
					}
				}
				clear(d[b-ow0:])
			}
		}
		if tail != 0 {
			clear(dst[last+t*nr+tail : last+t*nr+nr])
		}
	}
}

// scatterCol adds src[i*stride] into the input pixel of col[kk][q0+i] of image dx,
// skipping taps that fall in the padding.
func (c Conv) scatterCol(dx []float32, kk, q0, n int, src []float32, stride int) {
	kw := kk % c.KW
	kh := kk / c.KW % c.KH
	ci := kk / (c.KW * c.KH)
	ow := c.OutW()
	lo, hi := c.colRange(kw)
	plane := dx[ci*c.InH*c.InW : (ci+1)*c.InH*c.InW]
	base := kw - c.Pad
	for i := 0; i < n; {
		q := q0 + i
		oh, ow0 := q/ow, q%ow
		run := min(n-i, ow-ow0)
		ih := oh*c.Stride - c.Pad + kh
		s := src[i*stride:]
		i += run
		if ih < 0 || ih >= c.InH {
			continue
		}
		row := plane[ih*c.InW : (ih+1)*c.InW]
		a, b := max(lo, ow0), min(hi, ow0+run)
		for o := a; o < b; o++ {
			row[o*c.Stride+base] += s[(o-ow0)*stride]
		}
	}
}
