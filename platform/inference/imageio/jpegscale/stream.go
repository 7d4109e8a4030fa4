package jpegscale

// streamComp is what the streaming decoder needs of one scan component,
// gathered once per scan.
type streamComp struct {
	seq        seqCoder
	c          *component
	p          *plane
	pred       *int32
	mcuW, mcuH int       // the component's pixels per MCU at the output scale
	mul        [64]int32 // quantisation step by zig-zag index
}

// mcuBlock is one block of an interleaved MCU, in decoding order (A.2.3).
type mcuBlock struct {
	s      *streamComp
	dx, dy int // its pixel offset inside the component's part of the MCU
}

// streamScan decodes a sequential scan holding every component straight
// into the output planes, block by block: no coefficient outlives its block.
func (d *decoder) streamScan() error {
	sc := &d.cur
	d.bits = bitReader{src: &d.src}
	var pred [4]int32
	comps := make([]streamComp, len(sc.comps))
	var blocks []mcuBlock
	for i, ci := range sc.comps {
		c := &d.comps[ci]
		s := &comps[i]
		*s = streamComp{c: c, p: &d.planes[ci], pred: &pred[i], mcuW: c.h * c.nx, mcuH: c.v * c.ny}
		for k, q := range d.quant[c.tq] {
			s.mul[k] = int32(q)
		}
		s.seq = newSeqCoder(d.dc[sc.td[i]], d.ac[sc.ta[i]], c, &s.mul, false, c.bw*c.bh >= skipMinBlocks)
		for v := 0; v < c.v; v++ {
			for h := 0; h < c.h; h++ {
				blocks = append(blocks, mcuBlock{s, h * c.nx, v * c.ny})
			}
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
			for i := range blocks {
				s := blocks[i].s
				d.bits.seqBlock(&s.seq, s.pred, &blk)
				c, p := s.c, s.p
				x0, y0 := mx*s.mcuW+blocks[i].dx, my*s.mcuH+blocks[i].dy
				switch {
				case x0 >= p.w || y0 >= p.h:
					c.clear(&blk) // MCU padding
				case c.nx == 1 && c.ny == 1:
					p.pix[y0*p.stride+x0] = clampInt((blk[0] + 1028) >> 3)
					blk[0] = 0
				case c.nx <= 2 && c.ny <= 2:
					idct2(&blk, p.pix[y0*p.stride+x0:], p.stride, min(c.nx, p.w-x0), min(c.ny, p.h-y0))
					blk[0], blk[1], blk[8], blk[9] = 0, 0, 0, 0
				default:
					idct((*[64]int32)(blk[:64]), c.nx, c.ny, p.pix[y0*p.stride+x0:], p.stride, min(c.nx, p.w-x0), min(c.ny, p.h-y0))
					c.clear(&blk)
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
