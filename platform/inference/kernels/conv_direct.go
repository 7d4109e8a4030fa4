package kernels

// Stride-1 convolutions skip im2col altogether where the micro-kernel can read B
// in place (microKernel.direct). The image is copied into a zero-bordered buffer
// of planes hp x wp, and the product is computed over a "wide" output grid of
// OutH rows of wp columns: col row kk = (ci, kh, kw) at wide column q is then the
// padded value at ci*hp*wp + kh*wp + kw + q, so each B row of a tile is one
// contiguous run found through a table of per-tap offsets. The last wp-OutW
// columns of every wide row are garbage and are dropped by the kernel's
// compressing store, which writes each tile row's valid lanes straight into NCHW
// order. The price is (wp-OutW)/OutW extra arithmetic (3% to 12% for 3x3 kernels
// on 64 to 16 pixel images) against no packing at all.
//
// Two tile layouts avoid even that where the output width allows (planTiles):
// when OutW is a multiple of the tile width, tiles start at the beginning of wide
// rows and skip the garbage columns; when it is half the tile width, each tile
// covers two output rows, its second half read one padded row further down, and
// stores as one contiguous run. Either way every tile is all outputs, stored
// without compression.

// directGeom is the layout of an in-place convolution.
type directGeom struct {
	hp, wp int // padded input plane
	wideN  int // wide output columns: OutH*wp
	maxOff int // largest tap offset, in elements
}

func (c Conv) directGeom() directGeom {
	hp, wp := c.InH+2*c.Pad, c.InW+2*c.Pad
	return directGeom{
		hp: hp, wp: wp,
		wideN:  c.OutH() * wp,
		maxOff: (c.InC-1)*hp*wp + (c.KH-1)*wp + c.KW - 1,
	}
}

// padLen is the padded image buffer: every tile of up to maxNR columns from any tap
// stays inside it.
func (d directGeom) padLen() int { return d.maxOff + d.wideN + maxNR }

// useDirect reports whether ConvForward takes the in-place path.
func (c Conv) useDirect(kern *microKernel) bool { return c.Stride == 1 && kern.direct != nil }

// tapOffsets fills offs with the byte offset of every tap's B row.
func (c Conv) tapOffsets(d directGeom, offs []int) {
	for kk := range offs {
		kw := kk % c.KW
		kh := kk / c.KW % c.KH
		ci := kk / (c.KW * c.KH)
		offs[kk] = 4 * (ci*d.hp*d.wp + kh*d.wp + kw)
	}
}

// padImage copies image x into the interior of the zero-bordered buffer p.
func (c Conv) padImage(d directGeom, x, p []float32) {
	for ci := 0; ci < c.InC; ci++ {
		for ih := 0; ih < c.InH; ih++ {
			copy(p[ci*d.hp*d.wp+(ih+c.Pad)*d.wp+c.Pad:][:c.InW], x[(ci*c.InH+ih)*c.InW:][:c.InW])
		}
	}
}

// tileMask returns which of the nr wide columns from j0 are real outputs, and the
// index in the output plane of the first of them.
func (c Conv) tileMask(d directGeom, j0, nr int) (mask uint32, first int) {
	ow := c.OutW()
	oh, col := j0/d.wp, j0%d.wp
	first = oh*ow + min(col, ow)
	for i := 0; i < nr && j0+i < d.wideN; i++ {
		if col < ow {
			mask |= 1 << i
		}
		if col++; col == d.wp {
			col = 0
		}
	}
	return mask, first
}

// planTiles lays the wide grid out in tiles of nr lanes: their starting wide
// columns, masks of output lanes and first output indices, and the offset of
// each tile row's second half.
func (f *convFwd) planTiles(nr int) {
	c, d := f.c, f.dg
	oh, ow := c.OutH(), c.OutW()
	full := uint32(1)<<nr - 1
	f.half = nr / 2
	switch {
	case ow%nr == 0:
		for i := 0; i < oh; i++ {
			for c0 := 0; c0 < ow; c0 += nr {
				f.addTile(i*d.wp+c0, full, i*ow+c0)
			}
		}
	case 2*ow == nr:
		f.half = d.wp
		for i := 0; i < oh; i += 2 {
			mask := full
			if i+1 == oh {
				mask = 1<<ow - 1 // the last, odd row alone
			}
			f.addTile(i*d.wp, mask, i*ow)
		}
	default:
		for j0 := 0; j0 < d.wideN; j0 += nr {
			if mask, first := c.tileMask(d, j0, nr); mask != 0 {
				f.addTile(j0, mask, first)
			}
		}
	}
}

func (f *convFwd) addTile(start int, mask uint32, first int) {
	f.starts, f.masks, f.firsts = append(f.starts, start), append(f.masks, mask), append(f.firsts, first)
}

// runDirect computes chunk (an image's range of tiles) of an in-place convolution.
func (f *convFwd) runDirect(part, chunk int) {
	c, kern, d := f.c, f.kern, f.dg
	m, n, k := c.dims()
	mr, nr := kern.mr, kern.nr
	img, t0 := chunk/f.chunksImg, chunk%f.chunksImg*f.perChunk
	t1 := min(f.panels, t0+f.perChunk)
	pad := f.ws[part*c.partLen():][:d.padLen()]
	if f.partImg[part] != img {
		if f.partImg[part] < 0 {
			clear(pad) // borders and slack stay zero for the rest of the call
		}
		c.padImage(d, f.x[img*c.InC*c.InH*c.InW:][:c.InC*c.InH*c.InW], pad)
		f.partImg[part] = img
	}
	y := f.y[img*m*n:][:m*n]
	var flags tileFlags
	if f.b != nil {
		flags |= tileBias
	}
	if f.act == ActReLU {
		flags |= tileReLU
	}
	span := d.maxOff + f.half + nr/2
	for t := t0; t < t1; t++ {
		j0, mask, first := f.starts[t], f.masks[t], f.firsts[t]
		for ir := 0; ir < m; ir += mr {
			rows := min(mr, m-ir)
			var bias []float32
			if f.b != nil {
				bias = f.b[ir : ir+rows]
			}
			kern.direct(k, f.wp[ir*k:ir*k+mr*k], pad[j0:], span, f.offs, f.half, y[ir*n+first:], n, rows, mask, flags, bias)
		}
	}
}
