package jpegscale

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/imageio/imagetest"
)

// Camera frames (a shared photo enlarged, as BENCHMARKS.md's frames are)
// at the scales aquaml picks for them: 1/8 for the 64x64 model.
func BenchmarkDecodeScaledCamera(b *testing.B) {
	for _, size := range [][2]int{{1920, 1080}, {4000, 3000}} {
		data := imagetest.CameraFrame(b, size[0], size[1])
		for _, s := range []int{8, 4, 2} {
			// chroma=dc is what aquaml asks for at 1/8: chroma that covers
			// half the output, so each chroma block keeps only its DC.
			for _, chroma := range []string{"full", "dc"} {
				if chroma == "dc" && s != 8 {
					continue
				}
				opt := Options{}
				if chroma == "dc" {
					opt = Options{ChromaW: size[0] / s / 2, ChromaH: size[1] / s / 2}
				}
				b.Run(fmt.Sprintf("%dx%d/1_%d/chroma=%s", size[0], size[1], s, chroma), func(b *testing.B) {
					b.SetBytes(int64(len(data)))
					b.ReportAllocs()
					start := cpuTime()
					for b.Loop() {
						if _, _, err := DecodeScaledWith(bytes.NewReader(data), size[0]/s, size[1]/s, opt); err != nil {
							b.Fatal(err)
						}
					}
					reportCPU(b, start)
				})
			}
		}
	}
}
