package imageio

import (
	"errors"
	"image"
	"image/color"
	"testing"
)

func TestDecodeFormats(t *testing.T) {
	src := quadrants(40, 30)
	tests := []struct {
		format string
		data   []byte
		tol    int
	}{
		{FormatJPEG, encode(t, FormatJPEG, src), 40},
		{FormatPNG, encode(t, FormatPNG, src), 0},
		{FormatGIF, encode(t, FormatGIF, src), 0},
		{FormatBMP, encode(t, FormatBMP, src), 0},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			img, info, err := Decode(tc.data, DefaultLimits())
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want := Info{Format: tc.format, Width: 40, Height: 30, Orientation: 1}
			if info != want {
				t.Fatalf("info = %+v, want %+v", info, want)
			}
			if b := img.Bounds(); b.Dx() != 40 || b.Dy() != 30 {
				t.Fatalf("bounds %v", b)
			}
			// Sample the middle of each quadrant, away from JPEG block edges.
			for q, p := range []image.Point{{10, 7}, {30, 7}, {10, 22}, {30, 22}} {
				if got := pixel(img, p.X, p.Y); !near(got, quadrantColours[q], tc.tol) {
					t.Errorf("quadrant %d at %v = %v, want %v", q, p, got, quadrantColours[q])
				}
			}
			probed, err := Probe(tc.data, DefaultLimits())
			if err != nil || probed != want {
				t.Errorf("Probe = %+v, %v; want %+v", probed, err, want)
			}
		})
	}
}

func TestDecodeWebP(t *testing.T) {
	img, info, err := Decode(readFixture(t, "lossless.webp"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if info != (Info{Format: FormatWebP, Width: 6, Height: 4, Orientation: 1}) {
		t.Fatalf("info = %+v", info)
	}
	want := []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}, {0, 0, 0, 255}, {128, 64, 32, 255}}
	for i, c := range want {
		x, y := 2*(i%3), 2*(i/3)
		if got := pixel(img, x+1, y+1); !near(got, c, 0) {
			t.Errorf("block %d = %v, want %v", i, got, c)
		}
	}

	img, _, err = Decode(readFixture(t, "lossy.webp"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// libwebp (through Pillow) decodes this pixel as (41,161,220); a
	// full-range YCbCr conversion would give about (49,155,207).
	if got := pixel(img, 16, 12); !near(got, color.RGBA{41, 161, 220, 255}, 1) {
		t.Errorf("lossy pixel = %v, want libwebp's (41,161,220)", got)
	}

	// Straight alpha 128 over black halves the colour.
	img, _, err = Decode(readFixture(t, "alpha_lossless.webp"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got := pixel(img, 3, 3); !near(got, color.RGBA{128, 64, 0, 255}, 1) {
		t.Errorf("alpha pixel = %v, want about (128,64,0)", got)
	}
}

func TestDecodeRejects(t *testing.T) {
	jpg := encode(t, FormatJPEG, quadrants(64, 48))
	png := encode(t, FormatPNG, quadrants(64, 48))
	bmpData := encode(t, FormatBMP, quadrants(64, 48))
	webp := readFixture(t, "lossy.webp")
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"empty", nil, DefaultLimits(), ErrUnsupportedFormat},
		{"text", []byte("hello, this is not an image at all"), DefaultLimits(), ErrUnsupportedFormat},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00"), DefaultLimits(), ErrUnsupportedFormat},
		{"truncated jpeg", jpg[:len(jpg)/2], DefaultLimits(), ErrCorrupt},
		{"jpeg header only", jpg[:20], DefaultLimits(), ErrCorrupt},
		{"truncated png", png[:len(png)-30], DefaultLimits(), ErrCorrupt},
		{"truncated bmp", bmpData[:len(bmpData)-100], DefaultLimits(), ErrCorrupt},
		{"truncated webp", webp[:40], DefaultLimits(), ErrCorrupt},
		{"png bomb", pngHeader(50000, 50000), DefaultLimits(), ErrTooLarge},
		{"zero width png", pngHeader(0, 10), DefaultLimits(), ErrCorrupt},
		{"over pixel limit", png, Limits{MaxPixels: 64*48 - 1}, ErrTooLarge},
		{"over byte limit", png, Limits{MaxBytes: int64(len(png)) - 1}, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, _, err := Decode(tc.data, tc.lim)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if img != nil {
				t.Error("image returned with an error")
			}
			var typed *Error
			if !errors.As(err, &typed) || typed.Error() == "" {
				t.Errorf("err %T is not an *Error", err)
			}
			if _, err := Probe(tc.data, tc.lim); tc.want != ErrCorrupt && !errors.Is(err, tc.want) {
				t.Errorf("Probe err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestErrorKeepsCause(t *testing.T) {
	jpg := encode(t, FormatJPEG, quadrants(64, 48))
	_, _, err := Decode(jpg[:len(jpg)/2], DefaultLimits())
	var typed *Error
	if !errors.As(err, &typed) || typed.Err == nil || typed.Format != FormatJPEG {
		t.Fatalf("err = %#v, want a jpeg *Error with its cause", err)
	}
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrUnsupportedFormat) {
		t.Error("corrupt error matches other kinds")
	}
}

func TestDecodeBombIsCheap(t *testing.T) {
	bomb := pngHeader(50000, 50000)
	allocs := testing.AllocsPerRun(20, func() {
		if _, _, err := Decode(bomb, DefaultLimits()); !errors.Is(err, ErrTooLarge) {
			t.Fatal(err)
		}
	})
	// Header parsing allocates a handful of small objects, never the 7.5 GB image.
	if allocs > 50 {
		t.Errorf("bomb rejection made %.0f allocations", allocs)
	}
}

func TestDecodeGIFFirstFrame(t *testing.T) {
	pal := color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}}
	first := image.NewPaletted(image.Rect(0, 0, 8, 8), pal)
	second := image.NewPaletted(image.Rect(0, 0, 8, 8), pal)
	for i := range first.Pix {
		first.Pix[i], second.Pix[i] = 1, 2
	}
	data := encodeAnimated(t, first, second)
	img, info, err := Decode(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 8 || info.Height != 8 {
		t.Fatalf("info %+v", info)
	}
	if got := pixel(img, 4, 4); !near(got, color.RGBA{255, 0, 0, 255}, 0) {
		t.Errorf("pixel %v, want the red first frame", got)
	}
}
