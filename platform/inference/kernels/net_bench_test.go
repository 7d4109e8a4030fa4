package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// cnn is a whole network built from the kernels the way the engine chains them:
// [conv (+ batch norm) + ReLU + 2x2 max pool] per stage, then a dense layer. It
// is what BenchmarkNetwork times, so that per-layer figures add up to images per
// second.
type cnn struct {
	batch  int
	convs  []Conv
	pools  []Pool
	bn     bool
	w, b   [][]float32 // per conv
	gamma  [][]float32 // per conv, with bn
	beta   [][]float32
	dw, db [][]float32
	dg, dB [][]float32
	fc     struct{ in, out int }
	fcW    []float32
	fcB    []float32
	dfcW   []float32
	dfcB   []float32
	ws     []float32

	// Activations: in[i] is the input of stage i, pre[i] the conv (or batch-norm)
	// output, act[i] after ReLU, in[i+1] after pooling.
	in, conv, pre, act []([]float32)
	arg                [][]int32
	mean, inv          [][]float32
	logits, dlogits    []float32
	dIn, dAct, dConv   [][]float32
}

func newCNN(r *rand.Rand, batch, size int, channels []int, bn bool) *cnn {
	n := &cnn{batch: batch, bn: bn}
	inC, s := 3, size
	wsLen := 0
	n.in = append(n.in, randSlice(r, batch*3*size*size))
	for _, outC := range channels {
		c := Conv{InC: inC, InH: s, InW: s, OutC: outC, KH: 3, KW: 3, Stride: 1, Pad: 1}
		p := Pool{C: outC, H: s, W: s, K: 2, Stride: 2}
		n.convs, n.pools = append(n.convs, c), append(n.pools, p)
		k := inC * 9
		n.w = append(n.w, scaled(randSlice(r, outC*k), 1/float32(k)))
		n.b = append(n.b, randSlice(r, outC))
		n.dw, n.db = append(n.dw, make([]float32, outC*k)), append(n.db, make([]float32, outC))
		n.gamma, n.beta = append(n.gamma, randSlice(r, outC)), append(n.beta, randSlice(r, outC))
		n.dg, n.dB = append(n.dg, make([]float32, outC)), append(n.dB, make([]float32, outC))
		n.mean, n.inv = append(n.mean, make([]float32, outC)), append(n.inv, make([]float32, outC))
		full := batch * outC * s * s
		n.conv, n.pre, n.act = append(n.conv, make([]float32, full)), append(n.pre, make([]float32, full)), append(n.act, make([]float32, full))
		n.dConv, n.dAct = append(n.dConv, make([]float32, full)), append(n.dAct, make([]float32, full))
		n.dIn = append(n.dIn, make([]float32, batch*inC*s*s))
		pooled := batch * outC * (s / 2) * (s / 2)
		n.in, n.arg = append(n.in, make([]float32, pooled)), append(n.arg, make([]int32, pooled))
		wsLen = max(wsLen, c.WorkspaceLen(batch))
		inC, s = outC, s/2
	}
	n.ws = make([]float32, wsLen)
	n.fc.in, n.fc.out = inC*s*s, 23
	n.fcW, n.fcB = scaled(randSlice(r, n.fc.out*n.fc.in), 1/float32(n.fc.in)), randSlice(r, n.fc.out)
	n.dfcW, n.dfcB = make([]float32, len(n.fcW)), make([]float32, n.fc.out)
	n.logits, n.dlogits = make([]float32, batch*n.fc.out), randSlice(r, batch*n.fc.out)
	n.dIn = append(n.dIn, make([]float32, batch*n.fc.in))
	return n
}

func scaled(s []float32, f float32) []float32 {
	for i := range s {
		s[i] *= f
	}
	return s
}

// forward runs inference (train: batch-norm batch statistics and pooling argmax).
func (n *cnn) forward(train bool) {
	for i, c := range n.convs {
		hw := c.OutH() * c.OutW()
		switch {
		case !n.bn:
			ConvForward(c, n.batch, n.in[i], n.w[i], n.b[i], ActReLU, n.act[i], n.ws)
		case train:
			ConvForward(c, n.batch, n.in[i], n.w[i], nil, ActNone, n.conv[i], n.ws)
			BatchNormForwardTrain(n.batch, c.OutC, hw, n.conv[i], n.gamma[i], n.beta[i], 1e-5, n.pre[i], n.mean[i], n.inv[i])
			ReLU(n.pre[i], n.act[i])
		default: // batch norm folded into the weights
			ConvForward(c, n.batch, n.in[i], n.w[i], n.b[i], ActReLU, n.act[i], n.ws)
		}
		var arg []int32
		if train {
			arg = n.arg[i]
		}
		MaxPoolForward(n.pools[i], n.batch, n.act[i], n.in[i+1], arg)
	}
	DenseForward(n.batch, n.fc.in, n.fc.out, n.in[len(n.convs)], n.fcW, n.fcB, ActNone, n.logits)
}

// backward computes every gradient from dlogits and takes an SGD step.
func (n *cnn) backward() {
	last := len(n.convs)
	DenseBackward(n.batch, n.fc.in, n.fc.out, n.in[last], n.fcW, n.dlogits, n.dIn[last], n.dfcW, n.dfcB)
	sgd(n.fcW, n.dfcW)
	sgd(n.fcB, n.dfcB)
	for i := last - 1; i >= 0; i-- {
		c := n.convs[i]
		hw := c.OutH() * c.OutW()
		MaxPoolBackward(n.pools[i], n.batch, n.dIn[i+1], n.arg[i], n.dAct[i])
		if n.bn {
			ReLUBackward(n.act[i], n.dAct[i], n.dAct[i])
			BatchNormBackward(n.batch, c.OutC, hw, n.conv[i], n.gamma[i], n.mean[i], n.inv[i], n.dAct[i], n.dConv[i], n.dg[i], n.dB[i])
			sgd(n.gamma[i], n.dg[i])
			sgd(n.beta[i], n.dB[i])
		} else {
			ReLUBackward(n.act[i], n.dAct[i], n.dConv[i])
		}
		var dx []float32
		if i > 0 {
			dx = n.dIn[i]
		}
		var db []float32
		if !n.bn {
			db = n.db[i]
		}
		ConvBackward(c, n.batch, n.in[i], n.w[i], n.dConv[i], dx, n.dw[i], db, n.ws)
		sgd(n.w[i], n.dw[i])
		if db != nil {
			sgd(n.b[i], db)
		}
	}
}

func sgd(p, g []float32) {
	for i, v := range g {
		p[i] -= 1e-3 * v
	}
}

// BenchmarkNetwork times whole networks: the SmallCNN 64 "deep" reference and a
// wider network with batch norm, for inference at batch 1 and 32 and for a
// training step (forward, backward and SGD update) at batch 32.
func BenchmarkNetwork(b *testing.B) {
	nets := []struct {
		name     string
		size     int
		channels []int
		bn       bool
	}{
		{"SmallCNN64", 64, []int{16, 32, 64}, false},
		{"WideBN64", 64, []int{32, 64, 128, 256}, true},
		{"WideBN96", 96, []int{32, 64, 128, 256}, true},
	}
	for _, net := range nets {
		for _, mode := range []struct {
			name  string
			batch int
			train bool
		}{{"infer", 1, false}, {"infer", 32, false}, {"train", 32, true}} {
			b.Run(fmt.Sprintf("%s/%s/batch%d", net.name, mode.name, mode.batch), func(b *testing.B) {
				n := newCNN(rand.New(rand.NewPCG(8, 8)), mode.batch, net.size, net.channels, net.bn)
				benchKernels(b, func(b *testing.B) {
					if kernel() == goKernel {
						b.Skip("too slow to be informative")
					}
					// One untimed step allocates the scratch that steady-state
					// steps reuse.
					n.forward(mode.train)
					if mode.train {
						n.backward()
					}
					cpuStart()
					for b.Loop() {
						n.forward(mode.train)
						if mode.train {
							n.backward()
						}
					}
					b.ReportMetric(float64(mode.batch*b.N)/b.Elapsed().Seconds(), "img/s")
					if cpu := cpuSeconds() - benchCPUStart; cpu > 0 {
						// Images per second of two cores' CPU time: what a quiet
						// two-core machine would reach with perfect scaling.
						b.ReportMetric(2*float64(mode.batch*b.N)/cpu, "img/s@2cpu")
					}
				})
			})
		}
	}
}
