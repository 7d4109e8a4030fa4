package jpegscale

import (
	"bytes"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"s444.jpg", "s422.jpg", "gray.jpg", "rst420.jpg", "prog420.jpg", "progrst.jpg", "go-cmyk.jpeg", "go-rgb.jpeg", "go-410-progressive.jpeg"} {
		f.Add(readTestdata(f, name))
	}
	f.Add(encodeStd(f, photo(24, 16, 4), 75))
	// Bound what a hostile header can make the decoder allocate.
	old := MaxPixels
	MaxPixels = 1 << 20
	f.Cleanup(func() { MaxPixels = old })
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeBoth(t, "input", data, 1)
		cfg, cfgErr := DecodeConfig(bytes.NewReader(data))
		for _, min := range []int{1, 1 << 16} {
			img, scale, err := DecodeScaled(bytes.NewReader(data), min, min)
			// The chroma option takes the 1/8 path's DC-only chroma.
			if _, _, err := DecodeScaledWith(bytes.NewReader(data), min, min, Options{ChromaW: 1, ChromaH: 1}); (err == nil) != (scale > 0) {
				t.Fatalf("with chroma options: %v; without: scale %d", err, scale)
			}
			if err != nil {
				continue
			}
			if cfgErr != nil {
				t.Fatalf("DecodeScaled succeeded where DecodeConfig failed: %v", cfgErr)
			}
			w, h := (cfg.Width+scale-1)/scale, (cfg.Height+scale-1)/scale
			if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
				t.Fatalf("image %v at 1/%d of %dx%d", img.Bounds(), scale, cfg.Width, cfg.Height)
			}
		}
	})
}
