package jpegscale

import (
	"bytes"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/draw"

	"github.com/aquaml/aquaml/platform/testkit/sharedtest"
)

// cameraJPEG is a shared-dataset photo enlarged to w x h (Catmull-Rom) and
// encoded at quality 90, as reference/make_frames.py makes camera frames:
// smoother and smaller than the synthetic benchmark files (about 130 KB at
// 1920x1080), so the per-block cost weighs more than the per-bit cost.
func cameraJPEG(b *testing.B, w, h int) []byte {
	b.Helper()
	dir := filepath.Join(sharedtest.Fish4Knowledge(b, "val"), "dascyllus_reticulatus")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		b.Fatalf("read %s: %v", dir, err)
	}
	f, err := os.Open(filepath.Join(dir, entries[len(entries)/2].Name()))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		b.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return encodeStd(b, dst, 90)
}

func BenchmarkDecodeScaledCamera(b *testing.B) {
	for _, size := range [][2]int{{1920, 1080}, {4000, 3000}} {
		data := cameraJPEG(b, size[0], size[1])
		for _, s := range []int{8, 4, 2} {
			b.Run(fmt.Sprintf("%dx%d/1_%d", size[0], size[1], s), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				start := cpuTime()
				for b.Loop() {
					if _, _, err := DecodeScaled(bytes.NewReader(data), size[0]/s, size[1]/s); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, start)
			})
		}
	}
}
