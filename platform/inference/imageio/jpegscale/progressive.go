package jpegscale

import "math/bits"

// acFirst decodes the first pass over a spectral band (T.81 G.1.2.2).
func (d *decoder) acFirst(st *scanState, blk coefBlock, h *huffTable) {
	if st.eobrun > 0 {
		st.eobrun--
		return
	}
	sc := &d.cur
	for k := int(sc.ss); k <= int(sc.se); {
		rs, v := d.bits.symbol(h)
		r, s := int(rs>>4), rs&15
		if s == 0 {
			if r < 15 {
				// EOBn: this block and 2^r - 1 + extra bits more end here.
				st.eobrun = 1<<r - 1
				if r > 0 {
					st.eobrun += d.bits.bits(uint(r))
				}
				return
			}
			k += 16
			continue
		}
		k += r
		if k > int(sc.se) {
			d.fail("AC run past the spectral band")
			return
		}
		blk.set(k, int16(v<<sc.al))
		k++
	}
}

// acRefine decodes a successive-approximation pass over a spectral band
// (T.81 G.1.2.3): newly significant coefficients arrive as +-1 at bit Al,
// and every coefficient already non-zero gets one correction bit, including
// those skipped over by a run of zeros.
func (d *decoder) acRefine(st *scanState, blk coefBlock, h *huffTable) {
	sc := &d.cur
	p1 := int16(1) << sc.al
	m1 := int16(-1) << sc.al
	k, se := int(sc.ss), int(sc.se)
	// refine reads the correction bit of a non-zero coefficient; the value
	// is only adjusted where the output reads it.
	refine := func(k int) {
		if !d.bits.bit() {
			return
		}
		p := blk.pos[k]
		if p < 0 {
			return
		}
		if c := &blk.vals[p]; *c&p1 == 0 {
			if *c >= 0 {
				*c += p1
			} else {
				*c += m1
			}
		}
	}
	if st.eobrun == 0 {
		for ; k <= se; k++ {
			rs := d.bits.decode(h)
			r, s := int(rs>>4), rs&15
			var val int16
			switch {
			case s == 0 && r < 15:
				st.eobrun = 1 << r
				if r > 0 {
					st.eobrun += d.bits.bits(uint(r))
				}
			case s == 0:
				// ZRL: skip 16 zero-history coefficients.
			case s == 1:
				val = m1
				if d.bits.bit() {
					val = p1
				}
			default:
				d.fail("refinement magnitude %d", s)
				return
			}
			if st.eobrun > 0 {
				break
			}
			for ; k <= se; k++ {
				if blk.nonzero(k) {
					refine(k)
					continue
				}
				if r == 0 {
					break
				}
				r--
			}
			if val != 0 && k <= se {
				blk.set(k, val)
			}
			if d.bits.err != nil {
				return
			}
		}
	}
	if st.eobrun > 0 {
		// Inside an EOB run only the coefficients already non-zero take
		// a bit: visit just those, lowest index first. In a smooth photo
		// most blocks have none.
		if k <= se {
			m := *blk.mask &^ (1<<uint(k) - 1)
			if se < 63 {
				m &= 1<<uint(se+1) - 1
			}
			for ; m != 0; m &= m - 1 {
				refine(bits.TrailingZeros64(m))
			}
		}
		st.eobrun--
	}
}
