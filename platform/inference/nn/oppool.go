package nn

import (
	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// maxPoolOp is a max pooling of x [N,C,H,W]; in training it remembers where
// each maximum came from for the backward pass.
type maxPoolOp struct {
	opBase
	geom   kernels.Pool
	batch  int
	y      buffer
	argmax []int32
	// maskReLU: its input is a ReLU's output, whose backward mask this op
	// applies on the pooled side. A window's maximum is positive exactly
	// when the input it came from is, and only those inputs get gradient,
	// so masking dy by y > 0 before scattering is the same as masking dx
	// by x > 0 after, on a quarter of the values (2x2 pooling).
	maskReLU bool
	in       [1][]float32
}

func newMaxPoolOp(name string, geom kernels.Pool, batch int, y buffer, train bool) *maxPoolOp {
	op := &maxPoolOp{opBase: newOpBase("%s", name), geom: geom, batch: batch, y: y}
	if train {
		op.argmax = make([]int32, len(y.data))
	}
	return op
}

func (o *maxPoolOp) Arity() int    { return 1 }
func (o *maxPoolOp) Type() hm.Type { return fnType(4, 4) }
func (o *maxPoolOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.y.shape(), nil
}

func (o *maxPoolOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	o.par.MaxPoolForward(o.geom, o.batch, o.in[0], o.y.data, o.argmax)
	return o.y.t, nil
}

func (o *maxPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (o *maxPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bw := &maxPoolGradOp{
		opBase: newOpBase("%s.grad", o.name), fwd: o,
		dx: newBuffer(o.batch, o.geom.C, o.geom.H, o.geom.W),
	}
	if o.maskReLU {
		bw.dy = newBuffer(o.y.t.Shape()...)
	}
	dx, err := G.ApplyOp(bw, output, grad)
	return G.Nodes{dx}, err
}

// maxPoolGradOp takes the forward output (only to run after it) and its
// gradient and returns dx.
type maxPoolGradOp struct {
	opBase
	fwd *maxPoolOp
	dx  buffer
	dy  buffer // masked by the ReLU before the pool, when the pool does that
	in  [2][]float32
}

func (o *maxPoolGradOp) Arity() int    { return 2 }
func (o *maxPoolGradOp) Type() hm.Type { return fnType(4, 4, 4) }
func (o *maxPoolGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.dx.shape(), nil
}

func (o *maxPoolGradOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	y, dy := o.in[0], o.in[1]
	if o.fwd.maskReLU {
		o.par.ReLUBackward(y, dy, o.dy.data)
		dy = o.dy.data
	}
	o.par.MaxPoolBackward(o.fwd.geom, o.fwd.batch, dy, o.fwd.argmax, o.dx.data)
	return o.dx.t, nil
}

// avgPoolOp is a global average pooling, [N,C,H,W] -> [N,C,1,1].
type avgPoolOp struct {
	opBase
	batch, c, hw int
	y            buffer
	in           [1][]float32
}

func newAvgPoolOp(name string, batch int, s Shape, y buffer) *avgPoolOp {
	return &avgPoolOp{
		opBase: newOpBase("%s", name), batch: batch, c: s.Channels, hw: s.Height * s.Width,
		y: y,
	}
}

func (o *avgPoolOp) Arity() int    { return 1 }
func (o *avgPoolOp) Type() hm.Type { return fnType(4, 4) }
func (o *avgPoolOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.y.shape(), nil
}

func (o *avgPoolOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	kernels.GlobalAvgPoolForward(o.batch, o.c, o.hw, o.in[0], o.y.data)
	return o.y.t, nil
}

func (o *avgPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (o *avgPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bw := &avgPoolGradOp{opBase: newOpBase("%s.grad", o.name), fwd: o, dx: newBuffer(inputs[0].Shape()...)}
	dx, err := G.ApplyOp(bw, grad)
	return G.Nodes{dx}, err
}

// avgPoolGradOp spreads the gradient of each average evenly over its window.
type avgPoolGradOp struct {
	opBase
	fwd *avgPoolOp
	dx  buffer
	in  [1][]float32
}

func (o *avgPoolGradOp) Arity() int    { return 1 }
func (o *avgPoolGradOp) Type() hm.Type { return fnType(4, 4) }
func (o *avgPoolGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.dx.shape(), nil
}

func (o *avgPoolGradOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	kernels.GlobalAvgPoolBackward(o.fwd.batch, o.fwd.c, o.fwd.hw, o.in[0], o.dx.data)
	return o.dx.t, nil
}
