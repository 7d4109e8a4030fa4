package jpegscale

import (
	"bytes"
	"os"
	"testing"
)

// Bounds on the mean absolute difference per channel against image/jpeg's
// full decode followed by a box downscale. Measured figures are in doc.go.
const (
	maxMADFull   = 1.0
	maxMADScaled = 5.0
)

func checkAgainstStd(t *testing.T, data []byte) {
	t.Helper()
	checkAgainst(t, data, data)
}

// checkAgainst decodes data at every scale and compares it with image/jpeg's
// full decode of refData, which holds the same image.
func checkAgainst(t *testing.T, data, refData []byte) {
	t.Helper()
	ref := stdDecode(t, refData)
	size := ref.Bounds().Size()
	for _, s := range []int{1, 2, 4, 8} {
		minW, minH := (size.X+s-1)/s, (size.Y+s-1)/s
		got, scale, err := DecodeScaled(bytes.NewReader(data), minW, minH)
		if err != nil {
			t.Fatalf("scale 1/%d: %v", s, err)
		}
		if scale != s {
			t.Fatalf("asked for %dx%d of %v: scale %d, want %d", minW, minH, size, scale, s)
		}
		if gs := got.Bounds().Size(); gs.X != minW || gs.Y != minH {
			t.Fatalf("scale 1/%d: size %v, want %dx%d", s, gs, minW, minH)
		}
		mad := meanAbsDiff(t, got, boxDown(ref, s))
		limit := maxMADScaled
		if s == 1 {
			limit = maxMADFull
		}
		t.Logf("scale 1/%d: MAD R %.3f G %.3f B %.3f", s, mad[0], mad[1], mad[2])
		for c, m := range mad {
			if m > limit {
				t.Errorf("scale 1/%d channel %d: MAD %.3f > %.1f", s, c, m, limit)
			}
		}
	}
}

func TestMatchesStdBaseline420(t *testing.T) {
	for _, q := range []int{50, 90} {
		checkAgainstStd(t, encodeStd(t, photo(203, 147, 1), q))
	}
}

// The testdata files were made by testdata/gen.sh with libjpeg-turbo's cjpeg.
func TestMatchesStdTestdata(t *testing.T) {
	for _, tc := range []struct{ name, ref string }{
		{"s444.jpg", ""}, {"s422.jpg", ""}, {"s440.jpg", ""}, {"gray.jpg", ""},
		{"rst420.jpg", ""}, {"prog420.jpg", ""}, {"prog444.jpg", ""},
		{"proggray.jpg", ""}, {"big_prog420.jpg", ""},
		{"s411.jpg", ""}, {"multiscan.jpg", ""}, {"adobergb.jpg", ""},
		{"go-221212.jpeg", ""}, {"go-410-progressive.jpeg", ""},
		{"go-separate-dc-progressive.jpeg", ""}, {"go-gray-2x2-progressive.jpeg", ""},
		{"go-restart2.jpeg", ""}, {"go-rgb.jpeg", ""}, {"go-cmyk.jpeg", ""},
		// image/jpeg rejects progressive scans with restart markers, so the
		// reference is the baseline file this one was transcoded from.
		{"progrst.jpg", "s422.jpg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := readTestdata(t, tc.name)
			ref := data
			if tc.ref != "" {
				ref = readTestdata(t, tc.ref)
			}
			checkAgainst(t, data, ref)
		})
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
