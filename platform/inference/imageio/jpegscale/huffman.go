package jpegscale

const lookBits = 9

// huffTable is a decoding table built from a DHT segment (T.81 Annex C and
// F.2.2.3). Codes of up to lookBits bits resolve with one lookup; longer ones
// fall back to the MAXCODE / VALPTR walk of the standard.
type huffTable struct {
	fast    [1 << lookBits]uint16 // length<<8 | value, 0 when the code is longer
	maxCode [17]int32             // largest code of each length, -1 if none
	valPtr  [17]int32             // index into vals of the first code of each length, minus its code
	vals    []uint8
	// fastAC resolves an AC symbol and its magnitude bits together when
	// both fit in lookBits: value<<16 | run<<8 | total length, 0 otherwise.
	fastAC [1 << lookBits]int32
}

func buildHuffman(counts [16]uint8, vals []uint8) (*huffTable, error) {
	h := &huffTable{vals: vals}
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		h.maxCode[l] = -1
		// A full code space leaves no room for more codes (C.2).
		if code+n > 1<<l {
			return nil, corrupt("huffman table overflows its code space")
		}
		if n > 0 {
			h.valPtr[l] = k - code
			for i := int32(0); i < n; i++ {
				if l <= lookBits {
					shift := lookBits - l
					first := int(code) << shift
					for f := 0; f < 1<<shift; f++ {
						h.fast[first+f] = uint16(l)<<8 | uint16(vals[k])
					}
				}
				code++
				k++
			}
			h.maxCode[l] = code - 1
		}
		code <<= 1
	}
	h.buildFastAC()
	return h, nil
}

func (h *huffTable) buildFastAC() {
	for peek := range h.fast {
		e := h.fast[peek]
		l, rs := int(e>>8), uint8(e)
		r, s := int(rs>>4), int(rs&15)
		if e == 0 || s == 0 || l+s > lookBits {
			continue
		}
		v := int32(peek>>(lookBits-l-s)) & (1<<s - 1)
		if v < 1<<(s-1) {
			v += -1<<s + 1
		}
		h.fastAC[peek] = v<<16 | int32(r)<<8 | int32(l+s)
	}
}

// decode reads one Huffman-coded symbol.
func (b *bitReader) decode(h *huffTable) uint8 {
	if b.n < 16 {
		b.fill()
	}
	if e := h.fast[b.acc>>(64-lookBits)]; e != 0 {
		l := uint(e >> 8)
		b.acc <<= l
		b.n -= l
		return uint8(e)
	}
	return b.decodeSlow(h)
}

// decodeSlow resolves codes longer than lookBits (T.81 F.2.2.3).
func (b *bitReader) decodeSlow(h *huffTable) uint8 {
	for l := lookBits + 1; l <= 16; l++ {
		code := int32(b.acc >> (64 - uint(l)))
		if code <= h.maxCode[l] {
			b.acc <<= uint(l)
			b.n -= uint(l)
			return h.vals[h.valPtr[l]+code]
		}
	}
	if b.err == nil {
		b.err = corrupt("bad huffman code")
	}
	return 0
}
