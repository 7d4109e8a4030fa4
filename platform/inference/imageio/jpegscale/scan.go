package jpegscale

// scan is one SOS header (T.81 B.2.3).
type scan struct {
	comps  []int // indices into decoder.comps
	td, ta []uint8
	ss, se uint8
	ah, al uint8
}

func (d *decoder) readSOS(n int) error {
	if n < 1 {
		return corrupt("short scan header")
	}
	ns, err := d.src.readByte()
	if err != nil {
		return corrupt("truncated scan header")
	}
	if ns < 1 || int(ns) > len(d.comps) || n != 4+2*int(ns) {
		return corrupt("scan header with %d components, length %d", ns, n)
	}
	sc := scan{}
	for i := 0; i < int(ns); i++ {
		var b [2]byte
		if err := d.src.readFull(b[:]); err != nil {
			return err
		}
		ci := -1
		for j := range d.comps {
			if d.comps[j].id == b[0] {
				ci = j
			}
		}
		if ci < 0 {
			return corrupt("scan names unknown component %d", b[0])
		}
		for _, prev := range sc.comps {
			if prev == ci {
				return corrupt("component %d twice in a scan", b[0])
			}
		}
		if b[1]>>4 > 3 || b[1]&15 > 3 {
			return corrupt("scan huffman table %#x", b[1])
		}
		sc.comps = append(sc.comps, ci)
		sc.td = append(sc.td, b[1]>>4)
		sc.ta = append(sc.ta, b[1]&15)
	}
	var b [3]byte
	if err := d.src.readFull(b[:]); err != nil {
		return err
	}
	sc.ss, sc.se, sc.ah, sc.al = b[0], b[1], b[2]>>4, b[2]&15
	if !d.progressive {
		sc.ss, sc.se, sc.ah, sc.al = 0, 63, 0, 0
	} else {
		switch {
		case sc.ss == 0 && sc.se != 0:
			return corrupt("progressive DC scan with Se=%d", sc.se)
		case sc.ss > 0 && (ns != 1 || sc.se < sc.ss || sc.se > 63):
			return corrupt("progressive AC scan Ss=%d Se=%d over %d components", sc.ss, sc.se, ns)
		case sc.al > 13 || sc.ah > 13:
			return corrupt("successive approximation Ah=%d Al=%d", sc.ah, sc.al)
		}
	}
	// Check the tables the scan needs now, so the entropy decoder never
	// meets a missing one.
	for i := range sc.comps {
		needDC := sc.ss == 0 && sc.ah == 0
		needAC := sc.se > 0
		if needDC && d.dc[sc.td[i]] == nil || needAC && d.ac[sc.ta[i]] == nil {
			return corrupt("scan uses an undefined huffman table")
		}
	}
	d.cur = sc
	return nil
}

// scanState is the entropy decoder state that restart markers reset.
type scanState struct {
	pred   [4]int32
	eobrun int32
}

// decodeScan runs the entropy decoder over one scan, handing each block to
// the streaming output or to the coefficient store.
func (d *decoder) decodeScan() error {
	if d.stream {
		return d.streamScan()
	}
	sc := &d.cur
	d.bits = bitReader{src: &d.src}
	var st scanState
	bx, by := d.mcusX, d.mcusY
	single := len(sc.comps) == 1
	if single {
		c := &d.comps[sc.comps[0]]
		// A non-interleaved scan covers only the component's own blocks
		// (A.2.2), not the MCU padding.
		cw := (d.width*c.h + d.hmax - 1) / d.hmax
		ch := (d.height*c.v + d.vmax - 1) / d.vmax
		bx, by = (cw+7)/8, (ch+7)/8
	}
	mcu, rst := 0, byte(0)
	for my := 0; my < by; my++ {
		for mx := 0; mx < bx; mx++ {
			if d.restartInt > 0 && mcu > 0 && mcu%d.restartInt == 0 {
				if err := d.bits.restart(rst); err != nil {
					return err
				}
				rst = (rst + 1) & 7
				st = scanState{}
			}
			mcu++
			if single {
				d.block(&st, 0, mx, my)
			} else {
				for i, ci := range sc.comps {
					c := &d.comps[ci]
					for v := 0; v < c.v; v++ {
						for h := 0; h < c.h; h++ {
							d.block(&st, i, mx*c.h+h, my*c.v+v)
						}
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

// endScan positions the source at the marker that follows the scan.
func (d *decoder) endScan() error {
	if d.bits.marker == 0 {
		for {
			c, err := d.src.readByte()
			if err != nil {
				return corrupt("truncated after scan")
			}
			if c != 0xFF {
				continue
			}
			for c == 0xFF {
				if c, err = d.src.readByte(); err != nil {
					return corrupt("truncated after scan")
				}
			}
			if c != 0 {
				d.bits.marker = c
				break
			}
		}
	}
	d.pendingMark = d.bits.marker
	return nil
}

// block decodes the block of scan component i at block coordinates (bx, by)
// into the coefficient store.
func (d *decoder) block(st *scanState, i, bx, by int) {
	sc := &d.cur
	if st.eobrun > 0 && sc.ss > 0 && sc.ah == 0 {
		st.eobrun-- // inside an EOB run a first AC pass reads nothing
		return
	}
	ci := sc.comps[i]
	c := &d.comps[ci]
	bi := by*c.bw + bx
	blk := coefBlock{vals: c.vals[bi*len(c.used):][:len(c.used)], pos: &c.pos, mask: &c.mask[bi]}
	switch {
	case !d.progressive:
		var vals [65]int32
		t := newSeqCoder(d.dc[sc.td[i]], d.ac[sc.ta[i]], c, nil, true, false)
		d.bits.seqBlock(&t, &st.pred[ci], &vals)
		for j := range blk.vals {
			blk.vals[j] = int16(vals[j])
		}
	case sc.ss == 0 && sc.ah == 0:
		s, diff := d.bits.symbol(d.dc[sc.td[i]])
		if s > 15 {
			d.fail("DC magnitude category %d", s)
			return
		}
		st.pred[ci] += diff
		blk.vals[0] = int16(st.pred[ci] << sc.al) // DC is always used
	case sc.ss == 0:
		if d.bits.bit() {
			blk.vals[0] |= 1 << sc.al
		}
	case sc.ah == 0:
		d.acFirst(st, blk, d.ac[sc.ta[i]])
	default:
		d.acRefine(st, blk, d.ac[sc.ta[i]])
	}
}

func (d *decoder) fail(format string, args ...any) {
	d.bits.fail(format, args...)
}

// coefBlock is one block of the coefficient store.
type coefBlock struct {
	vals []int16
	pos  *[64]int8
	mask *uint64
}

// set records coefficient k as non-zero with value v, kept only if used.
func (b coefBlock) set(k int, v int16) {
	*b.mask |= 1 << uint(k)
	if p := b.pos[k]; p >= 0 {
		b.vals[p] = v
	}
}

func (b coefBlock) nonzero(k int) bool {
	return *b.mask&(1<<uint(k)) != 0
}
