package inference

import (
	"bufio"
	"errors"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/inference/imageio"
	"github.com/aquaml/aquaml/platform/inference/imageio/imagetest"
)

// BenchmarkClassifyUnderGiantPhotos is the decompression attack as a load:
// eight callers send the 6324x6324 16-bit PNG and the 6300x6300
// progressive JPEG over and over (retrying at once on 503), while one
// ordinary caller classifies a 640x480 photo b.N times. It reports the
// ordinary caller's latency, the process's peak RSS (VmHWM) and the decode
// budget's peak accounted bytes. Run it alone, as a fresh process:
//
//	go test -run '^$' -bench ClassifyUnderGiantPhotos -benchtime 200x ./platform/inference/
func BenchmarkClassifyUnderGiantPhotos(b *testing.B) {
	e, err := New(benchModel(b, "fishnet"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	giants := [][]byte{
		imagetest.GiantPNG(imagetest.GiantPNGSide, imagetest.GiantPNGSide),
		imagetest.ProgressiveJPEG(imagetest.GiantJPEGSide, imagetest.GiantJPEGSide),
	}
	ordinary := photo(b, 1, 640, 480)
	if _, err := e.Classify(b.Context(), ordinary, 1); err != nil {
		b.Fatal(err)
	}
	rssBefore := procStatusMB(b, "VmRSS")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var giantOK, giantBusy int
	for i := range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := e.Classify(b.Context(), giants[i%2], 1)
				mu.Lock()
				switch {
				case err == nil:
					giantOK++
				case errors.Is(err, imageio.ErrBusy):
					giantBusy++
				default:
					b.Error(err)
				}
				mu.Unlock()
			}
		})
	}
	// Let the giants take the budget before measuring.
	for imageio.SharedBudget().Stats().Heavy == 0 {
		time.Sleep(time.Millisecond)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := e.Classify(b.Context(), ordinary, 1); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		time.Sleep(20 * time.Millisecond) // a camera's pace, so the giants run meanwhile
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	slices.Sort(lat)
	s := imageio.SharedBudget().Stats()
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(procStatusMB(b, "VmHWM"), "peak-RSS-MB")
	b.ReportMetric(rssBefore, "start-RSS-MB")
	b.ReportMetric(float64(s.Peak>>20), "budget-peak-MB")
	b.ReportMetric(float64(giantOK), "giants-done")
	b.ReportMetric(float64(giantBusy), "giants-503")
	b.Logf("GOMAXPROCS %d, budget %+v", runtime.GOMAXPROCS(0), s)
}

// procStatusMB reads a kB figure of /proc/self/status (Linux only).
func procStatusMB(b *testing.B, key string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("no /proc: RSS is measured on Linux")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
