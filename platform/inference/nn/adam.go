package nn

import "math"

// adam is the Adam optimiser (Kingma & Ba) with PyTorch's update rule and,
// when decay > 0, decoupled weight decay (AdamW) on the weights it is given
// as decayed. It runs over plain slices in one fused pass per tensor, and
// allocates nothing per step.
type adam struct {
	lr, beta1, beta2, eps, decay float64
	t                            int
	m, v                         [][]float32
}

func newAdam(lens []int, lr, beta1, beta2, eps, decay float64) *adam {
	o := &adam{lr: lr, beta1: beta1, beta2: beta2, eps: eps, decay: decay}
	for _, n := range lens {
		o.m = append(o.m, make([]float32, n))
		o.v = append(o.v, make([]float32, n))
	}
	return o
}

// step updates params[i] from grads[i]; decayed[i] says whether weight
// decay applies (not to biases and batchnorm parameters).
func (o *adam) step(params, grads [][]float32, decayed []bool) {
	o.t++
	c1 := 1 - math.Pow(o.beta1, float64(o.t))
	c2 := math.Sqrt(1 - math.Pow(o.beta2, float64(o.t)))
	// p -= lr/c1 * m / (sqrt(v)/c2 + eps), rearranged to one multiply.
	alpha := float32(o.lr * c2 / c1)
	eps := float32(o.eps * c2)
	b1, b2 := float32(o.beta1), float32(o.beta2)
	shrink := float32(1 - o.lr*o.decay)
	for i, p := range params {
		g, m, v := grads[i], o.m[i], o.v[i]
		g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
		if decayed[i] && o.decay > 0 {
			for j := range p {
				p[j] *= shrink
			}
		}
		for j, gj := range g {
			mj := b1*m[j] + (1-b1)*gj
			vj := b2*v[j] + (1-b2)*gj*gj
			m[j], v[j] = mj, vj
			p[j] -= alpha * mj / (float32(math.Sqrt(float64(vj))) + eps)
		}
	}
}
