package jpegscale

import (
	"bytes"
	"image"
	"testing"
)

// Asked for chroma that covers half the output, a subsampled file decoded
// at 1/8 keeps its own subsampling wherever that covers it; at other scales,
// or asked for nothing, chroma comes out at the output's resolution, as
// DecodeScaled gives it.
func TestChromaKeepsTheFileSubsamplingWhenItCovers(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    int
		want image.YCbCrSubsampleRatio
	}{
		{"s422.jpg", 8, image.YCbCrSubsampleRatio422},
		{"s440.jpg", 8, image.YCbCrSubsampleRatio440},
		{"rst420.jpg", 8, image.YCbCrSubsampleRatio420},
		{"prog420.jpg", 8, image.YCbCrSubsampleRatio420},
		{"big_prog420.jpg", 8, image.YCbCrSubsampleRatio420},
		{"prog420.jpg", 4, image.YCbCrSubsampleRatio444},
		{"rst420.jpg", 2, image.YCbCrSubsampleRatio444},
		// 4:1:1 chroma at 1/8 is a quarter of the output's width.
		{"s411.jpg", 8, image.YCbCrSubsampleRatio444},
		{"s444.jpg", 8, image.YCbCrSubsampleRatio444},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := readTestdata(t, tc.name)
			cfg, err := DecodeConfig(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			w, h := (cfg.Width+tc.s-1)/tc.s, (cfg.Height+tc.s-1)/tc.s
			opt := Options{ChromaW: (w + 1) / 2, ChromaH: (h + 1) / 2}
			img, scale, err := DecodeScaledWith(bytes.NewReader(data), w, h, opt)
			if err != nil || scale != tc.s {
				t.Fatalf("scale %d, err %v", scale, err)
			}
			m := img.(*image.YCbCr)
			if m.SubsampleRatio != tc.want {
				t.Errorf("subsampling %v, want %v", m.SubsampleRatio, tc.want)
			}
			cw := m.COffset(w-1, 0) + 1
			ch := m.COffset(0, h-1)/m.CStride + 1
			if cw < opt.ChromaW || ch < opt.ChromaH {
				t.Errorf("chroma %dx%d does not cover %dx%d", cw, ch, opt.ChromaW, opt.ChromaH)
			}
			full, _, err := DecodeScaled(bytes.NewReader(data), w, h)
			if err != nil {
				t.Fatal(err)
			}
			if r := full.(*image.YCbCr).SubsampleRatio; r != image.YCbCrSubsampleRatio444 {
				t.Errorf("without options: subsampling %v, want chroma at the output's resolution", r)
			}
		})
	}
}

// Chroma kept at the file's resolution is as close to a full decode as the
// default once the output is halved, which is what a caller asking for it
// does next; where it is not kept the two are the same pixels.
func TestReducedChromaMatchesStdAtHalfTheOutput(t *testing.T) {
	for _, name := range []string{"s422.jpg", "s440.jpg", "rst420.jpg", "prog420.jpg", "big_prog420.jpg",
		"s411.jpg", "go-410-progressive.jpeg", "go-restart2.jpeg", "progrst.jpg"} {
		t.Run(name, func(t *testing.T) {
			data := readTestdata(t, name)
			refData := data
			if name == "progrst.jpg" {
				refData = readTestdata(t, "s422.jpg") // image/jpeg refuses it, as in TestMatchesStdTestdata
			}
			cfg, err := DecodeConfig(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []int{2, 4, 8} {
				w, h := (cfg.Width+s-1)/s, (cfg.Height+s-1)/s
				got, _, err := DecodeScaledWith(bytes.NewReader(data), w, h, Options{ChromaW: (w + 1) / 2, ChromaH: (h + 1) / 2})
				if err != nil {
					t.Fatal(err)
				}
				def, _, err := DecodeScaled(bytes.NewReader(data), w, h)
				if err != nil {
					t.Fatal(err)
				}
				ref := boxDown(stdDecode(t, refData), 2*s)
				reduced, full := meanAbsDiff(t, boxDown(got, 2), ref), meanAbsDiff(t, boxDown(def, 2), ref)
				t.Logf("1/%d then 1/2: MAD reduced chroma %.2f %.2f %.2f, full chroma %.2f %.2f %.2f",
					s, reduced[0], reduced[1], reduced[2], full[0], full[1], full[2])
				for c := range reduced {
					if reduced[c] > maxMADScaled || reduced[c] > full[c]+1 {
						t.Errorf("1/%d channel %d: MAD %.2f (full chroma %.2f)", s, c, reduced[c], full[c])
					}
				}
			}
		})
	}
}
