package imageio

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// randomYCbCr fills a YCbCr image with noise; with inGamut every pixel,
// whatever chroma sample it shares, converts to RGB without clamping.
func randomYCbCr(rng *rand.Rand, w, h int, ratio image.YCbCrSubsampleRatio, inGamut bool) *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
	for i := range m.Y {
		m.Y[i] = uint8(rng.IntN(256))
		if inGamut {
			m.Y[i] = uint8(40 + rng.IntN(176))
		}
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = uint8(rng.IntN(256)), uint8(rng.IntN(256))
		if inGamut {
			m.Cb[i], m.Cr[i] = uint8(108+rng.IntN(41)), uint8(108+rng.IntN(41))
		}
	}
	return m
}

// The plane-wise resize must give the pixels of the row path, which
// converts every source pixel and floors it before averaging: within half
// a level where no pixel clamps, and close on average where many do.
func TestPlaneResizeMatchesRowPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	shapes := []struct {
		w, h, outW, outH int
		crop             image.Rectangle
		flip             bool
	}{
		{240, 135, 64, 64, image.Rectangle{}, false},       // a 1080p frame at 1/8
		{101, 87, 64, 64, image.Rectangle{}, false},        // a shared crop, odd sizes
		{101, 87, 64, 32, image.Rect(7, 3, 90, 80), true},  // an augmentation crop, mirrored
		{37, 21, 64, 64, image.Rectangle{}, false},         // enlarged
		{500, 9, 128, 64, image.Rect(1, 1, 333, 8), false}, // thin, odd crop origin
		{1, 1, 3, 2, image.Rectangle{}, false},             // one pixel
	}
	ones := [3]float32{1, 1, 1}
	for _, ratio := range ratios {
		for _, sh := range shapes {
			for _, inGamut := range []bool{true, false} {
				name := fmt.Sprintf("%v/%dx%d-%dx%d/crop%v/gamut=%v", ratio, sh.w, sh.h, sh.outW, sh.outH, sh.crop, inGamut)
				t.Run(name, func(t *testing.T) {
					m := randomYCbCr(rng, sh.w, sh.h, ratio, inGamut)
					crop := sh.crop
					if crop.Empty() {
						crop = m.Bounds()
					}
					n := 3 * sh.outW * sh.outH
					got, want := make([]float32, n), make([]float32, n)
					if !resampleYCbCr(m, crop, sh.outW, sh.outH, sh.flip, ones, [3]float32{}, got) {
						t.Fatal("plane path refused a standard layout")
					}
					resampleByRows(m, crop, sh.outW, sh.outH, sh.flip, ones, [3]float32{}, want)
					var worst, sum float64
					for i := range got {
						d := math.Abs(float64(got[i] - want[i]))
						worst, sum = max(worst, d), sum+float64(got[i]-want[i])
					}
					mean := sum / float64(n)
					if inGamut && worst > 0.51 {
						t.Errorf("worst difference %.3f levels, want <= 0.5", worst)
					}
					if math.Abs(mean) > 1.5 {
						t.Errorf("mean difference %.3f levels", mean)
					}
				})
			}
		}
	}
}

// An image the plane path does not know (an offset origin, as SubImage
// gives) falls back to the row path rather than reading the wrong samples.
func TestPlaneResizeRefusesOffsetImages(t *testing.T) {
	m := randomYCbCr(rand.New(rand.NewPCG(3, 4)), 64, 64, image.YCbCrSubsampleRatio420, true)
	sub := m.SubImage(image.Rect(5, 5, 50, 50)).(*image.YCbCr)
	dst := make([]float32, 3*16*16)
	if resampleYCbCr(sub, sub.Bounds(), 16, 16, false, [3]float32{1, 1, 1}, [3]float32{}, dst) {
		t.Fatal("plane path took an image whose origin is not 0,0")
	}
	for _, v := range dst {
		if v != 0 {
			t.Fatal("plane path wrote into dst before refusing")
		}
	}
}
