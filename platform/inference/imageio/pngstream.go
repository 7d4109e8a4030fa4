package imageio

import (
	"compress/zlib"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"io"
)

// pngStream decodes a non-interlaced PNG one row at a time (PNG spec,
// sections 5-9: chunks, zlib, per-row filters), so a large photo never
// exists as a full-size image. Each row is unpacked into a one-row image
// of the very type image/png would return and read by the same rowReader,
// so the pixels are exactly those of png.Decode.
type pngStream struct {
	w, h      int
	depth, ct int
	bpp       int // bytes per complete pixel, at least 1 (filter unit)
	transp    [6]byte
	useTransp bool
	palette   color.Palette
	zr        io.ReadCloser
	idat      *idatReader
	cur, prev []byte
	row       image.Image // one-row image refilled for every row
	rows      rowReader
	y         int
	gray      *image.Gray
	gray16    *image.Gray16
	rgba      *image.RGBA
	rgba64    *image.RGBA64
	nrgba     *image.NRGBA
	nrgba64   *image.NRGBA64
	paletted  *image.Paletted
}

var errPNG = errors.New("png: invalid format")

func pngFail(detail string) error {
	return newError(ErrCorrupt, FormatPNG, detail, errPNG)
}

// newPNGStream reads the chunks before the pixel data. The header was
// already validated by png.DecodeConfig in probe.
func newPNGStream(data []byte) (*pngStream, error) {
	if len(data) < 33 {
		return nil, pngFail("short header")
	}
	p := &pngStream{
		w: int(binary.BigEndian.Uint32(data[16:20])), h: int(binary.BigEndian.Uint32(data[20:24])),
		depth: int(data[24]), ct: int(data[25]),
	}
	if data[28] != 0 {
		return nil, newError(ErrUnsupportedFormat, FormatPNG, "interlaced PNG cannot be streamed", nil)
	}
	off := 8
	seenPLTE := false
	for {
		name, body, next, err := pngChunk(data, off)
		if err != nil {
			return nil, err
		}
		switch name {
		case "IHDR":
			if off != 8 {
				return nil, pngFail("chunk out of order")
			}
		case "PLTE":
			if err := p.parsePLTE(body); err != nil {
				return nil, err
			}
			seenPLTE = true
		case "tRNS":
			if err := p.parseTRNS(body); err != nil {
				return nil, err
			}
		case "IDAT":
			if p.ct == 3 && !seenPLTE {
				return nil, pngFail("chunk out of order")
			}
			p.idat = &idatReader{data: data, next: off}
			zr, err := zlib.NewReader(p.idat)
			if err != nil {
				return nil, newError(ErrCorrupt, FormatPNG, "", err)
			}
			p.zr = zr
			p.alloc()
			return p, nil
		case "IEND":
			return nil, pngFail("no pixel data")
		}
		off = next
	}
}

func (p *pngStream) parsePLTE(b []byte) error {
	np := len(b) / 3
	switch p.ct {
	case 3:
		if len(b)%3 != 0 || np <= 0 || np > 256 || np > 1<<p.depth {
			return pngFail("bad PLTE length")
		}
		p.palette = make(color.Palette, np, 256)
		for i := range np {
			p.palette[i] = color.RGBA{b[3*i], b[3*i+1], b[3*i+2], 0xff}
		}
	case 2, 6:
		// Optional and ignored for truecolour (section 4.1.2).
	default:
		return pngFail("PLTE, color type mismatch")
	}
	return nil
}

func (p *pngStream) parseTRNS(b []byte) error {
	switch p.ct {
	case 0:
		if len(b) != 2 {
			return pngFail("bad tRNS length")
		}
		copy(p.transp[:], b)
		switch p.depth { // compare with the scaled grey value, as image/png does
		case 1:
			p.transp[1] *= 0xff
		case 2:
			p.transp[1] *= 0x55
		case 4:
			p.transp[1] *= 0x11
		}
		p.useTransp = true
	case 2:
		if len(b) != 6 {
			return pngFail("bad tRNS length")
		}
		copy(p.transp[:], b)
		p.useTransp = true
	case 3:
		if len(b) > 256 || p.palette == nil {
			return pngFail("bad tRNS length")
		}
		if len(p.palette) < len(b) {
			p.palette = p.palette[:len(b)]
		}
		for i := range b {
			c, _ := p.palette[i].(color.RGBA) // beyond PLTE: zero, as image/png leaves it
			p.palette[i] = color.NRGBA{c.R, c.G, c.B, b[i]}
		}
	default:
		return pngFail("tRNS, color type mismatch")
	}
	return nil
}

// alloc makes the row buffers and the one-row image of png.Decode's type.
func (p *pngStream) alloc() {
	bits := p.depth * pngHead{colorType: p.ct}.channels()
	p.bpp = max(1, bits/8)
	n := 1 + (bits*p.w+7)/8
	p.cur, p.prev = make([]byte, n), make([]byte, n)
	r := image.Rect(0, 0, p.w, 1)
	switch {
	case p.ct == 3:
		full := p.palette[:cap(p.palette)]
		for i := len(p.palette); i < len(full); i++ {
			full[i] = color.RGBA{0, 0, 0, 0xff} // out-of-range indices are opaque black
		}
		p.paletted = image.NewPaletted(r, full)
		p.row = p.paletted
	case p.depth == 16 && (p.ct == 4 || p.ct == 6 || p.useTransp):
		p.nrgba64 = image.NewNRGBA64(r)
		p.row = p.nrgba64
	case p.depth == 16 && p.ct == 0:
		p.gray16 = image.NewGray16(r)
		p.row = p.gray16
	case p.depth == 16:
		p.rgba64 = image.NewRGBA64(r)
		p.row = p.rgba64
	case p.ct == 4 || p.ct == 6 || p.useTransp:
		p.nrgba = image.NewNRGBA(r)
		p.row = p.nrgba
	case p.ct == 0:
		p.gray = image.NewGray(r)
		p.row = p.gray
	default:
		p.rgba = image.NewRGBA(r)
		p.row = p.rgba
	}
	p.rows.reset(p.row)
}

// next decodes the next row into dst as RGB, like readRow.
func (p *pngStream) next(dst []float32) error {
	if _, err := io.ReadFull(p.zr, p.cur); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return pngFail("not enough pixel data")
		}
		return p.wrap(err)
	}
	if err := unfilter(p.cur, p.prev, p.bpp); err != nil {
		return err
	}
	p.unpack(p.cur[1:])
	readRow(&p.rows, 0, 0, p.w, dst)
	p.cur, p.prev = p.prev, p.cur
	p.y++
	return nil
}

// finish checks what png.Decode checks after the pixels: the zlib stream
// ends (its checksum holds) and the chunks up to IEND are intact.
func (p *pngStream) finish() error {
	var one [1]byte
	if n, err := p.zr.Read(one[:]); n != 0 || err != io.EOF {
		if n != 0 || err == nil {
			return pngFail("too much pixel data")
		}
		return p.wrap(err)
	}
	off := p.idat.next
	for {
		name, _, next, err := pngChunk(p.idat.data, off)
		if err != nil {
			return err
		}
		switch name {
		case "IEND":
			return nil
		case "IHDR", "PLTE", "tRNS", "IDAT":
			return pngFail("chunk out of order")
		}
		off = next
	}
}

func (p *pngStream) wrap(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return newError(ErrCorrupt, FormatPNG, "", err)
}
