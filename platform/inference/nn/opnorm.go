package nn

import (
	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// batchNormOp normalises x [N,C,H,W] with the batch's per-channel statistics
// (training mode), y = act(gamma*(x-mean)*invStd + beta), inputs x, gamma,
// beta, and updates the running statistics that inference uses. Inference
// never runs it: there the running statistics are folded into the conv.
type batchNormOp struct {
	opBase
	batch, c, hw    int
	eps, momentum   float32
	act             kernels.Activation
	reluByPool      bool // see convOp
	y               buffer
	mean, invStd    []float32 // of the last batch, for the backward pass
	runMean, runVar []float32
	in              [3][]float32
}

func newBatchNormOp(name string, batch int, s Shape, eps, momentum float64, act kernels.Activation, runMean, runVar []float32) *batchNormOp {
	return &batchNormOp{
		opBase: newOpBase("%s", name), batch: batch, c: s.Channels, hw: s.Height * s.Width,
		eps: float32(eps), momentum: float32(momentum), act: act,
		y:    newBuffer(batch, s.Channels, s.Height, s.Width),
		mean: make([]float32, s.Channels), invStd: make([]float32, s.Channels),
		runMean: runMean, runVar: runVar,
	}
}

func (o *batchNormOp) Arity() int    { return 3 }
func (o *batchNormOp) Type() hm.Type { return fnType(4, 1, 1, 4) }
func (o *batchNormOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.y.shape(), nil
}

func (o *batchNormOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	x, gamma, beta := o.in[0], o.in[1], o.in[2]
	o.par.BatchNormForwardTrain(o.batch, o.c, o.hw, x, gamma, beta, o.eps, o.y.data, o.mean, o.invStd)
	if o.act == kernels.ActReLU {
		o.par.ReLU(o.y.data, o.y.data)
	}
	// Running variance is unbiased, as in PyTorch, so that exported models
	// match what PyTorch would have produced.
	m := float32(o.batch * o.hw)
	unbias := m / max(m-1, 1)
	for c := range o.c {
		v := 1/(o.invStd[c]*o.invStd[c]) - o.eps
		o.runMean[c] += o.momentum * (o.mean[c] - o.runMean[c])
		o.runVar[c] += o.momentum * (max(v, 0)*unbias - o.runVar[c])
	}
	return o.y.t, nil
}

func (o *batchNormOp) DiffWRT(int) []bool { return []bool{true, true, true} }

func (o *batchNormOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bw := &batchNormGradOp{
		opBase: newOpBase("%s.grad", o.name), fwd: o,
		dx: newBuffer(o.y.t.Shape()...), dgamma: newBuffer(o.c), dbeta: newBuffer(o.c),
	}
	if o.act == kernels.ActReLU && !o.reluByPool {
		bw.dpre = newBuffer(o.y.t.Shape()...)
	}
	dx, err := G.ApplyOp(bw, inputs[0], inputs[1], output, grad)
	if err != nil {
		return nil, err
	}
	dgamma, err := G.ApplyOp(newPartOp(o.name+".dgamma", 4, bw.dgamma), dx)
	if err != nil {
		return nil, err
	}
	dbeta, err := G.ApplyOp(newPartOp(o.name+".dbeta", 4, bw.dbeta), dx)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dgamma, dbeta}, nil
}

// batchNormGradOp takes x, gamma, the forward output y and its gradient and
// returns dx (dgamma and dbeta go to op-owned buffers).
type batchNormGradOp struct {
	opBase
	fwd               *batchNormOp
	dx, dgamma, dbeta buffer
	dpre              buffer
	in                [4][]float32
}

func (o *batchNormGradOp) Arity() int    { return 4 }
func (o *batchNormGradOp) Type() hm.Type { return fnType(4, 1, 4, 4, 4) }
func (o *batchNormGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.dx.shape(), nil
}

func (o *batchNormGradOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	x, gamma, y, dy := o.in[0], o.in[1], o.in[2], o.in[3]
	f := o.fwd
	if f.act == kernels.ActReLU && !f.reluByPool {
		o.par.ReLUBackward(y, dy, o.dpre.data)
		dy = o.dpre.data
	}
	o.par.BatchNormBackward(f.batch, f.c, f.hw, x, gamma, f.mean, f.invStd, dy, o.dx.data, o.dgamma.data, o.dbeta.data)
	return o.dx.t, nil
}
