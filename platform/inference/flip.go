package inference

import (
	"context"
	"encoding/json"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// servesFlipped reports whether the model's training recorded flip
// test-time augmentation (hyperparameter flip_tta): its scores were
// measured on the mean of each photo's and its mirror image's
// probabilities, so it is served the same way.
func servesFlipped(m modelfile.Metadata) bool {
	if m.Training == nil {
		return false
	}
	var hp struct {
		FlipTTA bool `json:"flip_tta"`
	}
	_ = json.Unmarshal(m.Training.Hyperparameters, &hp)
	return hp.FlipTTA
}

// predict is submit, with the mirror image queued beside the photo for a
// model served flipped (the two usually share a batch), and the mean of
// their probabilities returned. coming must count x once, as for submit.
func (e *Engine) predict(ctx context.Context, x []float32) ([]float32, error) {
	if !e.flip {
		return e.submit(ctx, x)
	}
	in := e.arch.Input()
	mirror := make([]float32, len(x))
	for row := range in.Channels * in.Height {
		src, dst := x[row*in.Width:(row+1)*in.Width], mirror[row*in.Width:(row+1)*in.Width]
		for i, v := range src {
			dst[in.Width-1-i] = v
		}
	}
	type answer struct {
		probs []float32
		err   error
	}
	second := make(chan answer, 1)
	e.coming.Add(1)
	go func() {
		p, err := e.submit(ctx, mirror)
		second <- answer{p, err}
	}()
	probs, err := e.submit(ctx, x)
	m := <-second
	if err != nil {
		return nil, err
	}
	if m.err != nil {
		return nil, m.err
	}
	for i := range probs {
		probs[i] = (probs[i] + m.probs[i]) / 2
	}
	return probs, nil
}
