package inference

import (
	"context"
	"fmt"

	"github.com/aquaml/aquaml/platform/inference/imageio"
)

// Result is the answer for one image.
type Result struct {
	Predictions []Prediction // best first, topK of them
	// Unknown is true when the best confidence is below the model's
	// open-set threshold: the photo is not confidently any known species.
	Unknown bool
	Image   imageio.Info
	// Probabilities has one value per label, in label order.
	Probabilities []float32
}

// Classify decodes and classifies one encoded image. Errors are the
// imageio kinds for bad images (errors.Is ErrUnsupportedFormat,
// ErrTooLarge, ErrCorrupt), ErrOverloaded, ErrClosed or ctx's error.
func (e *Engine) Classify(ctx context.Context, data []byte, topK int) (Result, error) {
	if e.inflight.Add(1) > int64(e.opts.QueueSize) {
		e.inflight.Add(-1)
		return Result{}, ErrOverloaded
	}
	defer e.inflight.Add(-1)
	serving.Add(1)
	defer serving.Add(-1)
	e.coming.Add(1)
	bp := e.bufs.Get().(*[]float32)
	info, err := e.preprocess(ctx, data, *bp)
	if err != nil {
		e.coming.Add(-1)
		e.bufs.Put(bp)
		return Result{}, err
	}
	probs, err := e.predict(ctx, *bp)
	if err != nil {
		return Result{}, err
	}
	e.bufs.Put(bp)
	res := e.result(probs, topK)
	res.Image = info
	return res, nil
}

// ClassifyTensor classifies one image already preprocessed to the model's
// input (3*height*width values, normalised with the model's mean and std).
func (e *Engine) ClassifyTensor(ctx context.Context, x []float32, topK int) (Result, error) {
	if len(x) != e.arch.Input().Len() {
		return Result{}, fmt.Errorf("%w: %d values, the model takes %d", ErrInput, len(x), e.arch.Input().Len())
	}
	if e.inflight.Add(1) > int64(e.opts.QueueSize) {
		e.inflight.Add(-1)
		return Result{}, ErrOverloaded
	}
	defer e.inflight.Add(-1)
	serving.Add(1)
	defer serving.Add(-1)
	e.coming.Add(1)
	probs, err := e.predict(ctx, x)
	if err != nil {
		return Result{}, err
	}
	return e.result(probs, topK), nil
}

// Preprocess turns encoded bytes into the model's input tensor, exactly as
// Classify does (training and evaluation use the same path).
func (e *Engine) Preprocess(data []byte, dst []float32) (imageio.Info, error) {
	return imageio.Preprocess(data, e.width, e.height, e.meta.Mean, e.meta.Std, e.opts.Limits, dst)
}

// preprocess decodes under the process-wide decode budget, so a burst of
// large photos can neither claim unbounded memory nor take every core from
// ordinary photos; ctx ends the wait for room.
func (e *Engine) preprocess(ctx context.Context, data []byte, dst []float32) (imageio.Info, error) {
	return imageio.PreprocessContext(ctx, data, e.width, e.height, e.meta.Mean, e.meta.Std, e.opts.Limits, dst)
}

// submit queues x and waits for its probabilities. coming must have been
// incremented by the caller; submit decrements it once x is queued.
func (e *Engine) submit(ctx context.Context, x []float32) ([]float32, error) {
	r := &request{ctx: ctx, x: x, probs: make([]float32, e.classes), done: make(chan error, 1)}
	e.mu.RLock()
	if e.closed {
		e.mu.RUnlock()
		e.coming.Add(-1)
		return nil, ErrClosed
	}
	select {
	case e.queue <- r:
	default:
		e.mu.RUnlock()
		e.coming.Add(-1)
		return nil, ErrOverloaded
	}
	e.mu.RUnlock()
	e.coming.Add(-1)
	select {
	case err := <-r.done:
		return r.probs, err
	case <-ctx.Done():
		// The worker still owns x, so the caller must not reuse it.
		return nil, ctx.Err()
	}
}

func (e *Engine) result(probs []float32, topK int) Result {
	best := TopK(probs, topK)
	res := Result{Probabilities: probs, Predictions: make([]Prediction, len(best))}
	for i, c := range best {
		l := e.meta.Labels[c]
		res.Predictions[i] = Prediction{Label: l.Name, ScientificName: l.ScientificName, CommonName: l.CommonName, Confidence: probs[c]}
	}
	res.Unknown = probs[best[0]] < e.meta.UnknownThreshold
	return res
}
