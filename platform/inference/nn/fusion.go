package nn

import "github.com/aquaml/aquaml/platform/inference/kernels"

// How one layer's op does the work of the layers after it: a conv writes
// relu(conv(x)+b) in one pass, with a batchnorm folded into its weights for
// inference, and a dense layer applies its ReLU as it writes. The leading
// layer decides what it takes (fuser); the layers it may take say what they
// are through the small interfaces below, so neither names the other's kind
// and units never asks which kind a layer is.

// unit is one op of a graph: the layer at index at and the layers after it
// that its op takes over.
type unit struct {
	at    int
	taken []Layer // the layers at+1 ... at+len(taken)
	in    Shape   // what the layer at receives
	// reluToNext: the op ends with a ReLU it took over, and the next op
	// applies that ReLU's backward mask (see reluMasker), so this one skips it.
	reluToNext bool
	// reluFromPrev: this op applies the backward mask of the ReLU that the
	// op before it took over.
	reluFromPrev bool
}

// A fuser is a layer whose op can do the work of some of the layers right
// after it.
type fuser interface {
	Layer
	// claim returns how many of next, the layers after it in order, its op
	// takes over in a training graph (train) or an inference graph.
	claim(next []Layer, train bool) int
}

// An activation is an element-wise function that the op before it can
// apply as it writes its output.
type activation interface {
	Layer
	activation() kernels.Activation
}

// A normaliser is a per-channel affine map that inference folds into the
// weights of the layer before it; training runs it as an op of its own.
type normaliser interface {
	Layer
	// foldInto rescales w (one row per output channel) and b, the weights
	// of the layer before it, in place, so that they compute what that
	// layer and the normaliser at index at computed together; src holds
	// the normaliser's tensors.
	foldInto(w, b []float32, src weightSet, at int)
}

// A reluMasker's op applies the backward mask of a ReLU that the op before
// it took over on its own, smaller, output, and that op skips the mask (see
// maxPoolOp.maskReLU).
type reluMasker interface {
	Layer
	masksReLU()
}

// leadingActivation returns next[0]'s activation and 1 when next[0] is an
// activation, kernels.ActNone and 0 otherwise: what a fuser takes last.
func leadingActivation(next []Layer) (kernels.Activation, int) {
	if len(next) > 0 {
		if a, ok := next[0].(activation); ok {
			return a.activation(), 1
		}
	}
	return kernels.ActNone, 0
}

// units groups the layers into the ops of a training or an inference graph.
func (a *Arch) units(train bool) []unit {
	var us []unit
	for i := 0; i < len(a.layers); i++ {
		u := unit{at: i, in: a.plan[i].in}
		if f, ok := a.layers[i].(fuser); ok {
			n := f.claim(a.layers[i+1:], train)
			u.taken = a.layers[i+1 : i+1+n]
			i += n
		}
		if k := len(us) - 1; k >= 0 && us[k].endsInReLU() {
			if _, ok := a.layers[u.at].(reluMasker); ok {
				us[k].reluToNext, u.reluFromPrev = true, true
			}
		}
		us = append(us, u)
	}
	return us
}

// endsInReLU reports whether the op's last step is a ReLU it took over.
func (u unit) endsInReLU() bool {
	if len(u.taken) == 0 {
		return false
	}
	act, _ := leadingActivation(u.taken[len(u.taken)-1:])
	return act == kernels.ActReLU
}
