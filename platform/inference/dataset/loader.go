package dataset

import (
	"context"
	"fmt"
	"image"
	"os"
	"runtime"
	"sync/atomic"

	"github.com/aquaml/aquaml/platform/inference/imageio"
)

// Config controls a Loader.
type Config struct {
	Size      int        // output width, and height when Height is 0
	Height    int        // output height; 0 makes the output square
	BatchSize int        // samples per batch
	Mean, Std [3]float32 // normalisation, as in imageio.ToTensor
	// Augment enables training augmentation; nil gives the plain serving
	// preprocessing (evaluation).
	Augment  *Augment
	Sampling Sampling
	// DropLast skips a final partial batch.
	DropLast bool
	Seed     int64
	// Workers decoding in parallel; 0 means GOMAXPROCS.
	Workers int
	// Prefetch is how many batches are prepared ahead; 0 means 2.
	Prefetch int
	// CacheBytes keeps decoded images in memory, up to about this many
	// bytes, so later epochs skip reading and decoding; 0 disables it.
	// The shared train split (17.7k images of ~100 px) needs about 320 MB.
	CacheBytes int64
	// Limits bounds each decoded file; zero value means imageio.DefaultLimits.
	Limits imageio.Limits
	// Yield, when set, is called by a worker after each sample: a training
	// job bounded beside serving passes the kernels' give-way, so decoding
	// for it waits while requests are classified, as its maths does.
	Yield func()
}

func (c *Config) height() int {
	if c.Height > 0 {
		return c.Height
	}
	return c.Size
}

// sampleLen is the number of values of one sample's CHW tensor.
func (c *Config) sampleLen() int { return 3 * c.Size * c.height() }

// Loader turns a Folder into batches of normalised CHW tensors.
type Loader struct {
	folder *Folder
	cfg    Config

	cache       []atomic.Pointer[cacheEntry] // nil when caching is off
	cacheBytes  atomic.Int64
	cacheImages atomic.Int64
}

type cacheEntry struct{ img image.Image }

// NewLoader checks cfg and prepares a loader over f.
func NewLoader(f *Folder, cfg Config) (*Loader, error) {
	switch {
	case f == nil || len(f.Samples) == 0:
		return nil, fmt.Errorf("%w: empty folder", ErrBadArgument)
	case cfg.Size < 1 || cfg.Size > 4096 || cfg.Height < 0 || cfg.Height > 4096:
		return nil, fmt.Errorf("%w: size %dx%d", ErrBadArgument, cfg.Size, cfg.Height)
	case cfg.BatchSize < 1:
		return nil, fmt.Errorf("%w: batch size %d", ErrBadArgument, cfg.BatchSize)
	case cfg.Workers < 0 || cfg.Prefetch < 0 || cfg.CacheBytes < 0:
		return nil, fmt.Errorf("%w: negative workers, prefetch or cache size", ErrBadArgument)
	}
	for _, s := range cfg.Std {
		if !(s > 0) {
			return nil, fmt.Errorf("%w: std %v", ErrBadArgument, cfg.Std)
		}
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Prefetch == 0 {
		cfg.Prefetch = 2
	}
	if cfg.Limits == (imageio.Limits{}) {
		cfg.Limits = imageio.DefaultLimits()
	}
	if cfg.Limits.Wait == 0 {
		// Training has no client to answer 503: the next image waits its turn.
		cfg.Limits.Wait = -1
	}
	l := &Loader{folder: f, cfg: cfg}
	if cfg.CacheBytes > 0 {
		l.cache = make([]atomic.Pointer[cacheEntry], len(f.Samples))
	}
	return l, nil
}

// Len is the number of samples an epoch yields, before DropLast.
func (l *Loader) Len() int { return len(l.folder.Samples) }

// Batches is the number of batches an epoch yields.
func (l *Loader) Batches() int {
	if l.cfg.DropLast {
		return l.Len() / l.cfg.BatchSize
	}
	return (l.Len() + l.cfg.BatchSize - 1) / l.cfg.BatchSize
}

// CacheStats reports how many decoded images are cached and their bytes.
func (l *Loader) CacheStats() (images int, bytes int64) {
	return int(l.cacheImages.Load()), l.cacheBytes.Load()
}

// fill writes sample idx, drawn at position pos of epoch, to dst.
func (l *Loader) fill(epoch, pos, idx int, dst []float32) error {
	img, err := l.image(idx)
	if err != nil {
		return err
	}
	c := &l.cfg
	if c.Augment == nil {
		err = imageio.ToTensor(img, c.Size, c.height(), c.Mean, c.Std, dst)
	} else {
		rng := newRand(c.Seed, streamAugment, uint64(epoch), uint64(pos))
		if err = c.Augment.apply(img, c.Size, c.height(), rng, dst); err == nil {
			err = imageio.Normalize(dst, c.Mean, c.Std)
		}
	}
	if err != nil {
		return fmt.Errorf("dataset: %s: %w", l.folder.Samples[idx].Path, err)
	}
	return nil
}

// image returns the decoded sample idx, from the cache when possible.
func (l *Loader) image(idx int) (image.Image, error) {
	if l.cache != nil {
		if e := l.cache[idx].Load(); e != nil {
			return e.img, nil
		}
	}
	path := l.folder.Samples[idx].Path
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	img, _, err := imageio.DecodeForSize(context.Background(), data, l.cfg.Size, l.cfg.height(), l.cfg.Limits)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", path, err)
	}
	if l.cache != nil {
		size := imageBytes(img)
		if l.reserve(size) {
			// Two workers may decode the same sample (balanced sampling
			// repeats samples); only the first keeps its copy.
			if l.cache[idx].CompareAndSwap(nil, &cacheEntry{img}) {
				l.cacheImages.Add(1)
			} else {
				l.cacheBytes.Add(-size)
			}
		}
	}
	return img, nil
}

// reserve claims n bytes of the cache budget.
func (l *Loader) reserve(n int64) bool {
	for {
		used := l.cacheBytes.Load()
		if used+n > l.cfg.CacheBytes {
			return false
		}
		if l.cacheBytes.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

// imageBytes is the memory held by a decoded image.
func imageBytes(img image.Image) int64 {
	switch m := img.(type) {
	case *image.YCbCr:
		return int64(cap(m.Y) + cap(m.Cb) + cap(m.Cr))
	case *image.RGBA:
		return int64(cap(m.Pix))
	case *image.NRGBA:
		return int64(cap(m.Pix))
	case *image.Gray:
		return int64(cap(m.Pix))
	case *image.Paletted:
		return int64(cap(m.Pix) + 4*len(m.Palette))
	}
	b := img.Bounds()
	return 8 * int64(b.Dx()) * int64(b.Dy())
}
