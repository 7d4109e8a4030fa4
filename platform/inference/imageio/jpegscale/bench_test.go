package jpegscale

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"syscall"
	"testing"
	"time"
)

// benchJPEGs are 1920x1080 quality-90 baseline 4:2:0 files: "noisy" has
// pixel noise everywhere (760 KB, entropy decoding dominates), "smooth" is
// the same scene drawn at 480x270 and interpolated up, closer to a camera
// photo's bit rate.
func benchJPEGs(b *testing.B) map[string][]byte {
	b.Helper()
	return map[string][]byte{
		"noisy":  encodeStd(b, photo(1920, 1080, 9), 90),
		"smooth": encodeStd(b, upscale4(photo(480, 270, 9)), 90),
	}
}

// upscale4 enlarges src four times with bilinear interpolation.
func upscale4(src *image.RGBA) *image.RGBA {
	sb := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, 4*sb.Dx(), 4*sb.Dy()))
	for y := 0; y < 4*sb.Dy(); y++ {
		fy := max(0, (float64(y)+0.5)/4-0.5)
		y0 := min(int(fy), sb.Dy()-1)
		y1, wy := min(y0+1, sb.Dy()-1), fy-float64(int(fy))
		for x := 0; x < 4*sb.Dx(); x++ {
			fx := max(0, (float64(x)+0.5)/4-0.5)
			x0 := min(int(fx), sb.Dx()-1)
			x1, wx := min(x0+1, sb.Dx()-1), fx-float64(int(fx))
			for c := 0; c < 4; c++ {
				p := func(x, y int) float64 { return float64(src.Pix[y*src.Stride+4*x+c]) }
				v := (p(x0, y0)*(1-wx)+p(x1, y0)*wx)*(1-wy) + (p(x0, y1)*(1-wx)+p(x1, y1)*wx)*wy
				dst.Pix[y*dst.Stride+4*x+c] = uint8(v + 0.5)
			}
		}
	}
	return dst
}

func BenchmarkDecodeScaled(b *testing.B) {
	for name, data := range benchJPEGs(b) {
		for _, s := range []int{8, 4, 2, 1} {
			b.Run(fmt.Sprintf("%s/1_%d", name, s), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				start := cpuTime()
				for b.Loop() {
					if _, _, err := DecodeScaled(bytes.NewReader(data), 1920/s, 1080/s); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, start)
			})
		}
	}
}

func BenchmarkStdDecodeFull(b *testing.B) {
	for name, data := range benchJPEGs(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}

// cpuTime is the process's user+system CPU time. On a shared machine it is a
// steadier figure than wall time, which counts time spent waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkDecodeScaledProgressive decodes testdata/big_prog420.jpg, a
// 1600x1200 progressive 4:2:0 gradient (cjpeg's default scan script), so
// every coefficient passes through the coefficient store.
func BenchmarkDecodeScaledProgressive(b *testing.B) {
	data := readTestdata(b, "big_prog420.jpg")
	for _, s := range []int{8, 4, 2} {
		b.Run(fmt.Sprintf("1_%d", s), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if _, _, err := DecodeScaled(bytes.NewReader(data), 1600/s, 1200/s); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}
