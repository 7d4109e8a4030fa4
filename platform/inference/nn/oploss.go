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
	// Mixup: every image is a blend of its own (weight lam) and a
	// partner's (1-lam), whose label is in partners. lam = 1 is plain
	// training.
	partners []int32
	lam      float64
	probs    []float32
	loss     G.F32
	in       [1][]float32
}

func newLossOp(batch, classes int, weights []float32, smoothing float64) *lossOp {
	return &lossOp{
		opBase: newOpBase("loss"), n: batch, k: classes, weights: weights, smoothing: smoothing,
		labels: make([]int32, batch), probs: make([]float32, batch*classes),
		partners: make([]int32, batch), lam: 1,
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
		var spread float64 // the smoothing part, the same for both targets
		if uniform != 0 {
			for _, v := range row {
				spread -= uniform * (float64(v) - lse)
			}
		}
		w1, w2 := o.targetWeights(i)
		y1, y2 := o.labels[i], o.partners[i]
		l1 := -(1-o.smoothing)*(float64(row[y1])-lse) + spread
		l2 := -(1-o.smoothing)*(float64(row[y2])-lse) + spread
		total += w1*l1 + w2*l2
		wsum += w1 + w2
	}
	o.loss = G.F32(total / wsum)
	return &o.loss, nil
}

// targetWeights are image i's class weights scaled by its mixup shares:
// lam for its own label, 1-lam for its partner's. With lam = 1 the second
// is exactly zero, so plain training computes what it did before mixup.
func (o *lossOp) targetWeights(i int) (float64, float64) {
	return o.lam * float64(o.weights[o.labels[i]]), (1 - o.lam) * float64(o.weights[o.partners[i]])
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
	for i := range f.n {
		w1, w2 := f.targetWeights(i)
		wsum += w1 + w2
	}
	uniform := float32(f.smoothing / float64(f.k))
	for i := range f.n {
		w1, w2 := f.targetWeights(i)
		scale1, scale2 := float32(g*w1/wsum), float32(g*w2/wsum)
		p := f.probs[i*f.k : (i+1)*f.k]
		d := o.dz.data[i*f.k : (i+1)*f.k]
		for j, pj := range p {
			d[j] = (pj - uniform) * (scale1 + scale2)
		}
		d[f.labels[i]] -= float32(1-f.smoothing) * scale1
		d[f.partners[i]] -= float32(1-f.smoothing) * scale2
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
