package nn

import (
	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// convOp is y = act(conv(x, w) + b), inputs x, w and (when hasBias) b.
type convOp struct {
	opBase
	geom    kernels.Conv
	batch   int
	act     kernels.Activation
	hasBias bool
	needDX  bool // false when x is the graph input: its gradient is never used
	// reluByPool: the max-pool reading y applies the ReLU's backward mask
	// on its 4x smaller output, so this op's backward skips it.
	reluByPool bool
	y          buffer
	ws         *arena
	packed     *kernels.WeightCache // inference only: weights that do not change between runs
	in         [3][]float32
}

func newConvOp(name string, geom kernels.Conv, batch int, act kernels.Activation, hasBias, needDX bool, ws *arena, y buffer) *convOp {
	return &convOp{
		opBase: newOpBase("%s", name), geom: geom, batch: batch, act: act,
		hasBias: hasBias, needDX: needDX, ws: ws,
		y: y,
	}
}

func (o *convOp) Arity() int {
	if o.hasBias {
		return 3
	}
	return 2
}

func (o *convOp) Type() hm.Type {
	if o.hasBias {
		return fnType(4, 4, 1, 4)
	}
	return fnType(4, 4, 4)
}

func (o *convOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return o.y.shape(), nil }

func (o *convOp) Do(vs ...G.Value) (G.Value, error) {
	in := o.in[:o.Arity()]
	if err := inputsF32(vs, in); err != nil {
		return nil, err
	}
	var b []float32
	if o.hasBias {
		b = in[2]
	}
	if o.packed != nil {
		o.par.ConvForwardCached(o.geom, o.batch, in[0], in[1], b, o.act, o.y.data, o.ws.buf, o.packed)
	} else {
		o.par.ConvForward(o.geom, o.batch, in[0], in[1], b, o.act, o.y.data, o.ws.buf)
	}
	return o.y.t, nil
}

func (o *convOp) DiffWRT(n int) []bool { return []bool{o.needDX, true, true}[:n] }

// SymDiff adds one backward node computing dx, dw and db in a single kernel
// call; its value is dw, and dx and db are read from it by partOps.
func (o *convOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bw := &convGradOp{
		opBase: newOpBase("%s.grad", o.name), fwd: o,
		dw: newBuffer(o.geom.OutC, o.geom.InC, o.geom.KH, o.geom.KW),
	}
	if o.act == kernels.ActReLU && !o.reluByPool {
		bw.dpre = newBuffer(o.y.t.Shape()...)
	}
	n, err := G.ApplyOp(bw, inputs[0], inputs[1], output, grad)
	if err != nil {
		return nil, err
	}
	grads := make(G.Nodes, len(inputs))
	grads[1] = n
	if o.needDX {
		bw.dx = newBuffer(o.batch, o.geom.InC, o.geom.InH, o.geom.InW)
		if grads[0], err = G.ApplyOp(newPartOp(o.name+".dx", 4, bw.dx), n); err != nil {
			return nil, err
		}
	}
	if o.hasBias {
		bw.db = newBuffer(o.geom.OutC)
		if grads[2], err = G.ApplyOp(newPartOp(o.name+".db", 4, bw.db), n); err != nil {
			return nil, err
		}
	}
	return grads, nil
}

// convGradOp takes x, w, the forward output y and its gradient dy, and
// returns dw (dx and db go to op-owned buffers).
type convGradOp struct {
	opBase
	fwd        *convOp
	dx, dw, db buffer
	dpre       buffer // dy masked by the fused ReLU
	in         [4][]float32
}

func (o *convGradOp) Arity() int    { return 4 }
func (o *convGradOp) Type() hm.Type { return fnType(4, 4, 4, 4, 4) }
func (o *convGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.dw.shape(), nil
}

func (o *convGradOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	x, w, y, dy := o.in[0], o.in[1], o.in[2], o.in[3]
	f := o.fwd
	if f.act == kernels.ActReLU && !f.reluByPool {
		o.par.ReLUBackward(y, dy, o.dpre.data)
		dy = o.dpre.data
	}
	o.par.ConvBackward(f.geom, f.batch, x, w, dy, o.dx.data, o.dw.data, o.db.data, f.ws.buf)
	return o.dw.t, nil
}
