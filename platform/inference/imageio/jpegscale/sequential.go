package jpegscale

// ones is the multiplier table of a block whose values are stored, not yet
// dequantised.
var ones = func() (m [64]int32) {
	for k := range m {
		m[k] = 1
	}
	return m
}()

// seqBlock decodes one block of a sequential scan (T.81 F.2.2). The DC
// difference is added to *pred; coefficient k (zig-zag order, DC included)
// lands in dst[idx[k]] multiplied by mul[k]. A coefficient the caller does
// not keep has idx 64, a slot nobody reads, so the loop stores without
// asking: at 1/8 every AC value goes there, as only DC reaches the output.
//
// This is the hot loop of a whole decode. The accumulator lives in locals
// so it stays in registers, and one refill per coefficient guarantees room
// for the longest code plus the longest magnitude (16 + 16 bits).
func (b *bitReader) seqBlock(dc, ac *huffTable, pred *int32, idx *[64]uint8, mul *[64]int32, dst *[65]int32) {
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
	if e := dc.look[acc>>(64-lookBits)]; e&0xFF != 0 {
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
		s, diff = b.symbol(dc)
		if s > 15 {
			b.fail("DC magnitude category %d", s)
			return
		}
		acc, n = b.acc, b.n
	}
	*pred += diff
	dst[idx[0]] = *pred * mul[0]
	for k := 1; k < 64; {
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
				break // EOB
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
		dst[idx[k]] = v * mul[k]
		k++
	}
	b.acc, b.n = acc, n
}

func (b *bitReader) fail(format string, args ...any) {
	if b.err == nil {
		b.err = corrupt(format, args...)
	}
}
