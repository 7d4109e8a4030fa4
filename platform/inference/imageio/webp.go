package imageio

import "image"

// webpToRGB converts the planes a lossy WebP decodes to into RGB.
//
// VP8 stores limited-range BT.601 YCbCr, but golang.org/x/image/webp returns
// it as an image.YCbCr, whose conversion assumes full-range JPEG YCbCr: black
// comes out grey and colours lose contrast (golang/go#40173). Converting here
// with libwebp's own fixed-point formulas keeps WebP uploads consistent with
// the same picture sent as JPEG or PNG. Chroma is upsampled by replication,
// not libwebp's bilinear "fancy" upsampling, so edges may differ by a few levels.
func webpToRGB(img image.Image) image.Image {
	var m *image.YCbCr
	var alpha []uint8
	var aStride int
	switch v := img.(type) {
	case *image.YCbCr:
		m = v
	case *image.NYCbCrA:
		m, alpha, aStride = &v.YCbCr, v.A, v.AStride
	default:
		return img // lossless WebP is already RGB
	}
	b := m.Rect
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		yi := m.YOffset(b.Min.X, y)
		o := out.PixOffset(0, y-b.Min.Y)
		for x := b.Min.X; x < b.Max.X; x++ {
			ci := m.COffset(x, y)
			r, g, bl := vp8ToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			a := uint8(0xFF)
			if alpha != nil {
				a = alpha[(y-b.Min.Y)*aStride+(x-b.Min.X)]
			}
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = r, g, bl, a
			yi++
			o += 4
		}
	}
	return out
}

// vp8ToRGB is libwebp's VP8YuvToRgb (src/dsp/yuv.h): BT.601 limited range in
// 14-bit fixed point.
func vp8ToRGB(y, u, v uint8) (r, g, b uint8) {
	mulHi := func(v uint8, coeff int) int { return int(v) * coeff >> 8 }
	yy := mulHi(y, 19077)
	return clip8(yy + mulHi(v, 26149) - 14234),
		clip8(yy - mulHi(u, 6419) - mulHi(v, 13320) + 8708),
		clip8(yy + mulHi(u, 33050) - 17685)
}

func clip8(v int) uint8 {
	const fix = 6
	switch {
	case v < 0:
		return 0
	case v >= 256<<fix:
		return 255
	}
	return uint8(v >> fix)
}
