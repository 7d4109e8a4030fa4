package jpegscale

import (
	"encoding/binary"
	"errors"
	"io"
)

// source is a small buffered byte reader. It exists instead of bufio so the
// entropy decoder can read bytes without an interface call each.
type source struct {
	r    io.Reader
	buf  [4096]byte
	i, j int
	err  error
}

func (s *source) readByte() (byte, error) {
	if s.i == s.j {
		if s.err != nil {
			return 0, s.err
		}
		n, err := io.ReadAtLeast(s.r, s.buf[:], 1)
		s.i, s.j = 0, n
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			s.err = err
			if n == 0 {
				return 0, err
			}
		}
	}
	b := s.buf[s.i]
	s.i++
	return b, nil
}

func (s *source) readFull(p []byte) error {
	for k := range p {
		b, err := s.readByte()
		if err != nil {
			return corrupt("truncated segment: %v", err)
		}
		p[k] = b
	}
	return nil
}

func (s *source) skip(n int) error {
	for ; n > 0; n-- {
		if _, err := s.readByte(); err != nil {
			return corrupt("truncated segment: %v", err)
		}
	}
	return nil
}

// bitReader reads entropy-coded data (T.81 F.2.2.5): a 0xFF byte is followed
// by a stuffed 0x00, anything else is a marker that ends the segment. After a
// marker the decoder is fed zero bits, as the standard leaves the rest of an
// interrupted segment undefined; running out of bytes is an error.
type bitReader struct {
	src    *source
	acc    uint64 // bits are consumed from the top
	n      uint   // valid bits in acc
	marker byte   // marker met inside the entropy data, 0 if none yet
	err    error
}

// noFF reports whether none of w's eight bytes is 0xFF: a zero byte in ^w
// makes (^w - 0x01...) borrow into that byte's top bit where w has it set.
func noFF(w uint64) bool {
	return (^w-0x0101010101010101)&w&0x8080808080808080 == 0
}

// word returns the next eight buffered bytes, big-endian, if there are
// eight and none is 0xFF. It is the entropy decoder's fast refill (fill,
// and seqBlock, which writes it out in place to keep its accumulator in
// registers): whole bytes from one load, so stuffing and markers only ever
// meet the byte-by-byte path.
//
// The load is ORed in whole, so the bits below the last whole byte taken
// (fewer than 8) already hold the top of the next unread byte. Whichever
// path reads that byte next ORs the same bits at the same place, so they
// are never wrong, and nothing reads below n.
func (s *source) word() (uint64, bool) {
	if s.i+8 > s.j {
		return 0, false
	}
	w := binary.BigEndian.Uint64(s.buf[s.i:])
	return w, noFF(w)
}

// refillSlow is fill for a caller holding acc and n in locals.
func (b *bitReader) refillSlow(acc uint64, n uint) (uint64, uint) {
	b.acc, b.n = acc, n
	b.fill()
	return b.acc, b.n
}

func (b *bitReader) fill() {
	for b.n <= 56 {
		if w, ok := b.src.word(); ok && b.marker == 0 {
			k := (63 - b.n) >> 3
			b.src.i += int(k)
			b.acc |= w >> (b.n & 63)
			b.n += 8 * k
			return // k whole bytes leave at least 56 bits
		}
		var c byte
		if b.marker == 0 && b.err == nil {
			var err error
			c, err = b.src.readByte()
			if err != nil {
				b.err = corrupt("truncated scan data")
				c = 0
			} else if c == 0xFF {
				c2, err := b.src.readByte()
				for err == nil && c2 == 0xFF {
					c2, err = b.src.readByte()
				}
				switch {
				case err != nil:
					b.err = corrupt("truncated scan data")
					c = 0
				case c2 != 0:
					b.marker = c2
					c = 0
				}
			}
		}
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

// bits reads n <= 16 bits; n == 0 yields 0 because Go defines a shift by 64
// of a uint64 as 0.
func (b *bitReader) bits(n uint) int32 {
	if b.n < n {
		b.fill()
	}
	v := int32(b.acc >> (64 - n))
	b.acc <<= n
	b.n -= n
	return v
}

func (b *bitReader) bit() bool {
	return b.bits(1) != 0
}

// receiveExtend reads an s-bit magnitude and sign-extends it (T.81 F.2.2.1).
func (b *bitReader) receiveExtend(s uint8) int32 {
	v := b.bits(uint(s))
	if s != 0 && v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// restart discards the bits left before a restart marker and checks that the
// marker is RSTn with the expected n.
func (b *bitReader) restart(want byte) error {
	b.acc, b.n = 0, 0
	if b.marker == 0 {
		for {
			c, err := b.src.readByte()
			if err != nil {
				return corrupt("truncated before restart marker")
			}
			if c != 0xFF {
				continue
			}
			for c == 0xFF {
				if c, err = b.src.readByte(); err != nil {
					return corrupt("truncated before restart marker")
				}
			}
			if c != 0 {
				b.marker = c
				break
			}
		}
	}
	if b.marker != 0xD0+want {
		return corrupt("expected RST%d, found marker %#x", want, b.marker)
	}
	b.marker = 0
	return nil
}
