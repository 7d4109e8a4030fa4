package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/aquaml/aquaml/platform/inference/kernels"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// Predictor runs an architecture's inference graph on batches of images.
// It holds its own copy of the weights, with batchnorm folded into the
// preceding conv, dropout removed and ReLU fused into the layer before it.
// A Predictor is not safe for concurrent use; keep one per goroutine.
type Predictor struct {
	arch    *Arch
	batch   int
	graph   *netGraph
	vm      G.VM
	softmax *softmaxOp
	filled  int // images in the input buffer from the last run
}

// maxBatch bounds the batch a graph is built for.
const maxBatch = 4096

// NewPredictor builds the inference graph for batches of up to batch images
// from the model's tensors (named as Arch.Params lists them).
func NewPredictor(a *Arch, tensors []modelfile.Tensor, batch int) (*Predictor, error) {
	return newPredictor(a, tensors, batch, 0)
}

// newPredictor is NewPredictor whose kernel calls run under par.
func newPredictor(a *Arch, tensors []modelfile.Tensor, batch int, par kernels.Par) (*Predictor, error) {
	if batch < 1 || batch > maxBatch {
		return nil, fmt.Errorf("%w: batch %d, want 1..%d", ErrInput, batch, maxBatch)
	}
	ws, err := a.matchTensors(tensors)
	if err != nil {
		return nil, err
	}
	ng, err := build(a, batch, foldWeights(a, ws), false, 0)
	if err != nil {
		return nil, err
	}
	sm := newSoftmaxOp(batch, a.Classes())
	if _, err := G.ApplyOp(sm, ng.logits); err != nil {
		return nil, fmt.Errorf("nn: building softmax: %w", err)
	}
	bindPar(ng.g, par)
	return &Predictor{arch: a, batch: batch, graph: ng, vm: G.NewTapeMachine(ng.g), softmax: sm}, nil
}

// foldWeights returns a copy of the weights the inference graph binds, each
// op's computed by its layer: a batchnorm is folded into the conv before it
// (see batchNormLayer.foldInto) and leaves no tensors of its own.
func foldWeights(a *Arch, ws weightSet) weightSet {
	out := make(weightSet, len(ws))
	for _, u := range a.units(false) {
		a.layers[u.at].inferenceWeights(u, ws, out)
	}
	return out
}

// Arch is the architecture the predictor runs.
func (p *Predictor) Arch() *Arch { return p.arch }

// Batch is the largest number of images one Run takes.
func (p *Predictor) Batch() int { return p.batch }

// Run classifies n images, 1 <= n <= Batch(): x holds them one after the
// other, each C*H*W values of the architecture's input shape (NCHW), and
// probs receives n rows of class probabilities (softmax), n*Classes values.
func (p *Predictor) Run(x, probs []float32) error {
	per := p.arch.input.Len()
	n := len(x) / per
	if len(x)%per != 0 || n < 1 || n > p.batch {
		return fmt.Errorf("%w: %d input values are not 1..%d images of %v", ErrInput, len(x), p.batch, p.arch.input)
	}
	if err := p.checkProbs(n, probs); err != nil {
		return err
	}
	copy(p.graph.x.data, x)
	return p.run(n, probs)
}

// Input is the graph's own input tensor, room for Batch() images. A caller
// that gathers images from several places writes the first n straight
// there and calls RunInput, which saves the copy Run makes of x. Run
// overwrites it; the predictor keeps no other reference to what is written.
func (p *Predictor) Input() []float32 { return p.graph.x.data }

// RunInput classifies the first n images of Input(), 1 <= n <= Batch(), as
// Run would; what lies beyond them is ignored.
func (p *Predictor) RunInput(n int, probs []float32) error {
	if n < 1 || n > p.batch {
		return fmt.Errorf("%w: %d images, want 1..%d", ErrInput, n, p.batch)
	}
	if err := p.checkProbs(n, probs); err != nil {
		return err
	}
	return p.run(n, probs)
}

func (p *Predictor) checkProbs(n int, probs []float32) error {
	if len(probs) < n*p.arch.Classes() {
		return fmt.Errorf("%w: room for %d probabilities, %d images need %d", ErrInput, len(probs), n, n*p.arch.Classes())
	}
	return nil
}

// run runs the graph on the n images in its input tensor.
func (p *Predictor) run(n int, probs []float32) error {
	if n < p.filled {
		// Unused batch slots would otherwise hold old images: harmless to
		// the results, but zeros keep runs reproducible bit for bit.
		per := p.arch.input.Len()
		clear(p.graph.x.data[n*per : p.filled*per])
	}
	p.filled = n
	p.vm.Reset()
	if err := p.vm.RunAll(); err != nil {
		return fmt.Errorf("nn: running the inference graph: %w", err)
	}
	copy(probs, p.softmax.p.data[:n*p.arch.Classes()])
	return nil
}

// setWeights replaces the predictor's weights with new values for the same
// architecture, in place, without rebuilding the graph.
func (p *Predictor) setWeights(ws weightSet) {
	for name, data := range foldWeights(p.arch, ws) {
		if n := p.graph.weights[name]; n != nil {
			dst, _ := f32s(n.Value())
			copy(dst, data)
		}
	}
	for _, wc := range p.graph.packed {
		wc.Reset()
	}
}
