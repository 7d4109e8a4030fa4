package imageio

import (
	"encoding/binary"
	"fmt"

	"github.com/aquaml/aquaml/platform/inference/imageio/jpegscale"
)

// Cost is what decoding one image will claim, estimated from its header
// before any pixel memory is allocated.
type Cost struct {
	Format      string
	Width       int  // as stored, before EXIF orientation
	Height      int  // as stored
	BitDepth    int  // bits per sample (PNG: 1-16; others 8)
	Progressive bool // JPEG SOF2: every coefficient is kept until the last scan
	Interlaced  bool // PNG Adam7: cannot be streamed row by row
	Streamed    bool // decoded row by row into the resize, no full-size image
	// Scale is the JPEG's decode scale denominator (8, 4, 2 or 1) when it
	// is decoded for a given input size; 0 otherwise.
	Scale int
	// Memory is the peak bytes the decode and resize hold at once.
	Memory int64
	// Work is the pixel count weighted by how much harder the format is
	// to decode than a baseline JPEG; it picks the heavy decodes.
	Work int64
}

// Heavy reports whether the decode needs one of the budget's heavy slots.
func (c Cost) Heavy() bool { return c.Work >= heavyWork }

func (c Cost) describe() string {
	s := fmt.Sprintf("a %dx%d %s", c.Width, c.Height, c.Format)
	switch {
	case c.Progressive:
		s += " (progressive)"
	case c.Interlaced:
		s += " (interlaced)"
	}
	if c.BitDepth > 8 {
		s += fmt.Sprintf(" (%d-bit)", c.BitDepth)
	}
	return s
}

// Estimate reports what Preprocess at size x size would cost for data,
// after the checks of Probe; for a width x height input, size is the longer
// side, which bounds what Preprocess holds. size <= 0 estimates Decode,
// which keeps the full-size image.
func Estimate(data []byte, lim Limits, size int) (Cost, error) {
	info, _, err := probe(data, lim)
	if err != nil {
		return Cost{}, err
	}
	return estimate(data, info, size), nil
}

// estimate works from a header probe already validated. Every figure is
// an upper bound of what the standard library decoders allocate.
func estimate(data []byte, info Info, size int) Cost {
	w, h := int64(info.Width), int64(info.Height)
	if info.Orientation >= 5 {
		w, h = h, w
	}
	c := Cost{Format: info.Format, Width: int(w), Height: int(h), BitDepth: 8}
	px := w * h
	var work int64 = px
	switch info.Format {
	case FormatJPEG:
		j := jpegFrame(data)
		c.Progressive = j.progressive
		if size > 0 && j.components != 4 && jpegscale.ChooseScale(int(w), int(h), jpegMargin*size, jpegMargin*size) > 1 {
			// Decoded in the DCT domain at the scale the input needs.
			// Reading every coefficient still costs what a full decode's
			// entropy decoding does, so the work stays that of the photo.
			c.Memory, c.Scale = scaledJPEGBytes(j, w, h, size)
			if j.progressive {
				work = 3 * px
			}
			break
		}
		c.Memory = j.planeBytes(w, h, 1)
		if j.components == 4 {
			c.Memory += 4 * px // YCCK/CMYK is converted into a second image
		}
		if j.progressive {
			// image/jpeg keeps a [64]int32 block per 8x8 samples of every
			// component until the last scan.
			c.Memory += j.planeBytes(w, h, 4)
			work = 3 * px
		}
		if info.Orientation != 1 {
			c.Memory += 4 * px // Orient copies into an RGBA image
		}
	case FormatPNG:
		p := pngInfo(data)
		c.BitDepth, c.Interlaced = p.depth, p.interlaced
		if p.depth == 16 {
			work = 2 * px
		}
		rowBytes := (int64(p.bitsPerPixel())*w+7)/8 + 1
		if size > 0 && !p.interlaced {
			c.Streamed = true
			c.Memory = 2*rowBytes + 64<<10 // two rows, inflate window and a one-row image
		} else {
			c.Memory = p.imageBytesPerPixel()*px + 2*rowBytes
			if p.interlaced {
				c.Memory *= 2 // each pass is decoded into its own image, then merged
				work *= 2
			}
		}
	case FormatGIF:
		c.Memory = px + 3<<20 // one paletted frame; LZW tables and palette
	case FormatBMP:
		c.Memory = 4 * px
		if len(data) >= 30 && binary.LittleEndian.Uint16(data[28:30]) <= 8 {
			c.Memory = px
		}
	case FormatWebP:
		// Lossy: 4:2:0 planes plus alpha, then webpToRGB's NRGBA copy.
		// Lossless: the ARGB pixels and its transform buffer.
		c.Memory = 13 * px / 2
		if len(data) >= 16 && string(data[12:16]) == "VP8L" {
			c.Memory = 8 * px
		}
		work = 2 * px
	}
	if size > 0 {
		// resample: one source row and the horizontally resized rows.
		c.Memory += 4 * 3 * (w + int64(size)*h)
	}
	c.Work = work
	return c
}

// jpegHeader is what the frame header (SOFn) says about memory.
type jpegHeader struct {
	progressive bool
	components  int
	h, v        [4]int // sampling factors
}

// jpegFrame finds the SOF marker; a header it cannot read is costed as
// progressive 4:4:4, the most expensive kind.
func jpegFrame(data []byte) jpegHeader {
	worst := jpegHeader{progressive: true, components: 3, h: [4]int{1, 1, 1, 1}, v: [4]int{1, 1, 1, 1}}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return worst
		}
		m := data[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01 {
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2 : i+4]))
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			seg := data[i+4:]
			if n < 8 || len(seg) < 6 {
				return worst
			}
			j := jpegHeader{progressive: m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE, components: int(seg[5])}
			if j.components < 1 || j.components > 4 || len(seg) < 6+3*j.components {
				return worst
			}
			for k := range j.components {
				f := seg[6+3*k+1]
				j.h[k], j.v[k] = max(1, int(f>>4)), max(1, int(f&15))
			}
			return j
		}
		i += 2 + n
	}
	return worst
}

// planeBytes is bytes per sample times the samples of every component,
// padded to whole MCUs as image/jpeg allocates them.
func (j jpegHeader) planeBytes(w, h, perSample int64) int64 {
	hmax, vmax := 1, 1
	for k := range j.components {
		hmax, vmax = max(hmax, j.h[k]), max(vmax, j.v[k])
	}
	mxx := (w + 8*int64(hmax) - 1) / (8 * int64(hmax))
	myy := (h + 8*int64(vmax) - 1) / (8 * int64(vmax))
	var n int64
	for k := range j.components {
		n += mxx * myy * int64(j.h[k]*j.v[k]) * 64
	}
	return n * perSample
}

// pngHead is the part of IHDR (and tRNS) that sets the decode cost.
type pngHead struct {
	depth, colorType int
	interlaced       bool
	transparent      bool // a tRNS chunk before the first IDAT
}

func pngInfo(data []byte) pngHead {
	p := pngHead{depth: 16, colorType: 6}
	if len(data) < 33 {
		return p
	}
	p.depth, p.colorType, p.interlaced = int(data[24]), int(data[25]), data[28] == 1
	for i := 33; i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i : i+4]))
		switch string(data[i+4 : i+8]) {
		case "tRNS":
			p.transparent = true
		case "IDAT", "IEND":
			return p
		}
		if n < 0 || n > len(data) {
			return p
		}
		i += 12 + n
	}
	return p
}

func (p pngHead) channels() int {
	switch p.colorType {
	case 2:
		return 3
	case 4:
		return 2
	case 6:
		return 4
	}
	return 1
}

func (p pngHead) bitsPerPixel() int { return p.channels() * p.depth }

// imageBytesPerPixel follows image/png's choice of image type.
func (p pngHead) imageBytesPerPixel() int64 {
	switch {
	case p.colorType == 3:
		return 1
	case p.colorType == 0 && !p.transparent:
		return int64(max(1, p.depth/8))
	case p.depth == 16:
		return 8
	}
	return 4
}

// scaledFor is the input size to decode a JPEG reduced for, 0 when the
// estimate chose a full decode (a photo too small to reduce keeps the
// standard decoder's exact pixels).
func (c Cost) scaledFor(size int) int {
	if c.Scale > 1 {
		return size
	}
	return 0
}

// scaledJPEGBytes bounds what jpegscale holds decoding at the scale it
// picks for a size x size input: the scaled output (4 bytes a pixel at
// most) and, for progressive files, the coefficients kept per 8x8 block,
// which shrink with the scale (measured on 12 MP 4:2:0 photos: 12, 24, 48
// and 135 bytes a block at 1/8, 1/4, 1/2 and full scale).
func scaledJPEGBytes(j jpegHeader, w, h int64, size int) (int64, int) {
	s := jpegscale.ChooseScale(int(w), int(h), jpegMargin*size, jpegMargin*size)
	sw, sh := (w+int64(s)-1)/int64(s), (h+int64(s)-1)/int64(s)
	mem := 4*sw*sh + 256<<10
	if j.progressive {
		perBlock := map[int]int64{8: 16, 4: 32, 2: 64, 1: 144}[s]
		mem += j.planeBytes(w, h, 1) / 64 * perBlock
	}
	return mem, s
}
