package imageio

import (
	"image"
	"image/color"
)

// rowReader converts rows of any image.Image to packed 8-bit RGB, composited
// over black. Common concrete types are read straight from their pixel
// buffers; anything else goes through At, which is correct but slower.
type rowReader struct {
	img     image.Image
	palette [256][3]uint8 // premultiplied palette of an *image.Paletted
}

func newRowReader(img image.Image) *rowReader {
	r := new(rowReader)
	r.reset(img)
	return r
}

// reset points r at img, so a pooled reader can be reused without allocating.
func (r *rowReader) reset(img image.Image) {
	r.img = img
	if p, ok := img.(*image.Paletted); ok {
		r.palette = [256][3]uint8{}
		for i, c := range p.Palette {
			if i >= len(r.palette) {
				break
			}
			r.palette[i] = rgb8(c)
		}
	}
}

// rgb8 returns the colour premultiplied by its alpha, i.e. composited over black.
func rgb8(c color.Color) [3]uint8 {
	if c == nil {
		return [3]uint8{}
	}
	r, g, b, _ := c.RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

// mulAlpha composites an 8-bit straight-alpha channel over black.
func mulAlpha(v, a uint8) uint8 {
	return uint8((uint32(v)*uint32(a) + 127) / 255)
}

// mulAlpha16 composites a big-endian 16-bit straight-alpha sample over
// black and keeps the high byte, as color.NRGBA64's RGBA method does.
func mulAlpha16(hi, lo uint8, a uint32) uint8 {
	return uint8((uint32(hi)<<8 | uint32(lo)) * a / 0xffff >> 8)
}

// sample is the element type rows are written as: bytes for Orient, floats
// for the resampler (converting while reading saves a pass).
type sample interface{ uint8 | float32 }

// readRow writes pixels [x0,x1) of row y (absolute coordinates inside the
// bounds) to dst as R,G,B triples; dst must hold 3*(x1-x0) values.
func readRow[T sample](r *rowReader, y, x0, x1 int, dst []T) {
	n := x1 - x0
	dst = dst[:3*n]
	switch m := r.img.(type) {
	case *image.YCbCr:
		ycbcrRow(m, y, x0, x1, dst)
	case *image.RGBA:
		src := m.Pix[m.PixOffset(x0, y):][:4*n]
		for i := range n {
			p, q := dst[3*i:3*i+3], src[4*i:4*i+4]
			p[0], p[1], p[2] = T(q[0]), T(q[1]), T(q[2])
		}
	case *image.NRGBA:
		src := m.Pix[m.PixOffset(x0, y):][:4*n]
		for i := range n {
			p, q := dst[3*i:3*i+3], src[4*i:4*i+4]
			if a := q[3]; a != 0xFF {
				p[0], p[1], p[2] = T(mulAlpha(q[0], a)), T(mulAlpha(q[1], a)), T(mulAlpha(q[2], a))
				continue
			}
			p[0], p[1], p[2] = T(q[0]), T(q[1]), T(q[2])
		}
	case *image.Gray:
		src := m.Pix[m.PixOffset(x0, y):][:n]
		for i, v := range src {
			p := dst[3*i : 3*i+3]
			p[0], p[1], p[2] = T(v), T(v), T(v)
		}
	case *image.Gray16:
		src := m.Pix[m.PixOffset(x0, y):][:2*n]
		for i := range n {
			v := T(src[2*i]) // high byte of the big-endian sample
			p := dst[3*i : 3*i+3]
			p[0], p[1], p[2] = v, v, v
		}
	case *image.RGBA64:
		// What At(...).RGBA() >> 8 gives: the high byte of each channel.
		src := m.Pix[m.PixOffset(x0, y):][:8*n]
		for i := range n {
			p, q := dst[3*i:3*i+3], src[8*i:8*i+8]
			p[0], p[1], p[2] = T(q[0]), T(q[2]), T(q[4])
		}
	case *image.NRGBA64:
		src := m.Pix[m.PixOffset(x0, y):][:8*n]
		for i := range n {
			p, q := dst[3*i:3*i+3], src[8*i:8*i+8]
			a := uint32(q[6])<<8 | uint32(q[7])
			p[0] = T(mulAlpha16(q[0], q[1], a))
			p[1] = T(mulAlpha16(q[2], q[3], a))
			p[2] = T(mulAlpha16(q[4], q[5], a))
		}
	case *image.Paletted:
		src := m.Pix[m.PixOffset(x0, y):][:n]
		for i, v := range src {
			c, p := &r.palette[v], dst[3*i:3*i+3]
			p[0], p[1], p[2] = T(c[0]), T(c[1]), T(c[2])
		}
	case *image.CMYK:
		src := m.Pix[m.PixOffset(x0, y):][:4*n]
		for i := range n {
			q := src[4*i : 4*i+4]
			cr, cg, cb := color.CMYKToRGB(q[0], q[1], q[2], q[3])
			dst[3*i], dst[3*i+1], dst[3*i+2] = T(cr), T(cg), T(cb)
		}
	default:
		for i := range n {
			c := rgb8(r.img.At(x0+i, y))
			dst[3*i], dst[3*i+1], dst[3*i+2] = T(c[0]), T(c[1]), T(c[2])
		}
	}
}

// ycbcrRow converts one row of a YCbCr image without the per-pixel method
// calls of At.
func ycbcrRow[T sample](m *image.YCbCr, y, x0, x1 int, dst []T) {
	n := x1 - x0
	yRow := m.Y[m.YOffset(x0, y):][:n]
	hs, vs := chromaShift(m.SubsampleRatio)
	if hs < 0 || m.Rect.Min.X < 0 || m.Rect.Min.Y < 0 {
		for i, yv := range yRow {
			ci := m.COffset(x0+i, y)
			r, g, b := color.YCbCrToRGB(yv, m.Cb[ci], m.Cr[ci])
			dst[3*i], dst[3*i+1], dst[3*i+2] = T(r), T(g), T(b)
		}
		return
	}
	c := ((y>>vs)-(m.Rect.Min.Y>>vs))*m.CStride + (x0 >> hs) - (m.Rect.Min.X >> hs)
	cn := (x0&(1<<hs-1)+n-1)>>hs + 1
	yccRow(yRow, m.Cb[c:c+cn], m.Cr[c:c+cn], uint(x0&(1<<hs-1)), uint(hs), dst)
}

// yccRow is the hot loop of ycbcrRow, kept small so its state fits in
// registers: pixel i takes chroma sample (i+phase)>>shift. The conversion is
// color.YCbCrToRGB expanded inline, because that function does not inline.
func yccRow[T sample](yRow, cb, cr []uint8, phase, shift uint, dst []T) {
	dst = dst[:3*len(yRow)]
	for i, yv := range yRow {
		j := (uint(i) + phase) >> shift
		yy := int32(yv) * 0x10101
		b1, r1 := int32(cb[j])-128, int32(cr[j])-128
		p := dst[3*i : 3*i+3]
		p[0] = T(clamp16(yy + 91881*r1))
		p[1] = T(clamp16(yy - 22554*b1 - 46802*r1))
		p[2] = T(clamp16(yy + 116130*b1))
	}
}

// clamp16 takes a 16.16 fixed-point value to a byte, saturating at 0 and
// 255. min and max compile to conditional moves: saturated pixels are common
// in underwater photos and would make branches mispredict.
func clamp16(v int32) uint8 {
	return uint8(min(max(v>>16, 0), 255))
}

// chromaShift gives the horizontal and vertical chroma subsampling as bit
// shifts, or -1,-1 for ratios that need the generic offset computation.
func chromaShift(r image.YCbCrSubsampleRatio) (h, v int) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 0, 0
	case image.YCbCrSubsampleRatio422:
		return 1, 0
	case image.YCbCrSubsampleRatio420:
		return 1, 1
	case image.YCbCrSubsampleRatio440:
		return 0, 1
	case image.YCbCrSubsampleRatio411:
		return 2, 0
	case image.YCbCrSubsampleRatio410:
		return 2, 1
	}
	return -1, -1
}
