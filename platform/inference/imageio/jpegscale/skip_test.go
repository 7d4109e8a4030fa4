package jpegscale

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// decodeBoth decodes data with the skip table and code by code and fails
// unless both give the same pixels, or both the same error.
func decodeBoth(t *testing.T, name string, data []byte, min int) {
	t.Helper()
	old := skipMinBlocks
	defer func() { skipMinBlocks = old }()
	decode := func(minBlocks int) (image.Image, int, error) {
		skipMinBlocks = minBlocks
		return DecodeScaled(bytes.NewReader(data), min, min)
	}
	fast, fs, ferr := decode(0)
	slow, ss, serr := decode(1 << 62)
	if fmt.Sprint(ferr) != fmt.Sprint(serr) || fs != ss {
		t.Fatalf("%s at %d: skip table gave 1/%d %v, code by code 1/%d %v", name, min, fs, ferr, ss, serr)
	}
	if ferr == nil && !bytes.Equal(pixels(fast), pixels(slow)) {
		t.Fatalf("%s at %d (1/%d): the skip table changed the pixels", name, min, fs)
	}
}

func pixels(img image.Image) []byte {
	switch m := img.(type) {
	case *image.YCbCr:
		return append(append(append([]byte{}, m.Y...), m.Cb...), m.Cr...)
	case *image.Gray:
		return m.Pix
	case *image.RGBA:
		return m.Pix
	case *image.CMYK:
		return m.Pix
	}
	panic(fmt.Sprintf("pixels of %T", img))
}

// The skip table must decode exactly what the code-by-code loop does, at
// every scale that skips coefficients, on every kind of file, including
// blocks that end at coefficient 63 without an end-of-block code (quality
// 100 noise) and files cut or damaged mid-scan.
func TestSkipTableMatchesCodeByCode(t *testing.T) {
	files, err := filepath.Glob("testdata/*.jp*g")
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata: %v %v", files, err)
	}
	inputs := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = data
	}
	for _, q := range []int{100, 90, 50, 10} {
		inputs[fmt.Sprintf("noise q%d", q)] = encodeStd(t, photo(640, 480, uint64(q)), q)
	}
	q100 := inputs["noise q100"]
	inputs["cut mid-scan"] = q100[:len(q100)*2/3]
	damaged := bytes.Clone(q100)
	for i := len(damaged) / 3; i < len(damaged)-2; i += 997 {
		damaged[i] ^= 0x5A
	}
	inputs["damaged"] = damaged
	for name, data := range inputs {
		for _, min := range []int{1, 100, 250} {
			decodeBoth(t, name, data, min)
		}
	}
}
