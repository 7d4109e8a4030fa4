package imageio

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/imageio/imagetest"
	"github.com/aquaml/aquaml/platform/testkit/sharedtest"
)

var benchMean, benchStd = [3]float32{0.5, 0.5, 0.5}, [3]float32{0.25, 0.25, 0.25}

// sharedJPEG returns a typical shared-dataset image (about 100 x 90 pixels).
func sharedJPEG(b *testing.B) []byte {
	dir := filepath.Join(sharedtest.Fish4Knowledge(b, "train"), "dascyllus_reticulatus")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		b.Fatalf("read %s: %v", dir, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, entries[len(entries)/2].Name()))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func benchPreprocess(b *testing.B, data []byte, size int) {
	dst := make([]float32, 3*size*size)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Preprocess(data, size, size, benchMean, benchStd, DefaultLimits(), dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPreprocessShared64(b *testing.B) { benchPreprocess(b, sharedJPEG(b), 64) }

func BenchmarkPreprocessSynthetic100x90(b *testing.B) {
	benchPreprocess(b, encode(b, FormatJPEG, quadrants(100, 90)), 64)
}

func BenchmarkPreprocess1080p(b *testing.B) {
	benchPreprocess(b, encode(b, FormatJPEG, quadrants(1920, 1080)), 64)
}

func BenchmarkDecodeShared(b *testing.B) {
	data := sharedJPEG(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(data, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToTensorShared64(b *testing.B) {
	img, _, err := Decode(sharedJPEG(b), DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, 3*64*64)
	b.ReportAllocs()
	for b.Loop() {
		if err := ToTensor(img, 64, 64, benchMean, benchStd, dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRejectBomb(b *testing.B) {
	bomb := pngHeader(50000, 50000)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(bomb, DefaultLimits()); err == nil {
			b.Fatal("bomb accepted")
		}
	}
}

// Camera frames through the whole serving path (scaled decode, resize,
// normalise) for the bundled 64x64 model.
func BenchmarkPreprocessCamera1080p(b *testing.B) {
	benchPreprocess(b, imagetest.CameraFrame(b, 1920, 1080), 64)
}

func BenchmarkPreprocessCamera12MP(b *testing.B) {
	benchPreprocess(b, imagetest.CameraFrame(b, 4000, 3000), 64)
}
