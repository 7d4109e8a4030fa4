// Package imagetest makes the images the decoder's tests and benchmarks
// need, in particular the small-on-the-wire, huge-when-decoded photos of a
// decompression attack, so that none is ever committed.
package imagetest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// Sides of the attack's photos: just under 40 megapixels each.
const (
	GiantPNGSide  = 6324 // 16-bit RGB: 320 MB as png.Decode's RGBA64
	GiantJPEGSide = 6300 // progressive 4:2:0: 238 MB of coefficients
)

// PNGChunk appends one PNG chunk (length, name, body, CRC) to out.
func PNGChunk(out *bytes.Buffer, name string, body []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(body)))
	out.Write(n[:])
	out.WriteString(name)
	out.Write(body)
	binary.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(append([]byte(name), body...)))
	out.Write(n[:])
}

// GiantPNG writes a w x h 16-bit RGB PNG of one colour: the first row is
// the colour, every other row is filter "Up" of zeros, so it deflates to
// a few hundred KB.
func GiantPNG(w, h int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(name string, body []byte) { PNGChunk(&out, name, body) }
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 2
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	row := make([]byte, 1+6*w)
	for x := range w {
		copy(row[1+6*x:], []byte{0x20, 0x00, 0x80, 0x00, 0xE0, 0x00})
	}
	zw.Write(row)
	clear(row)
	row[0] = 2
	for range h - 1 {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// ProgressiveJPEG writes a w x h progressive (SOF2) 4:2:0 JPEG whose one
// scan sets every DC coefficient to zero: a valid image, mid grey, of
// about w*h/270 bytes. image/jpeg still keeps a coefficient block per 8x8
// samples of each component until the end, as for any progressive file.
func ProgressiveJPEG(w, h int) []byte {
	var b bytes.Buffer
	seg := func(marker byte, body []byte) {
		b.Write([]byte{0xFF, marker, byte((len(body) + 2) >> 8), byte(len(body) + 2)})
		b.Write(body)
	}
	b.Write([]byte{0xFF, 0xD8})
	dqt := make([]byte, 65) // table 0, 8-bit, all ones
	for i := 1; i < 65; i++ {
		dqt[i] = 1
	}
	seg(0xDB, dqt)
	seg(0xC2, []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3,
		1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0})
	// DC table 0: one code of length 1, symbol 0 (difference 0).
	dht := append([]byte{0x00, 1}, make([]byte, 15)...)
	seg(0xC4, append(dht, 0))
	seg(0xDA, []byte{3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0})
	mcus := ((w + 15) / 16) * ((h + 15) / 16)
	bits := mcus * 6 // four Y blocks and one each of Cb and Cr, one bit each
	b.Write(make([]byte, bits/8))
	if bits%8 != 0 {
		b.WriteByte(byte(0xFF >> (bits % 8))) // pad with ones (T.81 F.1.2.3); never 0xFF, so no stuffing
	}
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}
