package imageio

import (
	"testing"
)

// A 2:1 photo of four colour quadrants, resized to a 2:1 input, keeps each
// quadrant in its own quarter of the tensor, whatever path decodes it.
func TestNonSquareInputKeepsTheQuadrants(t *testing.T) {
	const w, h = 16, 8
	img := quadrants(128, 64)
	check := func(name string, got []float32) {
		t.Helper()
		plane := w * h
		for y := range h {
			for x := range w {
				want := quadrantColours[2*(2*y/h)+2*x/w]
				for c, v := range [3]uint8{want.R, want.G, want.B} {
					if d := got[c*plane+y*w+x] - float32(v)/255; d > 0.02 || d < -0.02 {
						t.Fatalf("%s: pixel (%d,%d) channel %d is %v, want %v", name, x, y, c, got[c*plane+y*w+x], float32(v)/255)
					}
				}
			}
		}
	}
	direct := make([]float32, 3*w*h)
	if err := ToTensor(img, w, h, unitMean, unitStd, direct); err != nil {
		t.Fatal(err)
	}
	check("ToTensor", direct)
	for _, format := range []string{FormatPNG, FormatJPEG, FormatBMP} {
		got := make([]float32, 3*w*h)
		if _, err := Preprocess(encode(t, format, img), w, h, unitMean, unitStd, DefaultLimits(), got); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		check(format, got)
	}
}

// A tall input takes a wide photo by stretching it (no letterbox): the top
// rows hold the photo's top half, the left columns its left half.
func TestTallInputStretchesAWidePhoto(t *testing.T) {
	const w, h = 4, 12
	got := make([]float32, 3*w*h)
	if err := ToTensor(quadrants(200, 50), w, h, unitMean, unitStd, got); err != nil {
		t.Fatal(err)
	}
	plane := w * h
	if r, g, b := got[0], got[plane], got[2*plane]; r < 0.98 || g > 0.02 || b > 0.02 {
		t.Errorf("top-left pixel is %v,%v,%v, want the red quadrant (no black border)", r, g, b)
	}
	last := plane - 1
	if r, g, b := got[last], got[plane+last], got[2*plane+last]; r < 0.98 || g < 0.98 || b < 0.98 {
		t.Errorf("bottom-right pixel is %v,%v,%v, want the white quadrant", r, g, b)
	}
}

func TestNonSquareShortBufferIsRefused(t *testing.T) {
	if err := ToTensor(quadrants(8, 8), 8, 4, unitMean, unitStd, make([]float32, 3*8*4-1)); err == nil {
		t.Fatal("a buffer one value short of 3x4x8 was accepted")
	}
}
