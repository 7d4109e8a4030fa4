package inference

import (
	"fmt"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// workspaceFactor covers what a layer needs beyond its output while it
// runs (convolution workspaces, the graph's own bookkeeping), so the
// estimate errs on the safe side of what is measured.
const workspaceFactor = 2

// MemoryEstimate is what serving m costs one process with opts, in bytes:
// every worker keeps a predictor per power-of-two batch size up to
// MaxBatch, each with its own copy of the weights and its activations,
// plus the batch buffers. It is computed from the shapes alone, before
// any graph is built, so a model too large to serve is refused without
// trying (building its graphs could end the process).
func MemoryEstimate(m *modelfile.Model, opts Options) (int64, error) {
	opts.defaults()
	in := m.Meta.Input
	arch, err := nn.Parse(m.Meta.Architecture, nn.Shape{Channels: in.Channels, Height: in.Height, Width: in.Width})
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrModel, err)
	}
	var weights int64
	for _, p := range arch.Params() {
		n := int64(1)
		for _, d := range p.Shape {
			n *= int64(d)
		}
		weights += 4 * n
	}
	perImage := int64(arch.Input().Len())
	for i := range arch.Layers() {
		perImage += workspaceFactor * int64(arch.OutputShape(i).Len())
	}
	var total int64
	for size := 1; ; size *= 2 {
		size = min(size, opts.MaxBatch)
		total += weights + 4*perImage*int64(size)
		if size == opts.MaxBatch {
			break
		}
	}
	// The queued images and the batch input and output buffers.
	total += 4 * (int64(opts.QueueSize)+int64(opts.MaxBatch)) * int64(arch.Input().Len()+arch.Classes())
	return int64(opts.Workers) * total, nil
}
