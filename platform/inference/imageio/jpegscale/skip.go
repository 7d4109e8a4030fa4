package jpegscale

import (
	"sync"
	"sync/atomic"
)

// skipBits is the lookahead of the skip table. Past the last coefficient a
// scale keeps (at 1/8, every AC one) a block's codes are only counted, and
// one step per code is a chain of dependent shifts and loads that made up
// most of a 1080p frame's decode. Twelve bits hold two or three of the
// short codes a photo is mostly made of; 16 KB stays in L1 with the rest.
const skipBits = 12

// skipTable is indexed by the next skipBits bits of an AC scan. An entry
// covers the whole codes (code and magnitude bits) that fit in the window:
//
//	eob<<15 | advance<<8 | bits
//
// where bits is what they take, advance how far they move the coefficient
// index (run + 1 each, 16 for ZRL; an end-of-block code ends the entry and
// sets eob instead of counting). 0 means the first code does not fit.
type skipTable [1 << skipBits]uint16

// skipMinBlocks is the size of a component (in blocks) from which a scan
// uses the skip table: a 512x512 photo's luminance. Smaller photos decode
// in well under a millisecond either way.
var skipMinBlocks = 4096

// skipTables keeps the skip tables of the Huffman tables met so far, by
// their content: nearly every encoder writes the tables of T.81 Annex K, so
// a process builds one or two, not one per photo. Bounded, so files with
// made-up tables cannot grow it.
var (
	skipTables   sync.Map // string(counts + vals) -> *skipTable
	skipCached   atomic.Int32
	skipCacheMax = int32(32)
)

// skipTable returns the skip table of an AC table.
func (h *huffTable) skipTable() *skipTable {
	if h.skip != nil {
		return h.skip
	}
	key := string(h.counts[:]) + string(h.vals)
	if t, ok := skipTables.Load(key); ok {
		h.skip = t.(*skipTable)
		return h.skip
	}
	h.skip = h.buildSkip()
	if skipCached.Add(1) <= skipCacheMax {
		skipTables.Store(key, h.skip)
	}
	return h.skip
}

// buildSkip fills every entry greedily. Entries stop at an advance of 63 so
// the caller can check them against the block's end with one comparison.
func (h *huffTable) buildSkip() *skipTable {
	t := new(skipTable)
	for p := range t {
		used, adv := 0, 0
		for {
			sym, l, ok := h.peekSym(uint32(p), used)
			if !ok {
				break
			}
			s := int(sym & 15)
			if used+l+s > skipBits {
				break
			}
			if s == 0 && sym != 0xF0 {
				used += l
				t[p] = 1<<15 | uint16(adv)<<8 | uint16(used)
				break
			}
			step := int(sym>>4) + 1
			if sym == 0xF0 {
				step = 16
			}
			if adv+step > 63 {
				break
			}
			used += l + s
			adv += step
			t[p] = uint16(adv)<<8 | uint16(used)
		}
	}
	return t
}

// peekSym decodes the code that starts used bits into the skipBits-bit
// window p, if all of it lies inside the window.
func (h *huffTable) peekSym(p uint32, used int) (sym uint8, l int, ok bool) {
	avail := skipBits - used
	for l = 1; l <= min(avail, 16); l++ {
		code := int32(p>>(avail-l)) & (1<<l - 1)
		if code <= h.maxCode[l] {
			return h.vals[h.valPtr[l]+code], l, true
		}
	}
	return 0, 0, false
}
