package jpegscale

// streamComp is what the streaming decoder needs of one scan component,
// gathered once per scan.
type streamComp struct {
	dc, ac *huffTable
	c      *component
	p      *plane
	pred   *int32
	mul    [64]int32 // quantisation step by zig-zag index
}

// streamScan decodes a sequential scan holding every component straight
// into the output planes, block by block: no coefficient outlives its block.
func (d *decoder) streamScan() error {
	sc := &d.cur
	d.bits = bitReader{src: &d.src}
	var pred [4]int32
	comps := make([]streamComp, len(sc.comps))
	for i, ci := range sc.comps {
		c := &d.comps[ci]
		s := &comps[i]
		*s = streamComp{dc: d.dc[sc.td[i]], ac: d.ac[sc.ta[i]], c: c, p: &d.planes[ci], pred: &pred[i]}
		for k, q := range d.quant[c.tq] {
			s.mul[k] = int32(q)
		}
	}
	var blk [65]int32 // natural order, and the slot for coefficients nobody reads
	mcu, rst := 0, byte(0)
	for my := 0; my < d.mcusY; my++ {
		for mx := 0; mx < d.mcusX; mx++ {
			if d.restartInt > 0 && mcu > 0 && mcu%d.restartInt == 0 {
				if err := d.bits.restart(rst); err != nil {
					return err
				}
				rst = (rst + 1) & 7
				pred = [4]int32{}
			}
			mcu++
			for i := range comps {
				s := &comps[i]
				c, p := s.c, s.p
				for v := 0; v < c.v; v++ {
					y0 := (my*c.v + v) * c.ny
					for h := 0; h < c.h; h++ {
						d.bits.seqBlock(s.dc, s.ac, s.pred, &c.natIdx, &s.mul, &blk)
						x0 := (mx*c.h + h) * c.nx
						if x0 >= p.w || y0 >= p.h {
							c.clear(&blk)
							continue
						}
						if c.nx <= 2 && c.ny <= 2 {
							idct2(&blk, p.pix[y0*p.stride+x0:], p.stride, min(c.nx, p.w-x0), min(c.ny, p.h-y0))
							blk[0], blk[1], blk[8], blk[9] = 0, 0, 0, 0
							continue
						}
						idct((*[64]int32)(blk[:64]), c.nx, c.ny, p.pix[y0*p.stride+x0:], p.stride, min(c.nx, p.w-x0), min(c.ny, p.h-y0))
						c.clear(&blk)
					}
				}
			}
			if d.bits.err != nil {
				return d.bits.err
			}
		}
	}
	return d.endScan()
}

// clear zeroes the coefficients of blk that the component's transform
// reads, ready for its next block.
func (c *component) clear(blk *[65]int32) {
	if c.nx == 8 && c.ny == 8 {
		*blk = [65]int32{}
		return
	}
	for _, k := range c.used {
		blk[unzig[k]] = 0
	}
}
