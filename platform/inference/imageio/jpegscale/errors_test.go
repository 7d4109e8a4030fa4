package jpegscale

import (
	"bytes"
	"errors"
	"image/color"
	"testing"
)

func TestTruncatedIsAnError(t *testing.T) {
	for _, name := range []string{"s444.jpg", "rst420.jpg", "prog420.jpg", "progrst.jpg"} {
		data := readTestdata(t, name)
		// Every strict prefix, sampled densely near the start where the
		// headers are and sparsely through the scan data.
		for n := 0; n < len(data); n += 1 + n/64 {
			_, _, err := DecodeScaled(bytes.NewReader(data[:n]), 0, 0)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s cut at %d of %d bytes: err = %v, want ErrCorrupt", name, n, len(data), err)
			}
		}
	}
}

// sofPatched returns a copy of a baseline file with its frame header changed
// by edit, which receives the SOF payload after the length field.
func sofPatched(t *testing.T, data []byte, edit func(p []byte)) []byte {
	t.Helper()
	out := bytes.Clone(data)
	i := bytes.Index(out, []byte{0xFF, mSOF0})
	if i < 0 {
		t.Fatal("no SOF0 marker")
	}
	edit(out[i+4:])
	return out
}

func TestRefusesWhatItDoesNotDecode(t *testing.T) {
	base := encodeStd(t, photo(64, 48, 2), 80)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"YCCK", ycck(t), ErrUnsupported},
		{"five components", sofPatched(t, base, func(p []byte) { p[5] = 5 }), ErrUnsupported},
		{"12-bit samples", sofPatched(t, base, func(p []byte) { p[0] = 12 }), ErrUnsupported},
		{"arithmetic coding", bytes.Replace(base, []byte{0xFF, mSOF0}, []byte{0xFF, 0xC9}, 1), ErrUnsupported},
		{"zero width", sofPatched(t, base, func(p []byte) { p[3], p[4] = 0, 0 }), ErrCorrupt},
		{"restart marker out of order", swapFirstRST(t, readTestdata(t, "rst420.jpg")), ErrCorrupt},
		{"not a jpeg", []byte("\x89PNG\r\n\x1a\n"), ErrCorrupt},
		{"empty", nil, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, _, err := DecodeScaled(bytes.NewReader(tc.data), 8, 8)
			if !errors.Is(err, tc.want) || img != nil {
				t.Fatalf("got image %v, err %v; want %v", img != nil, err, tc.want)
			}
		})
	}
}

func TestTooLargeBeforeAllocating(t *testing.T) {
	// 65535 x 65535 declared in a 600-byte file.
	data := sofPatched(t, encodeStd(t, photo(16, 16, 3), 80), func(p []byte) {
		p[1], p[2], p[3], p[4] = 0xFF, 0xFF, 0xFF, 0xFF
	})
	_, _, err := DecodeScaled(bytes.NewReader(data), 1, 1)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	cfg, err := DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width != 65535 || cfg.Height != 65535 {
		t.Fatalf("DecodeConfig = %+v, %v; want the declared 65535x65535", cfg, err)
	}
}

func TestDecodeConfig(t *testing.T) {
	cfg, err := DecodeConfig(bytes.NewReader(readTestdata(t, "prog420.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ColorModel != color.YCbCrModel || cfg.Width != 203 || cfg.Height != 147 {
		t.Fatalf("size %dx%d, want 203x147", cfg.Width, cfg.Height)
	}
	cfg, err = DecodeConfig(bytes.NewReader(readTestdata(t, "gray.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ColorModel != color.GrayModel || cfg.Width != 203 {
		t.Fatalf("gray config %+v", cfg)
	}
}

func TestChoosesSmallestCoveringScale(t *testing.T) {
	tests := []struct {
		w, h, minW, minH, want int
	}{
		{1920, 1080, 224, 224, 4}, // 480x270 covers, 240x135 does not
		{1920, 1080, 240, 135, 8},
		{1920, 1080, 241, 135, 4},
		{1920, 1080, 1920, 1080, 1},
		{1920, 1080, 4000, 10, 1}, // cannot cover: full size is the best
		{203, 147, 26, 19, 8},     // ceil(203/8) = 26
		{203, 147, 0, 0, 8},
		{640, 480, 320, 241, 1},
	}
	for _, tc := range tests {
		if got := ChooseScale(tc.w, tc.h, tc.minW, tc.minH); got != tc.want {
			t.Errorf("ChooseScale(%d, %d, %d, %d) = %d, want %d", tc.w, tc.h, tc.minW, tc.minH, got, tc.want)
		}
	}
	// The decoder uses the same choice and returns an image that covers.
	img, scale, err := DecodeScaled(bytes.NewReader(readTestdata(t, "s422.jpg")), 50, 30)
	if err != nil {
		t.Fatal(err)
	}
	if scale != 4 || img.Bounds().Dx() != 51 || img.Bounds().Dy() != 37 {
		t.Fatalf("scale %d size %v, want 4 and 51x37", scale, img.Bounds().Size())
	}
}

// swapFirstRST renumbers the first RST0 marker of a file as RST5.
func swapFirstRST(t *testing.T, data []byte) []byte {
	t.Helper()
	out := bytes.Clone(data)
	i := bytes.Index(out, []byte{0xFF, 0xD0})
	if i < 0 {
		t.Fatal("no RST0 marker")
	}
	out[i+1] = 0xD5
	return out
}

func TestRefusesEndlessScans(t *testing.T) {
	data := readTestdata(t, "prog420.jpg")
	// Repeat the first scan (the DC pass, valid to decode again) until there
	// are more scans than maxScans; just under the bound the file decodes.
	first := bytes.Index(data, []byte{0xFF, mSOS})
	end := first + 2 + bytes.Index(data[first+2:], []byte{0xFF, mSOS})
	scan := data[first:end]
	repeated := func(n int) []byte {
		var b bytes.Buffer
		b.Write(data[:len(data)-2])
		for i := 0; i < n; i++ {
			b.Write(scan)
		}
		b.Write([]byte{0xFF, mEOI})
		return b.Bytes()
	}
	scans := bytes.Count(data, []byte{0xFF, mSOS})
	if _, _, err := DecodeScaled(bytes.NewReader(repeated(maxScans-scans)), 1, 1); err != nil {
		t.Fatalf("%d scans: %v", maxScans, err)
	}
	_, _, err := DecodeScaled(bytes.NewReader(repeated(maxScans-scans+1)), 1, 1)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt for %d scans", err, maxScans+1)
	}
}

// ycck marks the Adobe CMYK test file as YCCK (APP14 transform 2).
func ycck(t *testing.T) []byte {
	t.Helper()
	out := bytes.Clone(readTestdata(t, "go-cmyk.jpeg"))
	i := bytes.Index(out, []byte("Adobe"))
	if i < 0 {
		t.Fatal("no Adobe segment")
	}
	out[i+11] = 2
	return out
}
