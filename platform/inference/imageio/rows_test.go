package imageio

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// TestRowFastPathsMatchAt checks every concrete-type fast path against the
// generic image.At conversion, including sub-images with odd origins.
func TestRowFastPathsMatchAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(b []uint8) {
		for i := range b {
			b[i] = uint8(rng.IntN(256))
		}
	}
	r := image.Rect(0, 0, 13, 9)
	var imgs []image.Image
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		m := image.NewYCbCr(r, ratio)
		fill(m.Y)
		fill(m.Cb)
		fill(m.Cr)
		imgs = append(imgs, m, m.SubImage(image.Rect(3, 1, 12, 8)))
	}
	nycc := image.NewNYCbCrA(r, image.YCbCrSubsampleRatio420)
	fill(nycc.Y)
	fill(nycc.Cb)
	fill(nycc.Cr)
	fill(nycc.A)
	rgba, nrgba, gray, gray16, cmyk := image.NewRGBA(r), image.NewNRGBA(r), image.NewGray(r), image.NewGray16(r), image.NewCMYK(r)
	for _, pix := range [][]uint8{rgba.Pix, nrgba.Pix, gray.Pix, gray16.Pix, cmyk.Pix} {
		fill(pix)
	}
	// Keep RGBA validly premultiplied: colour never above alpha.
	for i := 0; i < len(rgba.Pix); i += 4 {
		for c := range 3 {
			rgba.Pix[i+c] = min(rgba.Pix[i+c], rgba.Pix[i+3])
		}
	}
	pal := image.NewPaletted(r, color.Palette{color.RGBA{1, 2, 3, 255}, color.NRGBA{200, 100, 50, 128}, color.Gray{77}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(rng.IntN(3))
	}
	rgba64, nrgba64 := image.NewRGBA64(r), image.NewNRGBA64(r)
	fill(rgba64.Pix)
	fill(nrgba64.Pix)
	imgs = append(imgs, nycc, rgba, nrgba, gray, gray16, cmyk, pal, rgba64, nrgba64, nrgba64.SubImage(image.Rect(1, 2, 9, 7)), nrgba.SubImage(image.Rect(2, 2, 9, 7)))

	for _, img := range imgs {
		b := img.Bounds()
		rows := newRowReader(img)
		line, lineF := make([]uint8, 3*b.Dx()), make([]float32, 3*b.Dx())
		for y := b.Min.Y; y < b.Max.Y; y++ {
			readRow(rows, y, b.Min.X, b.Max.X, lineF)
			readRow(rows, y, b.Min.X, b.Max.X, line)
			for x := b.Min.X; x < b.Max.X; x++ {
				want := rgb8(img.At(x, y))
				i := 3 * (x - b.Min.X)
				got := [3]uint8{line[i], line[i+1], line[i+2]}
				if f := [3]float32{lineF[i], lineF[i+1], lineF[i+2]}; f != [3]float32{float32(got[0]), float32(got[1]), float32(got[2])} {
					t.Fatalf("%T at (%d,%d): float row %v, byte row %v", img, x, y, f, got)
				}
				// Straight-alpha types round where At truncates: allow one level.
				if !near(got, color.RGBA{want[0], want[1], want[2], 255}, 1) {
					t.Fatalf("%T %v at (%d,%d): row %v, At %v", img, b, x, y, got, want)
				}
			}
		}
	}
}

func TestYCbCrFastPathIsExact(t *testing.T) {
	m := image.NewYCbCr(image.Rect(0, 0, 256, 1), image.YCbCrSubsampleRatio444)
	line := make([]uint8, 3*256)
	for cb := 0; cb < 256; cb += 3 {
		for cr := 0; cr < 256; cr += 5 {
			for x := range 256 {
				m.Y[x], m.Cb[x], m.Cr[x] = uint8(x), uint8(cb), uint8(cr)
			}
			ycbcrRow(m, 0, 0, 256, line)
			for x := range 256 {
				r, g, b := color.YCbCrToRGB(uint8(x), uint8(cb), uint8(cr))
				if line[3*x] != r || line[3*x+1] != g || line[3*x+2] != b {
					t.Fatalf("Y=%d Cb=%d Cr=%d: got %v, want %v", x, cb, cr, line[3*x:3*x+3], []uint8{r, g, b})
				}
			}
		}
	}
}
