package nn

import (
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// lossOp is the class-weighted softmax cross-entropy of logits [N,K]
// against labels set before each run, averaged as PyTorch's
// CrossEntropyLoss(weight=w) does: sum_i w[y_i]*loss_i / sum_i w[y_i].
// With label smoothing s the target is (1-s) on the label plus s/K on every
// class. Log-probabilities are computed as z - max(z) - log(sum(exp(z - max)))
// so that large logits cannot overflow.
type lossOp struct {
	opBase
	n, k      int
	weights   []float32 // per class
	smoothing float64
	labels    []int32 // set by the trainer before each run
	probs     []float32
	loss      G.F32
	in        [1][]float32
}

func newLossOp(batch, classes int, weights []float32, smoothing float64) *lossOp {
	return &lossOp{
		opBase: newOpBase("loss"), n: batch, k: classes, weights: weights, smoothing: smoothing,
		labels: make([]int32, batch), probs: make([]float32, batch*classes),
	}
}

func (o *lossOp) Arity() int    { return 1 }
func (o *lossOp) Type() hm.Type { return fnType(2, 0) }
func (o *lossOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (o *lossOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	z := o.in[0]
	var total, wsum float64
	uniform := o.smoothing / float64(o.k)
	for i := range o.n {
		row := z[i*o.k : (i+1)*o.k]
		p := o.probs[i*o.k : (i+1)*o.k]
		lse := softmaxRow(row, p)
		y := o.labels[i]
		w := float64(o.weights[y])
		l := -(1 - o.smoothing) * (float64(row[y]) - lse)
		if uniform != 0 {
			for _, v := range row {
				l -= uniform * (float64(v) - lse)
			}
		}
		total += w * l
		wsum += w
	}
	o.loss = G.F32(total / wsum)
	return &o.loss, nil
}

func (o *lossOp) DiffWRT(int) []bool { return []bool{true} }

func (o *lossOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bw := &lossGradOp{opBase: newOpBase("loss.grad"), fwd: o, dz: newBuffer(o.n, o.k)}
	dz, err := G.ApplyOp(bw, output, grad)
	return G.Nodes{dz}, err
}

// softmaxRow writes softmax(z) into p and returns log(sum(exp(z))).
func softmaxRow(z, p []float32) float64 {
	m := z[0]
	for _, v := range z[1:] {
		m = max(m, v)
	}
	var sum float64
	for j, v := range z {
		e := math.Exp(float64(v - m))
		p[j] = float32(e)
		sum += e
	}
	inv := 1 / sum
	for j := range p {
		p[j] = float32(float64(p[j]) * inv)
	}
	return float64(m) + math.Log(sum)
}

// lossGradOp takes the loss (only to run after it, reusing its
// probabilities) and the incoming scalar gradient, and returns dL/dz.
type lossGradOp struct {
	opBase
	fwd *lossOp
	dz  buffer
}

func (o *lossGradOp) Arity() int    { return 2 }
func (o *lossGradOp) Type() hm.Type { return fnType(0, 0, 2) }
func (o *lossGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.dz.shape(), nil
}

func (o *lossGradOp) Do(vs ...G.Value) (G.Value, error) {
	f := o.fwd
	g := float64(1)
	if s, ok := vs[1].(*G.F32); ok {
		g = float64(*s)
	}
	var wsum float64
	for _, y := range f.labels {
		wsum += float64(f.weights[y])
	}
	uniform := float32(f.smoothing / float64(f.k))
	for i := range f.n {
		y := f.labels[i]
		scale := float32(g * float64(f.weights[y]) / wsum)
		p := f.probs[i*f.k : (i+1)*f.k]
		d := o.dz.data[i*f.k : (i+1)*f.k]
		for j, pj := range p {
			d[j] = (pj - uniform) * scale
		}
		d[y] -= float32(1-f.smoothing) * scale
	}
	return o.dz.t, nil
}

// softmaxOp turns logits [N,K] into probabilities: the predictor's output.
type softmaxOp struct {
	opBase
	n, k int
	p    buffer
	in   [1][]float32
}

func newSoftmaxOp(batch, classes int) *softmaxOp {
	return &softmaxOp{opBase: newOpBase("softmax"), n: batch, k: classes, p: newBuffer(batch, classes)}
}

func (o *softmaxOp) Arity() int    { return 1 }
func (o *softmaxOp) Type() hm.Type { return fnType(2, 2) }
func (o *softmaxOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.p.shape(), nil
}

func (o *softmaxOp) Do(vs ...G.Value) (G.Value, error) {
	if err := inputsF32(vs, o.in[:]); err != nil {
		return nil, err
	}
	for i := range o.n {
		softmaxRow(o.in[0][i*o.k:(i+1)*o.k], o.p.data[i*o.k:(i+1)*o.k])
	}
	return o.p.t, nil
}
