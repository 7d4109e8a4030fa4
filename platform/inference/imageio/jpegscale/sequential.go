package jpegscale

// ones is the multiplier table of a block whose values are stored, not yet
// dequantised.
var ones = func() (m [64]int32) {
	for k := range m {
		m[k] = 1
	}
	return m
}()

// seqCoder is what seqBlock needs of one scan component: its tables, and
// where each zig-zag coefficient goes. A coefficient the caller does not
// keep has idx 64, a slot nobody reads; last is the highest kept index.
type seqCoder struct {
	dc, ac *huffTable
	skip   *skipTable // nil when every coefficient is kept
	idx    *[64]uint8
	mul    *[64]int32
	last   int
}

// newSeqCoder describes component c of a sequential scan, streaming
// (dequantised natural order) or storing (raw values in c.vals order).
// skip asks for the skip table, worth its 8 KB on scans of many blocks.
func newSeqCoder(dc, ac *huffTable, c *component, mul *[64]int32, store, skip bool) seqCoder {
	t := seqCoder{dc: dc, ac: ac, idx: &c.natIdx, mul: mul}
	if store {
		t.idx, t.mul = &c.storeIdx, &ones
	}
	for k, i := range t.idx {
		if i < 64 {
			t.last = k
		}
	}
	if skip && t.last < 63 {
		t.skip = ac.skipTable()
	}
	return t
}

// seqBlock decodes one block of a sequential scan (T.81 F.2.2). The DC
// difference is added to *pred; coefficient k (zig-zag order, DC included)
// lands in dst[t.idx[k]] multiplied by t.mul[k]. Past t.last the AC codes
// are only read, to find the block's end: at 1/8 that is every one, as
// only DC reaches the output.
//
// This is the hot loop of a whole decode. The accumulator lives in locals
// so it stays in registers, and one refill per coefficient guarantees room
// for the longest code plus the longest magnitude (16 + 16 bits).
func (b *bitReader) seqBlock(t *seqCoder, pred *int32, dst *[65]int32) {
	acc, n := b.acc, b.n
	if n < 32 {
		if w, ok := b.src.word(); ok && b.marker == 0 {
			k := (63 - n) >> 3
			b.src.i += int(k)
			acc |= w >> (n & 63)
			n += 8 * k
		} else {
			acc, n = b.refillSlow(acc, n)
		}
	}
	var diff int32
	if e := t.dc.look[acc>>(64-lookBits)]; e&0xFF != 0 {
		l := uint(e & 0xFF)
		acc <<= l
		n -= l
		diff = e >> 16
		if s := uint8(e >> 8); s > 15 {
			b.acc, b.n = acc, n
			b.fail("DC magnitude category %d", s)
			return
		}
	} else {
		b.acc, b.n = acc, n
		var s uint8
		s, diff = b.symbol(t.dc)
		if s > 15 {
			b.fail("DC magnitude category %d", s)
			return
		}
		acc, n = b.acc, b.n
	}
	*pred += diff
	dst[t.idx[0]] = *pred * t.mul[0]
	ac, idx, mul := t.ac, t.idx, t.mul
	k := 1
	for k <= t.last {
		if n < 32 {
			if w, ok := b.src.word(); ok && b.marker == 0 {
				k := (63 - n) >> 3
				b.src.i += int(k)
				acc |= w >> (n & 63)
				n += 8 * k
			} else {
				acc, n = b.refillSlow(acc, n)
			}
		}
		var rs uint8
		var v int32
		if e := ac.look[acc>>(64-lookBits)]; e&0xFF != 0 {
			l := uint(e & 0xFF)
			acc <<= l
			n -= l
			rs, v = uint8(e>>8), e>>16
		} else {
			b.acc, b.n = acc, n
			rs, v = b.symbol(ac)
			acc, n = b.acc, b.n
		}
		if rs&15 == 0 {
			if rs != 0xF0 {
				k = 64 // EOB
				break
			}
			k += 16
			continue
		}
		k += int(rs >> 4)
		if k > 63 {
			b.acc, b.n = acc, n
			b.fail("AC run past the end of a block")
			return
		}
		dst[idx[k&63]] = v * mul[k&63]
		k++
	}
	skip := t.skip
	for k < 64 {
		if n < 32 {
			if w, ok := b.src.word(); ok && b.marker == 0 {
				k := (63 - n) >> 3
				b.src.i += int(k)
				acc |= w >> (n & 63)
				n += 8 * k
			} else {
				acc, n = b.refillSlow(acc, n)
			}
		}
		// Several whole codes at once, unless they could reach past the
		// block's end (there the next bits belong to the next block).
		if skip != nil {
			if e := skip[acc>>(64-skipBits)]; e != 0 && k+int(e>>8)&0x7F < 64 {
				l := uint(e & 0xFF)
				acc <<= l
				n -= l
				k += int(e>>8) & 0x7F
				if e&0x8000 != 0 {
					break // EOB
				}
				continue
			}
		}
		var rs uint8
		if e := ac.look[acc>>(64-lookBits)]; e&0xFF != 0 {
			l := uint(e & 0xFF)
			acc <<= l
			n -= l
			rs = uint8(e >> 8)
		} else {
			b.acc, b.n = acc, n
			rs, _ = b.symbol(ac)
			acc, n = b.acc, b.n
		}
		if rs&15 == 0 {
			if rs != 0xF0 {
				break // EOB
			}
			k += 16
			continue
		}
		k += int(rs>>4) + 1
		if k > 64 {
			b.acc, b.n = acc, n
			b.fail("AC run past the end of a block")
			return
		}
	}
	b.acc, b.n = acc, n
}

func (b *bitReader) fail(format string, args ...any) {
	if b.err == nil {
		b.err = corrupt(format, args...)
	}
}
