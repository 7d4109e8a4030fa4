package jpegscale

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"
)

// photo draws a deterministic image with smooth gradients, hard edges and
// noise, so every frequency band carries energy.
func photo(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 128 + 100*math.Sin(6*fx+2*fy)
			g := 255 * fy
			b := 60 + 120*fx*fy
			if (x/23+y/17)%2 == 0 {
				r, b = b, r
			}
			if (x-w/2)*(x-w/2)+(y-h/3)*(y-h/3) < w*h/12 {
				g = 255 - g
			}
			n := rng.Float64()*24 - 12
			img.SetRGBA(x, y, color.RGBA{clampF(r + n), clampF(g + n), clampF(b - n), 255})
		}
	}
	return img
}

func clampF(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}

func encodeStd(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// boxDown averages s x s blocks of src (clipped at the edges), the reference
// a scaled decode is compared with.
func boxDown(src image.Image, s int) *image.RGBA {
	b := src.Bounds()
	w, h := (b.Dx()+s-1)/s, (b.Dy()+s-1)/s
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sum [3]float64
			n := 0.0
			for yy := y * s; yy < min((y+1)*s, b.Dy()); yy++ {
				for xx := x * s; xx < min((x+1)*s, b.Dx()); xx++ {
					r, g, bb, _ := src.At(b.Min.X+xx, b.Min.Y+yy).RGBA()
					sum[0] += float64(r >> 8)
					sum[1] += float64(g >> 8)
					sum[2] += float64(bb >> 8)
					n++
				}
			}
			dst.SetRGBA(x, y, color.RGBA{clampF(sum[0] / n), clampF(sum[1] / n), clampF(sum[2] / n), 255})
		}
	}
	return dst
}

// meanAbsDiff returns the mean absolute difference per RGB channel.
func meanAbsDiff(t testing.TB, a, b image.Image) [3]float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes differ: %v vs %v", a.Bounds(), b.Bounds())
	}
	var sum [3]float64
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			sum[0] += math.Abs(float64(r1>>8) - float64(r2>>8))
			sum[1] += math.Abs(float64(g1>>8) - float64(g2>>8))
			sum[2] += math.Abs(float64(b1>>8) - float64(b2>>8))
		}
	}
	n := float64(ab.Dx() * ab.Dy())
	return [3]float64{sum[0] / n, sum[1] / n, sum[2] / n}
}

// stdDecode is image/jpeg's full decode of data, the reference.
func stdDecode(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	return img
}
