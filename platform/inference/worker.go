package inference

import (
	"context"
	"time"

	"github.com/aquaml/aquaml/platform/inference/nn"
)

// request is one queued image. The worker owns it from the moment it is
// queued until done is signalled.
type request struct {
	ctx   context.Context
	x     []float32 // one preprocessed image
	probs []float32 // filled by the worker
	done  chan error
}

// worker runs batches on predictors it owns (a predictor is not safe for
// concurrent use). It keeps one predictor per batch size it has needed, in
// powers of two, so a lone image does not pay for a 32-image graph. It
// copies each image once, from the caller's slice straight into the
// predictor's input tensor.
type worker struct {
	e          *Engine
	predictors map[int]*nn.Predictor
	batch      []*request
	probs      []float32
	timer      *time.Timer
	last       int // size of the previous batch: recent demand
}

func newWorker(e *Engine) (*worker, error) {
	w := &worker{
		e:          e,
		predictors: map[int]*nn.Predictor{},
		probs:      make([]float32, e.opts.MaxBatch*e.classes),
		timer:      time.NewTimer(time.Hour),
	}
	w.timer.Stop()
	if _, err := w.predictor(1); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *worker) predictor(n int) (*nn.Predictor, error) {
	size := 1
	for size < n {
		size *= 2
	}
	size = min(size, w.e.opts.MaxBatch)
	if p := w.predictors[size]; p != nil {
		return p, nil
	}
	p, err := nn.NewPredictor(w.e.arch, w.e.tensors, size)
	if err != nil {
		return nil, err
	}
	w.predictors[size] = p
	return p, nil
}

func (w *worker) loop() {
	defer w.e.workers.Done()
	for first := range w.e.queue {
		w.batch = append(w.batch[:0], first)
		w.collect()
		w.run()
	}
}

// collect adds queued images to the batch. It waits, never longer than
// BatchWait in all, while more images are surely coming: callers still
// preprocessing, or a demand (callers in flight, or the previous batch)
// larger than the batch so far. Callers whose answers were just delivered
// resubmit within moments, and without the wait every other batch would be
// half full. A lone caller never waits.
func (w *worker) collect() {
	limit := w.e.opts.MaxBatch
	target := min(limit, max(int(w.e.inflight.Load()), w.last))
	armed := false
	defer func() {
		if armed {
			w.timer.Stop() // since Go 1.23 no stale tick can remain
		}
	}()
loop:
	for len(w.batch) < limit {
		select {
		case r, ok := <-w.e.queue:
			if !ok {
				return
			}
			w.batch = append(w.batch, r)
			continue
		default:
		}
		if w.e.opts.BatchWait == 0 || w.e.coming.Load() == 0 && len(w.batch) >= target {
			return
		}
		if !armed {
			w.timer.Reset(w.e.opts.BatchWait)
			armed = true
		}
		select {
		case r, ok := <-w.e.queue:
			if !ok {
				return
			}
			w.batch = append(w.batch, r)
		case <-w.timer.C:
			armed = false
			break loop
		}
	}
}

func (w *worker) run() {
	// Callers that gave up while queued are answered without running.
	live := w.batch[:0]
	for _, r := range w.batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	n := len(live)
	w.last = n
	if n == 0 {
		return
	}
	per, classes := w.e.arch.Input().Len(), w.e.classes
	start := time.Now()
	p, err := w.predictor(n)
	if err == nil {
		// r.x is only read, and only before r.done: a caller that gave up
		// meanwhile does not reuse its slice (see submit).
		x := p.Input()
		for i, r := range live {
			copy(x[i*per:(i+1)*per], r.x)
		}
		err = p.RunInput(n, w.probs[:n*classes])
	}
	if w.e.opts.OnBatch != nil {
		w.e.opts.OnBatch(n, time.Since(start))
	}
	for i, r := range live {
		if err == nil {
			copy(r.probs, w.probs[i*classes:(i+1)*classes])
		}
		r.done <- err
	}
}
