package imageio

import (
	"errors"
	"image"
	"image/color"
	"math"
	"testing"
)

var (
	unitMean = [3]float32{0, 0, 0}
	unitStd  = [3]float32{1, 1, 1}
)

func approx(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-4 }

// greyColumns returns a w x h grey image whose column x has value vals[x%len(vals)].
func greyColumns(w, h int, vals ...uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Pix[y*img.Stride+x] = vals[x%len(vals)]
		}
	}
	return img
}

func TestToTensorNormalisation(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 7, 5))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 255, 51, 0, 255
	}
	mean, std := [3]float32{0.5, 0.5, 0.5}, [3]float32{0.25, 0.5, 0.25}
	dst := make([]float32, 3*4*4)
	if err := ToTensor(img, 4, 4, mean, std, dst); err != nil {
		t.Fatal(err)
	}
	want := [3]float32{(1 - 0.5) / 0.25, (0.2 - 0.5) / 0.5, (0 - 0.5) / 0.25}
	for i, v := range dst {
		if c := i / 16; !approx(v, want[c]) {
			t.Fatalf("dst[%d] (channel %d) = %v, want %v", i, c, v, want[c])
		}
	}
}

func TestResizeKnownValues(t *testing.T) {
	tests := []struct {
		name string
		img  *image.Gray
		size int
		want []float32 // first output row, 0-255 scale
	}{
		// 4 -> 2: each output averages two source pixels.
		{"halve", greyColumns(4, 4, 0, 100, 200, 40), 2, []float32{50, 120}},
		// 3 -> 2: output 0 covers [0,1.5): pixel 0 fully, pixel 1 half.
		{"area 1.5", greyColumns(3, 3, 30, 90, 240), 2, []float32{(30 + 0.5*90) / 1.5, (0.5*90 + 240) / 1.5}},
		// 2 -> 4: bilinear with half-pixel centres, clamped at the edges.
		{"enlarge", greyColumns(2, 2, 0, 200), 4, []float32{0, 50, 150, 200}},
		{"identity", greyColumns(3, 3, 7, 8, 9), 3, []float32{7, 8, 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]float32, 3*tc.size*tc.size)
			if err := Resize(tc.img, tc.size, tc.size, Transform{}, dst); err != nil {
				t.Fatal(err)
			}
			plane := tc.size * tc.size
			for y := range tc.size {
				for x, want := range tc.want {
					for c := range 3 {
						if got := dst[c*plane+y*tc.size+x] * 255; !approx(got/255, want/255) {
							t.Errorf("(%d,%d) channel %d = %v, want %v", x, y, c, got, want)
						}
					}
				}
			}
		})
	}
}

func TestResizeTransform(t *testing.T) {
	img := greyColumns(8, 8, 10, 20, 30, 40, 50, 60, 70, 80)
	dst := make([]float32, 3*4*4)
	if err := Resize(img, 4, 4, Transform{FlipH: true}, dst); err != nil {
		t.Fatal(err)
	}
	for x, want := range []float32{75, 55, 35, 15} {
		if got := dst[x] * 255; !approx(got/255, want/255) {
			t.Errorf("flipped x=%d: %v, want %v", x, got, want)
		}
	}
	// Cropping columns 4..7 then resizing 4 -> 4 is the identity on the crop.
	if err := Resize(img, 4, 4, Transform{Crop: image.Rect(4, 0, 8, 8)}, dst); err != nil {
		t.Fatal(err)
	}
	for x, want := range []float32{50, 60, 70, 80} {
		if got := dst[x] * 255; !approx(got/255, want/255) {
			t.Errorf("cropped x=%d: %v, want %v", x, got, want)
		}
	}
	// A crop outside the image falls back to the whole image.
	if err := Resize(img, 4, 4, Transform{Crop: image.Rect(100, 100, 120, 120)}, dst); err != nil {
		t.Fatal(err)
	}
	if got := dst[0] * 255; !approx(got/255, 15./255) {
		t.Errorf("out-of-bounds crop x=0: %v, want 15", got)
	}
}

func TestResizeThenNormalizeEqualsToTensor(t *testing.T) {
	img := quadrants(37, 23)
	mean, std := [3]float32{0.485, 0.456, 0.406}, [3]float32{0.229, 0.224, 0.225}
	a, b := make([]float32, 3*16*16), make([]float32, 3*16*16)
	if err := ToTensor(img, 16, 16, mean, std, a); err != nil {
		t.Fatal(err)
	}
	if err := Resize(img, 16, 16, Transform{}, b); err != nil {
		t.Fatal(err)
	}
	if err := Normalize(b, mean, std); err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if !approx(a[i], b[i]) {
			t.Fatalf("value %d: ToTensor %v, Resize+Normalize %v", i, a[i], b[i])
		}
	}
}

func TestToTensorColourModels(t *testing.T) {
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := 0; i < len(nrgba.Pix); i += 4 {
		nrgba.Pix[i], nrgba.Pix[i+1], nrgba.Pix[i+2], nrgba.Pix[i+3] = 200, 100, 50, 0 // fully transparent
	}
	pal := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.RGBA{10, 20, 30, 255}})
	grey := greyColumns(2, 2, 90)
	tests := []struct {
		name string
		img  image.Image
		want [3]float32
	}{
		{"transparent over black", nrgba, [3]float32{0, 0, 0}},
		{"palette", pal, [3]float32{10, 20, 30}},
		{"grey", grey, [3]float32{90, 90, 90}},
	}
	for _, tc := range tests {
		dst := make([]float32, 3)
		if err := ToTensor(tc.img, 1, 1, unitMean, unitStd, dst); err != nil {
			t.Fatal(err)
		}
		for c := range 3 {
			if !approx(dst[c], tc.want[c]/255) {
				t.Errorf("%s channel %d = %v, want %v", tc.name, c, dst[c]*255, tc.want[c])
			}
		}
	}
}

func TestPreprocessJPEG(t *testing.T) {
	data := encode(t, FormatJPEG, quadrants(64, 64))
	dst := make([]float32, 3*2*2)
	info, err := Preprocess(data, 2, 2, unitMean, unitStd, DefaultLimits(), dst)
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != FormatJPEG || info.Width != 64 {
		t.Fatalf("info %+v", info)
	}
	for q, want := range quadrantColours {
		got := [3]uint8{}
		for c := range 3 {
			got[c] = uint8(math.Round(float64(dst[c*4+q] * 255)))
		}
		if !near(got, want, 12) {
			t.Errorf("quadrant %d = %v, want %v", q, got, want)
		}
	}
	if _, err := Preprocess([]byte("nope"), 2, 2, unitMean, unitStd, DefaultLimits(), dst); !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("non-image: %v", err)
	}
}

func TestBadArguments(t *testing.T) {
	img := quadrants(4, 4)
	tests := []struct {
		name string
		err  error
	}{
		{"size 0", ToTensor(img, 0, 0, unitMean, unitStd, make([]float32, 3))},
		{"short dst", ToTensor(img, 4, 4, unitMean, unitStd, make([]float32, 47))},
		{"zero std", ToTensor(img, 1, 1, unitMean, [3]float32{1, 0, 1}, make([]float32, 3))},
		{"nil image", Resize(nil, 1, 1, Transform{}, make([]float32, 3))},
		{"empty image", Resize(image.NewRGBA(image.Rect(0, 0, 0, 0)), 1, 1, Transform{}, make([]float32, 3))},
		{"ragged tensor", Normalize(make([]float32, 4), unitMean, unitStd)},
	}
	for _, tc := range tests {
		if !errors.Is(tc.err, ErrBadArgument) {
			t.Errorf("%s: err = %v, want ErrBadArgument", tc.name, tc.err)
		}
	}
}
