// Package inference is the classification engine: it loads a model file,
// builds Gorgonia inference graphs for it, and classifies images for many
// concurrent callers by gathering them into batches.
//
// Callers preprocess their own image (decoding runs in parallel across
// callers), then queue the tensor. A worker takes the first queued image and
// waits up to BatchWait for more while other callers are still
// preprocessing, so a lone caller never waits and a crowd shares full
// batches. The queue is bounded: past QueueSize images in flight, Classify
// fails at once with ErrOverloaded instead of queueing forever.
package inference

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aquaml/aquaml/platform/inference/imageio"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// Errors callers can act on.
var (
	// ErrOverloaded means too many images are in flight; retry later.
	ErrOverloaded = errors.New("inference: engine overloaded")
	// ErrClosed means the engine was closed (e.g. replaced by a new model).
	ErrClosed = errors.New("inference: engine closed")
	// ErrModel means the model file cannot be served.
	ErrModel = errors.New("inference: unusable model")
	// ErrInput means a tensor of the wrong size was given.
	ErrInput = errors.New("inference: bad input")
)

// Options tunes the engine. Zero values take the defaults.
type Options struct {
	MaxBatch  int           // largest batch a worker runs (default 32)
	BatchWait time.Duration // longest a batch waits for more images (default 3 ms)
	QueueSize int           // images in flight before ErrOverloaded (default 256)
	Workers   int           // batches run at once (default: 2, or 1 on one core)
	Limits    imageio.Limits
	// DecodeMemory and HeavyDecodes, when set, resize the process-wide
	// decode budget (imageio.SharedBudget) that every engine shares.
	DecodeMemory int64
	HeavyDecodes int
	// OnBatch, when set, is told each batch's size and run time (metrics).
	OnBatch func(size int, d time.Duration)
}

func (o *Options) defaults() {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 32
	}
	if o.BatchWait < 0 {
		o.BatchWait = 0
	} else if o.BatchWait == 0 {
		o.BatchWait = 3 * time.Millisecond
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 256
	}
	if o.Workers <= 0 {
		// A worker's kernels already spread one batch over every core, but
		// the small batches of light traffic scale poorly across cores
		// (1.2x from one to two at batch 1); a second worker keeps the
		// other core busy: +20% req/s on the Intel Xeon, +50% on the AMD
		// EPYC of BENCHMARKS.md, for one more set of activations.
		o.Workers = min(2, runtime.GOMAXPROCS(0))
	}
	if o.Limits.MaxPixels == 0 {
		o.Limits = imageio.DefaultLimits()
	}
}

// Engine classifies images with one model. It is safe for concurrent use.
type Engine struct {
	meta    modelfile.Metadata
	arch    *nn.Arch
	tensors []modelfile.Tensor
	opts    Options
	width   int // input, in pixels
	height  int
	classes int
	flip    bool // served with flip test-time augmentation (flip.go)

	queue    chan *request
	inflight atomic.Int64 // callers between entry and result
	coming   atomic.Int64 // callers still preprocessing
	bufs     sync.Pool    // []float32 of one image

	mu      sync.RWMutex // guards closed against sends on a closed queue
	closed  bool
	workers sync.WaitGroup
}

// New builds an engine for the model. Graphs are built lazily per batch
// size, so New is cheap; the first call of each size pays for its graph.
func New(m *modelfile.Model, opts Options) (*Engine, error) {
	opts.defaults()
	in := m.Meta.Input
	if in.Channels != 3 || in.Height < 1 || in.Width < 1 {
		return nil, fmt.Errorf("%w: input %dx%dx%d; the engine takes RGB images", ErrModel, in.Channels, in.Height, in.Width)
	}
	arch, err := nn.Parse(m.Meta.Architecture, nn.Shape{Channels: in.Channels, Height: in.Height, Width: in.Width})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	if arch.Classes() != len(m.Meta.Labels) {
		return nil, fmt.Errorf("%w: network has %d outputs but %d labels", ErrModel, arch.Classes(), len(m.Meta.Labels))
	}
	if opts.DecodeMemory > 0 || opts.HeavyDecodes > 0 {
		imageio.SharedBudget().SetLimits(opts.DecodeMemory, opts.HeavyDecodes)
	}
	e := &Engine{
		meta: m.Meta, arch: arch, tensors: m.Tensors, opts: opts,
		width: in.Width, height: in.Height, classes: arch.Classes(), flip: servesFlipped(m.Meta),
		queue: make(chan *request, opts.QueueSize),
	}
	per := arch.Input().Len()
	e.bufs.New = func() any { b := make([]float32, per); return &b }
	// Build one graph up front so a model whose weights do not fit its
	// architecture fails here, not on the first request.
	first, err := newWorker(e)
	if err != nil {
		return nil, err
	}
	e.workers.Add(opts.Workers)
	go first.loop()
	for i := 1; i < opts.Workers; i++ {
		w, err := newWorker(e)
		if err != nil {
			e.Close()
			return nil, err
		}
		go w.loop()
	}
	return e, nil
}

// Meta is the model's metadata.
func (e *Engine) Meta() modelfile.Metadata { return e.meta }

// InputSize is the width and height of the images the model takes.
func (e *Engine) InputSize() (width, height int) { return e.width, e.height }

// Classes is the number of labels.
func (e *Engine) Classes() int { return e.classes }

// Close stops the workers after the queued images are answered; later
// calls fail with ErrClosed.
func (e *Engine) Close() {
	e.mu.Lock()
	if !e.closed {
		e.closed = true
		close(e.queue)
	}
	e.mu.Unlock()
	e.workers.Wait()
}
