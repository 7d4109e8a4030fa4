package dataset

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aquaml/aquaml/platform/testkit/sharedtest"
)

var fishTrack = regexp.MustCompile(`^fish_(\d+)_`)

func trackIDs(f *Folder) map[string]bool {
	ids := map[string]bool{}
	for _, s := range f.Samples {
		if m := fishTrack.FindStringSubmatch(filepath.Base(s.Path)); m != nil {
			ids[m[1]] = true
		}
	}
	return ids
}

// TestSharedFish4Knowledge checks Scan and Split against the shared data set
// and its documented counts.
func TestSharedFish4Knowledge(t *testing.T) {
	train, err := Scan(sharedtest.Fish4Knowledge(t, "train"))
	if err != nil {
		t.Fatal(err)
	}
	val, err := Scan(sharedtest.Fish4Knowledge(t, "val"))
	if err != nil {
		t.Fatal(err)
	}
	if err := train.SameClasses(val); err != nil {
		t.Fatal(err)
	}
	if len(train.Classes) != 23 || len(train.Samples) != 17763 || len(val.Samples) != 4117 {
		t.Fatalf("%d classes, %d train, %d val; the README documents 23, 17763, 4117",
			len(train.Classes), len(train.Samples), len(val.Samples))
	}
	counts := train.Counts()
	for label, want := range map[string]int{"dascyllus_reticulatus": 7872, "neoglyphidodon_nigroris": 10, "zanclus_cornutus": 14} {
		for i, c := range train.Classes {
			if c == label && counts[i] != want {
				t.Errorf("%s: %d training images, README says %d", label, counts[i], want)
			}
		}
	}
	// The shared splits are by whole trajectory.
	valIDs := trackIDs(val)
	for id := range trackIDs(train) {
		if valIDs[id] {
			t.Fatalf("tracking id %s is in both shared splits", id)
		}
	}
	// So is ours.
	tr, va, err := Split(train, 0.15, `^fish_(\d+)_`, 1)
	if err != nil {
		t.Fatal(err)
	}
	vaIDs := trackIDs(va)
	for id := range trackIDs(tr) {
		if vaIDs[id] {
			t.Fatalf("Split put tracking id %s on both sides", id)
		}
	}
	share := float64(len(va.Samples)) / float64(len(train.Samples))
	if share < 0.12 || share > 0.18 {
		t.Errorf("validation share %.3f, want about 0.15", share)
	}
}

// BenchmarkLoaderShared measures training throughput (64 px, augmentation,
// balanced sampling, batches of 64) on the shared train split.
func BenchmarkLoaderShared(b *testing.B) {
	train, err := Scan(sharedtest.Fish4Knowledge(b, "train"))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		cache int64
	}{{"nocache", 0}, {"cache", 2 << 30}} {
		b.Run(bc.name, func(b *testing.B) {
			aug := DefaultAugment()
			l, err := NewLoader(train, Config{Size: 64, BatchSize: 64, Mean: testMean, Std: testStd, Augment: &aug,
				Sampling: Sampling{Balanced: true, Alpha: 0.5}, CacheBytes: bc.cache, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			x, y := make([]float32, 64*3*64*64), make([]int, 64)
			epoch := 0
			it := l.Epoch(context.Background(), epoch)
			next := func() int {
				for {
					n, err := it.Next(x, y)
					if err == nil {
						return n
					}
					if !errors.Is(err, io.EOF) {
						b.Fatal(err)
					}
					it.Close()
					epoch++
					it = l.Epoch(context.Background(), epoch)
				}
			}
			if bc.cache > 0 {
				if err := l.Warm(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			images := 0
			for b.Loop() {
				images += next()
			}
			b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "img/s")
			if imgs, bytes := l.CacheStats(); imgs > 0 {
				b.ReportMetric(float64(bytes)/(1<<20), "cacheMB")
				b.ReportMetric(float64(imgs), "cached")
			}
			it.Close()
		})
	}
}
