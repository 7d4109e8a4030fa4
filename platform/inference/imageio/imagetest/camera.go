package imagetest

import (
	"bytes"
	"image"
	"image/jpeg"
	_ "image/png" // some shared photos are PNGs
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/draw"

	"github.com/aquaml/aquaml/platform/testkit/sharedtest"
)

// CameraFrame is a shared validation photo enlarged to w x h (Catmull-Rom)
// and encoded at quality 90, 4:2:0, as reference/make_frames.py makes the
// camera frames of BENCHMARKS.md: smooth and small (about 130 KB at
// 1920x1080), so a decoder's per-block cost weighs more than its per-bit
// cost. Skips without the shared data set.
func CameraFrame(tb testing.TB, w, h int) []byte {
	tb.Helper()
	dir := filepath.Join(sharedtest.Fish4Knowledge(tb, "val"), "dascyllus_reticulatus")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		tb.Fatalf("read %s: %v", dir, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, entries[len(entries)/2].Name()))
	if err != nil {
		tb.Fatal(err)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
