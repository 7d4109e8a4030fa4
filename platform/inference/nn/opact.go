package nn

import (
	"math/rand/v2"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// reluOp is a ReLU that could not be fused into the layer before it.
type reluOp struct {
	opBase
	dims int
	y    buffer
	in   [1][]float32
}

func newReLUOp(name string, y buffer) *reluOp {
	return &reluOp{opBase: newOpBase("%s", name), dims: y.t.Dims(), y: y}
}

func (o *reluOp) Arity() int    { return 1 }
func (o *reluOp) Type() hm.Type { return fnType(o.dims, o.dims) }
func (o *reluOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.y.shape(), nil
}

func (o *reluOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	o.par.ReLU(o.in[0], o.y.data)
	return o.y.t, nil
}

func (o *reluOp) DiffWRT(int) []bool { return []bool{true} }

func (o *reluOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bw := &reluGradOp{opBase: newOpBase("%s.grad", o.name), dims: o.dims, dx: newBuffer(o.y.t.Shape()...)}
	dx, err := G.ApplyOp(bw, output, grad)
	return G.Nodes{dx}, err
}

// reluGradOp takes the ReLU's output and its gradient and passes the
// gradient where the output is positive.
type reluGradOp struct {
	opBase
	dims int
	dx   buffer
	in   [2][]float32
}

func (o *reluGradOp) Arity() int    { return 2 }
func (o *reluGradOp) Type() hm.Type { return fnType(o.dims, o.dims, o.dims) }
func (o *reluGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.dx.shape(), nil
}

func (o *reluGradOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	o.par.ReLUBackward(o.in[0], o.in[1], o.dx.data)
	return o.dx.t, nil
}

// dropoutOp zeroes each value with probability p and scales the others by
// 1/(1-p) (inverted dropout), so inference simply leaves it out. Its random
// stream is seeded, so training is reproducible.
type dropoutOp struct {
	opBase
	dims int
	p    float32
	rng  *rand.Rand
	src  *rand.PCG // rng's state, saved in a trainer checkpoint
	keep []bool
	y    buffer
	in   [1][]float32
}

func newDropoutOp(name string, shape tensor.Shape, p float64, seed uint64) *dropoutOp {
	y := newBuffer(shape...)
	src := rand.NewPCG(seed, 0x64726f70)
	return &dropoutOp{
		opBase: newOpBase("%s", name), dims: shape.Dims(), p: float32(p),
		rng: rand.New(src), src: src, keep: make([]bool, len(y.data)), y: y,
	}
}

func (o *dropoutOp) Arity() int    { return 1 }
func (o *dropoutOp) Type() hm.Type { return fnType(o.dims, o.dims) }
func (o *dropoutOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.y.shape(), nil
}

func (o *dropoutOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	scale := 1 / (1 - o.p)
	for i, v := range o.in[0] {
		o.keep[i] = o.rng.Float32() >= o.p
		if o.keep[i] {
			o.y.data[i] = v * scale
		} else {
			o.y.data[i] = 0
		}
	}
	return o.y.t, nil
}

func (o *dropoutOp) DiffWRT(int) []bool { return []bool{true} }

func (o *dropoutOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bw := &dropoutGradOp{opBase: newOpBase("%s.grad", o.name), fwd: o, dx: newBuffer(o.y.t.Shape()...)}
	dx, err := G.ApplyOp(bw, output, grad)
	return G.Nodes{dx}, err
}

// dropoutGradOp takes the forward output (only to run after it) and its
// gradient, and passes the gradient of kept values, scaled.
type dropoutGradOp struct {
	opBase
	fwd *dropoutOp
	dx  buffer
	in  [2][]float32
}

func (o *dropoutGradOp) Arity() int    { return 2 }
func (o *dropoutGradOp) Type() hm.Type { return fnType(o.fwd.dims, o.fwd.dims, o.fwd.dims) }
func (o *dropoutGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.dx.shape(), nil
}

func (o *dropoutGradOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	scale := 1 / (1 - o.fwd.p)
	for i, g := range o.in[1] {
		if o.fwd.keep[i] {
			o.dx.data[i] = g * scale
		} else {
			o.dx.data[i] = 0
		}
	}
	return o.dx.t, nil
}
