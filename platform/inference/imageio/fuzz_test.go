package imageio

import (
	"errors"
	"math"
	"testing"
)

// FuzzDecode feeds arbitrary bytes through the serving path. The seed corpus
// in testdata/fuzz/FuzzDecode holds small valid images of every format,
// truncated copies, EXIF variants and a decompression-bomb header.
func FuzzDecode(f *testing.F) {
	f.Add(encode(f, FormatPNG, quadrants(5, 3)))
	f.Add(pngHeader(50000, 50000))
	// Small enough that a fuzzed header cannot make one run allocate much.
	lim := Limits{MaxPixels: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, info, err := Decode(data, lim)
		if err != nil {
			if !errors.Is(err, ErrUnsupportedFormat) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		b := img.Bounds()
		if b.Dx() != info.Width || b.Dy() != info.Height || int64(info.Width)*int64(info.Height) > lim.MaxPixels {
			t.Fatalf("bounds %v disagree with info %+v", b, info)
		}
		probed, err := Probe(data, lim)
		if err != nil || probed.Format != info.Format || probed.Orientation != info.Orientation {
			t.Fatalf("Probe %+v, %v after Decode %+v", probed, err, info)
		}
		dst := make([]float32, 3*8*8)
		if err := ToTensor(img, 8, 8, unitMean, unitStd, dst); err != nil {
			t.Fatal(err)
		}
		for i, v := range dst {
			if v < 0 || v > 1.0001 || math.IsNaN(float64(v)) {
				t.Fatalf("dst[%d] = %v outside [0,1]", i, v)
			}
		}
	})
}
