package jpegscale

// lookBits is the lookahead of the one-step table. Ten bits resolve nearly
// every symbol of the standard tables (Annex K) and, for the small
// coefficients that make up most of a photo, the magnitude bits as well;
// 4 KB a table, so a scan's two or four stay in L1 beside the output rows.
const lookBits = 10

// huffTable is a decoding table built from a DHT segment (T.81 Annex C and
// F.2.2.3). Codes of up to lookBits bits resolve with one lookup; longer ones
// fall back to the MAXCODE / VALPTR walk of the standard.
type huffTable struct {
	// look is indexed by the next lookBits bits. For AC tables the symbol
	// is RS (run<<4 | size), for DC tables the size, so one layout serves
	// both, with size = symbol & 15:
	//   value<<16 | symbol<<8 | code length + size  when the magnitude bits
	//       fit too (value 0 for size 0: DC 0, EOB, ZRL, EOBn whose run
	//       bits are read apart);
	//   code length<<16 | symbol<<8                 when only the code fits;
	//   0                                           when the code is longer.
	look    [1 << lookBits]int32
	maxCode [17]int32 // largest code of each length, -1 if none
	valPtr  [17]int32 // index into vals of the first code of each length, minus its code
	vals    []uint8
	counts  [16]uint8
	skip    *skipTable // built when a scan first skips with this table
}

func buildHuffman(counts [16]uint8, vals []uint8) (*huffTable, error) {
	h := &huffTable{vals: vals, counts: counts}
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
					h.setLook(int(code), l, vals[k])
				}
				code++
				k++
			}
			h.maxCode[l] = code - 1
		}
		code <<= 1
	}
	return h, nil
}

// setLook fills the look entries of one code of length l.
func (h *huffTable) setLook(code, l int, sym uint8) {
	s := int(sym & 15)
	shift := lookBits - l
	for f := 0; f < 1<<shift; f++ {
		peek := code<<shift | f
		if l+s > lookBits {
			h.look[peek] = int32(l)<<16 | int32(sym)<<8
			continue
		}
		v := int32(0)
		if s > 0 {
			v = int32(peek>>(lookBits-l-s)) & (1<<s - 1)
			if v < 1<<(s-1) {
				v += -1<<s + 1
			}
		}
		h.look[peek] = v<<16 | int32(sym)<<8 | int32(l+s)
	}
}

// decode reads one Huffman-coded symbol.
func (b *bitReader) decode(h *huffTable) uint8 {
	if b.n < 16 {
		b.fill()
	}
	e := h.look[b.acc>>(64-lookBits)]
	if e == 0 {
		return b.decodeSlow(h)
	}
	sym := uint8(e >> 8)
	l := uint(e&0xFF) - uint(sym&15)
	if e&0xFF == 0 {
		l = uint(e >> 16)
	}
	b.acc <<= l
	b.n -= l
	return sym
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

// symbol reads one symbol and, for a size s in its low four bits, the s
// magnitude bits sign-extended (F.2.2.1). An EOBn symbol (size 0) comes
// back with its run bits still unread.
func (b *bitReader) symbol(h *huffTable) (sym uint8, v int32) {
	if b.n < 32 {
		b.fill()
	}
	e := h.look[b.acc>>(64-lookBits)]
	if l := uint(e & 0xFF); l != 0 {
		b.acc <<= l
		b.n -= l
		return uint8(e >> 8), e >> 16
	}
	if e != 0 {
		l := uint(e >> 16)
		b.acc <<= l
		b.n -= l
		sym = uint8(e >> 8)
	} else {
		sym = b.decodeSlow(h)
	}
	return sym, b.receiveExtend(sym & 15)
}
