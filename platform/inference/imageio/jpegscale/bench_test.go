package jpegscale

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"testing"
)

// benchJPEG is a 1920x1080 quality-90 baseline 4:2:0 file.
func benchJPEG(b *testing.B) []byte {
	b.Helper()
	return encodeStd(b, photo(1920, 1080, 9), 90)
}

func BenchmarkDecodeScaled(b *testing.B) {
	data := benchJPEG(b)
	for _, s := range []int{8, 4, 2, 1} {
		b.Run(fmt.Sprintf("1_%d", s), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := DecodeScaled(bytes.NewReader(data), 1920/s, 1080/s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkStdDecodeFull(b *testing.B) {
	data := benchJPEG(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
