package inference

import (
	"fmt"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// MemoryEstimate is what serving m costs one process with opts, in bytes:
// every worker keeps a predictor per power-of-two batch size up to
// MaxBatch (see worker.predictor), plus the queued images. It is computed
// from the shapes alone, before any graph is built, so a model too large
// to serve is refused without trying (building its graphs could end the
// process).
func MemoryEstimate(m *modelfile.Model, opts Options) (int64, error) {
	opts.defaults()
	in := m.Meta.Input
	arch, err := nn.Parse(m.Meta.Architecture, nn.Shape{Channels: in.Channels, Height: in.Height, Width: in.Width})
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrModel, err)
	}
	var perWorker int64
	for size := 1; ; size *= 2 {
		size = min(size, opts.MaxBatch)
		perWorker += arch.InferenceBytes(size)
		if size == opts.MaxBatch {
			break
		}
	}
	queued := 4 * int64(opts.QueueSize) * int64(arch.Input().Len()+arch.Classes())
	total := int64(opts.Workers)*perWorker + queued
	// The graphs' own bookkeeping (nodes, tapes, tensor headers) comes on
	// top of the buffers: measured at well under a quarter plus a few MB.
	return total + total/4 + graphOverhead, nil
}

// graphOverhead is the fixed cost of an engine beyond its buffers.
const graphOverhead = 4 << 20
