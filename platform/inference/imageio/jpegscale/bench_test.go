package jpegscale

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"syscall"
	"testing"
	"time"
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

func BenchmarkStdDecodeFull(b *testing.B) {
	data := benchJPEG(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
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
