package imageio

import (
	"encoding/binary"
	"testing"
)

func TestEXIFOrientation(t *testing.T) {
	// Stored 64x32: red, green / blue, white. want lists the displayed
	// top-left, top-right, bottom-left, bottom-right quadrant colours as the
	// EXIF specification describes each orientation.
	jpg := encode(t, FormatJPEG, quadrants(64, 32))
	const r, g, b, w = 0, 1, 2, 3
	tests := []struct {
		o    uint16
		want [4]int
	}{
		{1, [4]int{r, g, b, w}},
		{2, [4]int{g, r, w, b}}, // mirrored left-right
		{3, [4]int{w, b, g, r}}, // rotated 180
		{4, [4]int{b, w, r, g}}, // mirrored top-bottom
		{5, [4]int{r, b, g, w}}, // transposed
		{6, [4]int{b, r, w, g}}, // needs a 90 degree clockwise turn
		{7, [4]int{w, g, b, r}}, // transversed
		{8, [4]int{g, w, r, b}}, // needs a 90 degree counter-clockwise turn
	}
	for _, tc := range tests {
		for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
			data := withOrientation(jpg, tc.o, order)
			img, info, err := Decode(data, DefaultLimits())
			if err != nil {
				t.Fatalf("orientation %d: %v", tc.o, err)
			}
			wantW, wantH := 64, 32
			if tc.o >= 5 {
				wantW, wantH = 32, 64
			}
			if info.Orientation != int(tc.o) || info.Width != wantW || info.Height != wantH {
				t.Fatalf("orientation %d (%v): info %+v", tc.o, order, info)
			}
			if bb := img.Bounds(); bb.Dx() != wantW || bb.Dy() != wantH {
				t.Fatalf("orientation %d: bounds %v", tc.o, bb)
			}
			probed, err := Probe(data, DefaultLimits())
			if err != nil || probed != info {
				t.Errorf("orientation %d: Probe %+v %v, Decode %+v", tc.o, probed, err, info)
			}
			centres := [4][2]int{{wantW / 4, wantH / 4}, {3 * wantW / 4, wantH / 4}, {wantW / 4, 3 * wantH / 4}, {3 * wantW / 4, 3 * wantH / 4}}
			for q, c := range centres {
				want := quadrantColours[tc.want[q]]
				if got := pixel(img, c[0], c[1]); !near(got, want, 40) {
					t.Errorf("orientation %d (%v) quadrant %d = %v, want %v", tc.o, order, q, got, want)
				}
			}
		}
	}
}

func TestEXIFMalformedIsIgnored(t *testing.T) {
	jpg := encode(t, FormatJPEG, quadrants(16, 8))
	valid := withOrientation(jpg, 6, binary.BigEndian)
	// Offsets into valid: SOI(2) + marker(2) + length(2) + "Exif\0\0"(6) = 12 is the TIFF header.
	badIFD := append([]byte{}, valid...)
	binary.BigEndian.PutUint32(badIFD[12+4:], 0xFFFFFF00) // IFD offset past the segment
	badValue := withOrientation(jpg, 9, binary.BigEndian)
	badType := append([]byte{}, valid...)
	binary.BigEndian.PutUint16(badType[12+12:], 4) // LONG instead of SHORT
	for name, data := range map[string][]byte{"ifd offset": badIFD, "value 9": badValue, "type": badType} {
		img, info, err := Decode(data, DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.Orientation != 1 || img.Bounds().Dx() != 16 {
			t.Errorf("%s: info %+v, want orientation 1 and the stored size", name, info)
		}
	}
}

func TestJPEGOrientationBounds(t *testing.T) {
	// Hostile headers must neither panic nor be read out of bounds.
	cases := [][]byte{
		{0xFF, 0xD8},
		{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF},
		{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0x00},
		{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x0A, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M'},
		append([]byte{0xFF, 0xD8}, make([]byte, 64)...),
	}
	for i, c := range cases {
		if o := jpegOrientation(c); o != 1 {
			t.Errorf("case %d: orientation %d, want 1", i, o)
		}
	}
}
