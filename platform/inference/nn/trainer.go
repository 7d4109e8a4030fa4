package nn

import (
	"fmt"
	"math"
	"slices"

	G "gorgonia.org/gorgonia"

	"github.com/aquaml/aquaml/platform/inference/kernels"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// TrainerOptions tune a Trainer. Zero values take the defaults noted.
type TrainerOptions struct {
	LearningRate float64 // Adam step size (default 1e-3); change it per epoch with SetLearningRate
	Beta1, Beta2 float64 // Adam moment decay rates (defaults 0.9 and 0.999)
	Epsilon      float64 // Adam denominator guard (default 1e-8)
	// WeightDecay is decoupled (AdamW) decay of conv and dense weights per
	// step, relative to the learning rate (default 0: none).
	WeightDecay float64
	// LabelSmoothing moves this share of each target onto all classes evenly.
	LabelSmoothing float64
	// Seed drives the initial weights (when none are given) and dropout.
	Seed uint64
	// Threads bounds the goroutines each kernel call of training and
	// Evaluate runs on, the caller included (0: GOMAXPROCS), so that a
	// process serving requests beside the training keeps cores for them.
	Threads int
	// FrozenLayers keeps the weights of the layers before this index as
	// they started (fine-tuning a base's early features); their batchnorm
	// statistics still follow the new data. No gradient is computed for
	// them, which also saves their backward pass.
	FrozenLayers int
}

func (o *TrainerOptions) defaults() error {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.LearningRate, 1e-3)
	def(&o.Beta1, 0.9)
	def(&o.Beta2, 0.999)
	def(&o.Epsilon, 1e-8)
	ok := func(v, lo, hi float64) bool { return v >= lo && v < hi }
	if !ok(o.LearningRate, 1e-12, 10) || !ok(o.Beta1, 0, 1) || !ok(o.Beta2, 0, 1) || !ok(o.Epsilon, 1e-30, 1) ||
		!ok(o.WeightDecay, 0, 1) || !ok(o.LabelSmoothing, 0, 1) || o.Threads < 0 || o.FrozenLayers < 0 {
		return fmt.Errorf("%w: trainer options out of range: %+v", ErrInput, *o)
	}
	return nil
}

// Trainer runs the training graph: forward pass with batch statistics and
// dropout, weighted softmax cross-entropy, backward pass and an Adam update,
// one batch per Step. It owns its weights; Export copies them out. A Trainer
// is not safe for concurrent use.
type Trainer struct {
	arch    *Arch
	batch   int
	opts    TrainerOptions
	weights weightSet // every parameter, running statistics included
	graph   *netGraph
	vm      G.VM
	loss    *lossOp
	// The trainable parameters, their gradient nodes and whether weight
	// decay applies, in Params order.
	params  [][]float32
	grads   G.Nodes
	gradBuf [][]float32
	decayed []bool
	opt     *adam
	steps   int
	eval    *Predictor // built on first Evaluate
	evalAt  int        // steps when eval's weights were last refreshed
}

// NewTrainer builds the training graph for batches of exactly batch images.
// init holds starting weights (e.g. a model to fine-tune); when it is nil the
// weights come from a.Init(opts.Seed). classWeights scales each class's loss
// (nil: all 1); all must be positive.
func NewTrainer(a *Arch, init []modelfile.Tensor, batch int, classWeights []float32, opts TrainerOptions) (*Trainer, error) {
	if batch < 2 || batch > maxBatch {
		// Batch statistics need at least two images.
		return nil, fmt.Errorf("%w: training batch %d, want 2..%d", ErrInput, batch, maxBatch)
	}
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	k := a.Classes()
	if classWeights == nil {
		classWeights = slices.Repeat([]float32{1}, k)
	}
	if len(classWeights) != k {
		return nil, fmt.Errorf("%w: %d class weights for %d classes", ErrInput, len(classWeights), k)
	}
	for _, w := range classWeights {
		if !(w > 0) || math.IsInf(float64(w), 0) {
			return nil, fmt.Errorf("%w: class weight %v, want a positive finite number", ErrInput, w)
		}
	}
	if init == nil {
		init = a.Init(opts.Seed)
	}
	src, err := a.matchTensors(init)
	if err != nil {
		return nil, err
	}
	t := &Trainer{arch: a, batch: batch, opts: opts, weights: make(weightSet, len(src))}
	for name, d := range src {
		t.weights[name] = append([]float32(nil), d...)
	}
	if t.graph, err = build(a, batch, t.weights, true, opts.Seed); err != nil {
		return nil, err
	}
	t.loss = newLossOp(batch, k, append([]float32(nil), classWeights...), opts.LabelSmoothing)
	cost, err := G.ApplyOp(t.loss, t.graph.logits)
	if err != nil {
		return nil, fmt.Errorf("nn: building the loss: %w", err)
	}
	var wrt G.Nodes
	var lens []int
	for _, p := range a.Params() {
		if !p.Trainable || p.Layer < opts.FrozenLayers {
			continue
		}
		wrt = append(wrt, t.graph.weights[p.Name])
		t.params = append(t.params, t.weights[p.Name])
		t.decayed = append(t.decayed, p.decay)
		lens = append(lens, p.Len())
	}
	if len(wrt) == 0 {
		return nil, fmt.Errorf("%w: the first %d layers are frozen, which leaves nothing to train", ErrInput, opts.FrozenLayers)
	}
	if t.grads, err = G.Grad(cost, wrt...); err != nil {
		return nil, fmt.Errorf("nn: differentiating the training graph: %w", err)
	}
	t.gradBuf = make([][]float32, len(t.grads))
	bindPar(t.graph.g, kernels.Par(opts.Threads))
	t.vm = G.NewTapeMachine(t.graph.g)
	t.opt = newAdam(lens, opts.LearningRate, opts.Beta1, opts.Beta2, opts.Epsilon, opts.WeightDecay)
	return t, nil
}

// Batch is the number of images every Step takes.
func (t *Trainer) Batch() int { return t.batch }

// Arch is the architecture being trained.
func (t *Trainer) Arch() *Arch { return t.arch }

// LearningRate is the current Adam step size.
func (t *Trainer) LearningRate() float64 { return t.opt.lr }

// SetLearningRate changes the step size from the next Step on (for a
// schedule); Adam's moment estimates are kept.
func (t *Trainer) SetLearningRate(lr float64) error {
	if !(lr > 0 && lr < 10) {
		return fmt.Errorf("%w: learning rate %v", ErrInput, lr)
	}
	t.opt.lr = lr
	return nil
}

// Steps is the number of updates made so far.
func (t *Trainer) Steps() int { return t.steps }

// Step trains on one batch: x holds Batch() images (NCHW) and labels their
// class indices. It returns the batch's loss before the update. Gradients
// are read straight from the backward ops' outputs, which every run
// overwrites, so nothing accumulates across steps.
func (t *Trainer) Step(x []float32, labels []int) (float32, error) {
	return t.step(x, labels, labels, 1)
}

// step is Step on images blended from two: lam of the image labelled
// labels[i] and 1-lam of one labelled partners[i].
func (t *Trainer) step(x []float32, labels, partners []int, lam float64) (float32, error) {
	loss, err := t.forwardBackward(x, labels, partners, lam)
	if err != nil {
		return loss, err
	}
	for i, n := range t.grads {
		g, err := f32s(n.Value())
		if err != nil {
			return 0, fmt.Errorf("nn: gradient of %s: %w", n.Name(), err)
		}
		t.gradBuf[i] = g
	}
	t.opt.step(t.params, t.gradBuf, t.decayed)
	t.steps++
	return loss, nil
}

// forwardBackward runs the training graph once: loss and gradients.
func (t *Trainer) forwardBackward(x []float32, labels, partners []int, lam float64) (float32, error) {
	per := t.arch.input.Len()
	if len(x) != t.batch*per || len(labels) != t.batch || len(partners) != t.batch {
		return 0, fmt.Errorf("%w: %d values and %d labels, want %d images of %v and their labels",
			ErrInput, len(x), len(labels), t.batch, t.arch.input)
	}
	if !(lam >= 0 && lam <= 1) {
		return 0, fmt.Errorf("%w: mixup share %v, want 0..1", ErrInput, lam)
	}
	k := t.arch.Classes()
	for i, y := range labels {
		if y < 0 || y >= k || partners[i] < 0 || partners[i] >= k {
			return 0, fmt.Errorf("%w: labels %d and %d of image %d, want 0..%d", ErrInput, y, partners[i], i, k-1)
		}
		t.loss.labels[i], t.loss.partners[i] = int32(y), int32(partners[i])
	}
	t.loss.lam = lam
	copy(t.graph.x.data, x)
	t.vm.Reset()
	if err := t.vm.RunAll(); err != nil {
		return 0, fmt.Errorf("nn: running the training graph: %w", err)
	}
	loss := float32(t.loss.loss)
	if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
		return loss, fmt.Errorf("nn: training diverged: loss is %v", loss)
	}
	return loss, nil
}

// Evaluate classifies up to Batch() images with the current weights in
// inference mode (running batchnorm statistics, no dropout), exactly as a
// Predictor built from Export would, writing class probabilities to probs.
func (t *Trainer) Evaluate(x, probs []float32) error {
	if t.eval == nil {
		p, err := newPredictor(t.arch, t.Export(), t.batch, kernels.Par(t.opts.Threads))
		if err != nil {
			return err
		}
		t.eval, t.evalAt = p, t.steps
	}
	if t.evalAt != t.steps {
		t.eval.setWeights(t.weights)
		t.evalAt = t.steps
	}
	return t.eval.Run(x, probs)
}

// Export copies out every parameter, batchnorm running statistics included,
// in Arch.Params order: what a model file stores.
func (t *Trainer) Export() []modelfile.Tensor {
	ps := t.arch.Params()
	out := make([]modelfile.Tensor, len(ps))
	for i, p := range ps {
		out[i] = modelfile.Tensor{Name: p.Name, Shape: append([]int(nil), p.Shape...), Data: append([]float32(nil), t.weights[p.Name]...)}
	}
	return out
}
