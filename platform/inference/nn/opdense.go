package nn

import (
	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// denseOp is y = act(x w^T + b) with x [N, in] (or any [N, ...] whose
// trailing dimensions hold in values), w [out, in], b [out], y [N, out].
type denseOp struct {
	opBase
	n, inLen, out int
	xDims         int
	act           kernels.Activation
	needDX        bool
	y             buffer
	in            [3][]float32
}

func newDenseOp(name string, batch, inLen, out, xDims int, act kernels.Activation, needDX bool, y buffer) *denseOp {
	return &denseOp{
		opBase: newOpBase("%s", name), n: batch, inLen: inLen, out: out, xDims: xDims,
		act: act, needDX: needDX, y: y,
	}
}

func (o *denseOp) Arity() int    { return 3 }
func (o *denseOp) Type() hm.Type { return fnType(o.xDims, 2, 1, 2) }
func (o *denseOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.y.shape(), nil
}

func (o *denseOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	o.par.DenseForward(o.n, o.inLen, o.out, o.in[0], o.in[1], o.in[2], o.act, o.y.data)
	return o.y.t, nil
}

func (o *denseOp) DiffWRT(int) []bool { return []bool{o.needDX, true, true} }

// SymDiff adds one backward node computing dx, dw and db together; its value
// is dw, and dx and db are read from it by partOps.
func (o *denseOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bw := &denseGradOp{
		opBase: newOpBase("%s.grad", o.name), fwd: o,
		dw: newBuffer(o.out, o.inLen), db: newBuffer(o.out),
	}
	if o.act == kernels.ActReLU {
		bw.dpre = newBuffer(o.n, o.out)
	}
	n, err := G.ApplyOp(bw, inputs[0], inputs[1], output, grad)
	if err != nil {
		return nil, err
	}
	grads := G.Nodes{nil, n, nil}
	if o.needDX {
		bw.dx = newBuffer(inputs[0].Shape()...)
		if grads[0], err = G.ApplyOp(newPartOp(o.name+".dx", 2, bw.dx), n); err != nil {
			return nil, err
		}
	}
	if grads[2], err = G.ApplyOp(newPartOp(o.name+".db", 2, bw.db), n); err != nil {
		return nil, err
	}
	return grads, nil
}

// denseGradOp takes x, w, the forward output and its gradient and returns
// dw (dx and db go to op-owned buffers).
type denseGradOp struct {
	opBase
	fwd        *denseOp
	dx, dw, db buffer
	dpre       buffer
	in         [4][]float32
}

func (o *denseGradOp) Arity() int    { return 4 }
func (o *denseGradOp) Type() hm.Type { return fnType(o.fwd.xDims, 2, 2, 2, 2) }
func (o *denseGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.dw.shape(), nil
}

func (o *denseGradOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	x, w, y, dy := o.in[0], o.in[1], o.in[2], o.in[3]
	f := o.fwd
	if f.act == kernels.ActReLU {
		o.par.ReLUBackward(y, dy, o.dpre.data)
		dy = o.dpre.data
	}
	o.par.DenseBackward(f.n, f.inLen, f.out, x, w, dy, o.dx.data, o.dw.data, o.db.data)
	return o.dw.t, nil
}
