package dataset

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/inference/imageio"
)

var (
	testMean = [3]float32{0.5, 0.5, 0.5}
	testStd  = [3]float32{0.25, 0.25, 0.25}
)

// imageFolder writes a small ImageFolder: class c has perClass[c] images of
// varying size, alternating PNG and JPEG, tinted by class.
func imageFolder(t testing.TB, perClass ...int) *Folder {
	t.Helper()
	root := t.TempDir()
	for c, n := range perClass {
		dir := filepath.Join(root, fmt.Sprintf("class%d", c))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			w, h := 20+3*i, 15+2*c+i
			img := image.NewRGBA(image.Rect(0, 0, w, h))
			for y := range h {
				for x := range w {
					img.Set(x, y, color.RGBA{uint8(80 * c), uint8(x * 255 / w), uint8(y * 255 / h), 255})
				}
			}
			ext := ".png"
			if i%2 == 1 {
				ext = ".jpg"
			}
			out, err := os.Create(filepath.Join(dir, fmt.Sprintf("fish_%d%02d_0%s", c, i, ext)))
			if err != nil {
				t.Fatal(err)
			}
			if ext == ".png" {
				err = png.Encode(out, img)
			} else {
				err = jpeg.Encode(out, img, &jpeg.Options{Quality: 90})
			}
			if err != nil || out.Close() != nil {
				t.Fatal(err)
			}
		}
	}
	f, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// collect runs one epoch and returns every batch's values and labels.
func collect(t *testing.T, l *Loader, epoch int) (xs [][]float32, labels [][]int) {
	t.Helper()
	it := l.Epoch(context.Background(), epoch)
	defer it.Close()
	for {
		x, y := make([]float32, l.cfg.BatchSize*l.cfg.sampleLen()), make([]int, l.cfg.BatchSize)
		n, err := it.Next(x, y)
		if errors.Is(err, io.EOF) {
			return xs, labels
		}
		if err != nil {
			t.Fatal(err)
		}
		xs, labels = append(xs, x), append(labels, y[:n])
	}
}

func TestLoaderMatchesServingPath(t *testing.T) {
	f := imageFolder(t, 3, 4)
	l, err := NewLoader(f, Config{Size: 8, BatchSize: 3, Mean: testMean, Std: testStd})
	if err != nil {
		t.Fatal(err)
	}
	if l.Batches() != 3 || l.Len() != 7 {
		t.Fatalf("batches %d, len %d", l.Batches(), l.Len())
	}
	xs, labels := collect(t, l, 0)
	if !reflect.DeepEqual(labels, [][]int{{0, 0, 0}, {1, 1, 1}, {1}}) {
		t.Fatalf("labels = %v", labels)
	}
	const per = 3 * 8 * 8
	want := make([]float32, per)
	for i, s := range f.Samples {
		data, err := os.ReadFile(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := imageio.Preprocess(data, 8, 8, testMean, testStd, imageio.DefaultLimits(), want); err != nil {
			t.Fatal(err)
		}
		got := xs[i/3][(i%3)*per : (i%3+1)*per]
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("sample %d differs from imageio.Preprocess", i)
		}
	}
	// The final partial batch is padded with zeros.
	for _, v := range xs[2][per:] {
		if v != 0 {
			t.Fatal("padding rows are not zero")
		}
	}
}

func TestLoaderDeterministic(t *testing.T) {
	f := imageFolder(t, 5, 3, 2)
	aug := DefaultAugment()
	cfg := Config{Size: 12, BatchSize: 4, Mean: testMean, Std: testStd, Augment: &aug,
		Sampling: Sampling{Balanced: true, Alpha: 0.5}, Seed: 11, Workers: 1}
	run := func(workers int, cache int64, epoch int) ([][]float32, [][]int) {
		c := cfg
		c.Workers, c.CacheBytes = workers, cache
		l, err := NewLoader(f, c)
		if err != nil {
			t.Fatal(err)
		}
		collect(t, l, 0) // fills the cache, when there is one
		return collect(t, l, epoch)
	}
	x1, y1 := run(1, 0, 1)
	x4, y4 := run(4, 0, 1)
	xc, yc := run(3, 1<<30, 1)
	xs, ys := run(3, 3000, 1) // a budget too small for every image
	if !reflect.DeepEqual(x1, x4) || !reflect.DeepEqual(y1, y4) {
		t.Error("batches depend on the number of workers")
	}
	if !reflect.DeepEqual(x1, xc) || !reflect.DeepEqual(y1, yc) || !reflect.DeepEqual(x1, xs) || !reflect.DeepEqual(y1, ys) {
		t.Error("batches depend on the cache")
	}
	x2, _ := run(1, 0, 2)
	if reflect.DeepEqual(x1, x2) {
		t.Error("two epochs produced identical augmented batches")
	}
}

func TestLoaderCache(t *testing.T) {
	f := imageFolder(t, 4, 4)
	l, err := NewLoader(f, Config{Size: 4, BatchSize: 8, Mean: testMean, Std: testStd, CacheBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	n, bytes := l.CacheStats()
	if n != 8 || bytes <= 0 {
		t.Fatalf("cache holds %d images, %d bytes", n, bytes)
	}
	uncached, err := NewLoader(f, Config{Size: 4, BatchSize: 8, Mean: testMean, Std: testStd})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := collect(t, uncached, 0)
	// Once cached, the files are no longer read.
	if err := os.RemoveAll(f.Root); err != nil {
		t.Fatal(err)
	}
	got, _ := collect(t, l, 0)
	if !reflect.DeepEqual(got, want) {
		t.Error("cached epoch differs")
	}

	// A budget for about two images caches some and leaves the rest.
	small, err := NewLoader(imageFolder(t, 4, 4), Config{Size: 4, BatchSize: 8, Mean: testMean, Std: testStd, CacheBytes: bytes / 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := small.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, b := small.CacheStats(); n == 0 || n >= 8 || b > bytes/4 {
		t.Errorf("small cache holds %d images, %d bytes, budget %d", n, b, bytes/4)
	}
}

func TestLoaderReportsBadFile(t *testing.T) {
	f := imageFolder(t, 3)
	if err := os.WriteFile(f.Samples[1].Path, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := NewLoader(f, Config{Size: 4, BatchSize: 2, Mean: testMean, Std: testStd})
	if err != nil {
		t.Fatal(err)
	}
	it := l.Epoch(context.Background(), 0)
	defer it.Close()
	x, y := make([]float32, 2*3*16), make([]int, 2)
	_, err = it.Next(x, y)
	if !errors.Is(err, imageio.ErrUnsupportedFormat) {
		t.Fatalf("err = %v, want ErrUnsupportedFormat", err)
	}
	if _, again := it.Next(x, y); !errors.Is(again, imageio.ErrUnsupportedFormat) {
		t.Errorf("error not sticky: %v", again)
	}
	if _, err := it.Next(make([]float32, 5), y); err == nil {
		t.Error("short buffer accepted")
	}
}

func TestLoaderCloseStopsWork(t *testing.T) {
	f := imageFolder(t, 6, 6)
	before := runtime.NumGoroutine()
	l, err := NewLoader(f, Config{Size: 4, BatchSize: 1, Mean: testMean, Std: testStd, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	it := l.Epoch(context.Background(), 0)
	if _, err := it.Next(make([]float32, 48), make([]int, 1)); err != nil {
		t.Fatal(err)
	}
	it.Close()
	it.Close()
	if _, err := it.Next(make([]float32, 48), make([]int, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Next after Close: %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines left running, %d before", g, before)
	}
}

func TestLoaderDropLastAndConfig(t *testing.T) {
	f := imageFolder(t, 5)
	l, err := NewLoader(f, Config{Size: 4, BatchSize: 2, Mean: testMean, Std: testStd, DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, labels := collect(t, l, 0); len(labels) != 2 || l.Batches() != 2 {
		t.Errorf("DropLast gave %d batches", len(labels))
	}
	bad := []Config{
		{Size: 0, BatchSize: 1, Std: testStd},
		{Size: 4, BatchSize: 0, Std: testStd},
		{Size: 4, BatchSize: 1},
		{Size: 4, BatchSize: 1, Std: testStd, Workers: -1},
	}
	for i, c := range bad {
		if _, err := NewLoader(f, c); !errors.Is(err, ErrBadArgument) {
			t.Errorf("config %d: %v", i, err)
		}
	}
	if _, err := NewLoader(&Folder{}, Config{Size: 4, BatchSize: 1, Std: testStd}); !errors.Is(err, ErrBadArgument) {
		t.Errorf("empty folder: %v", err)
	}
}

// A wide input gets the serving path's wide tensors, augmented or not.
func TestLoaderNonSquareMatchesServingPath(t *testing.T) {
	f := imageFolder(t, 2, 2)
	aug := DefaultAugment()
	for _, a := range []*Augment{nil, &aug} {
		l, err := NewLoader(f, Config{Size: 12, Height: 6, BatchSize: 2, Mean: testMean, Std: testStd, Augment: a})
		if err != nil {
			t.Fatal(err)
		}
		xs, _ := collect(t, l, 0)
		const per = 3 * 12 * 6
		if len(xs[0]) != 2*per {
			t.Fatalf("a batch of two 12x6 samples holds %d values, want %d", len(xs[0]), 2*per)
		}
		if a != nil {
			continue
		}
		data, err := os.ReadFile(f.Samples[0].Path)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, per)
		if _, err := imageio.Preprocess(data, 12, 6, testMean, testStd, imageio.DefaultLimits(), want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(xs[0][:per], want) {
			t.Fatal("the first 12x6 sample differs from imageio.Preprocess at 12x6")
		}
	}
}

// A job bounded beside serving gives way after every sample it prepares,
// and the batches are the same as without.
func TestLoaderYieldsAfterEverySample(t *testing.T) {
	f := imageFolder(t, 5, 3, 2)
	cfg := Config{Size: 12, BatchSize: 4, Mean: testMean, Std: testStd, Seed: 3, Workers: 2}
	plain, err := NewLoader(f, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var yields atomic.Int64
	cfg.Yield = func() { yields.Add(1) }
	yielding, err := NewLoader(f, cfg)
	if err != nil {
		t.Fatal(err)
	}
	x1, y1 := collect(t, plain, 1)
	x2, y2 := collect(t, yielding, 1)
	if !reflect.DeepEqual(x1, x2) || !reflect.DeepEqual(y1, y2) {
		t.Error("giving way changed the batches")
	}
	if n := yields.Load(); n != 10 {
		t.Errorf("gave way %d times over 10 samples", n)
	}
}
