package kernels

import (
	"fmt"
	"math"
)

// BatchNormForwardTrain normalises x (batch*c*hw, NCHW with hw = H*W) per channel
// over the batch and pixels, as batch norm does in training:
// y = gamma*(x-mean)*invStd + beta with the batch mean and invStd = 1/sqrt(var+eps)
// of the biased variance, both of which it also returns (c values each) for the
// backward pass and the caller's running statistics. y may alias x. Channels run
// on up to GOMAXPROCS goroutines.
func BatchNormForwardTrain(batch, c, hw int, x, gamma, beta []float32, eps float32, y, mean, invStd []float32) {
	Par(0).BatchNormForwardTrain(batch, c, hw, x, gamma, beta, eps, y, mean, invStd)
}

// BatchNormForwardTrain is the package-level BatchNormForwardTrain on at
// most p goroutines.
func (p Par) BatchNormForwardTrain(batch, c, hw int, x, gamma, beta []float32, eps float32, y, mean, invStd []float32) {
	if batch <= 0 || c <= 0 || hw <= 0 {
		return
	}
	mustLen("x", x, batch*c*hw)
	mustLen("y", y, batch*c*hw)
	for _, s := range []struct {
		name string
		v    []float32
	}{{"gamma", gamma}, {"beta", beta}, {"mean", mean}, {"invStd", invStd}} {
		mustLen(s.name, s.v, c)
	}
	runElem(p, &elemTask{op: opBNForward, a: x, b: y, batch: batch, ch: c, hw: hw,
		gamma: gamma, beta: beta, mean: mean, invStd: invStd, eps: eps}, c, batch*c*hw)
}

// bnForward normalises channel ch: two passes for the statistics (the mean, then
// squared deviations from it, which loses nothing to cancellation) and one to apply.
func (t *elemTask) bnForward(ch int) {
	c, hw := t.ch, t.hw
	count := float64(t.batch * hw)
	var sum float64
	for img := 0; img < t.batch; img++ {
		sum += float64(vsum(t.a[(img*c+ch)*hw:][:hw]))
	}
	mu := float32(sum / count)
	var sq float64
	for img := 0; img < t.batch; img++ {
		sq += float64(vsumSqDev(t.a[(img*c+ch)*hw:][:hw], mu))
	}
	inv := float32(1 / math.Sqrt(sq/count+float64(t.eps)))
	t.mean[ch], t.invStd[ch] = mu, inv
	scale := t.gamma[ch] * inv
	shift := t.beta[ch] - mu*scale
	for img := 0; img < t.batch; img++ {
		off := (img*c + ch) * hw
		vaffine(t.a[off:off+hw], t.b[off:off+hw], scale, shift, false)
	}
}

// BatchNormBackward computes the gradients of BatchNormForwardTrain from its
// inputs x and gamma, its returned mean and invStd, and dy: it overwrites dx
// (batch*c*hw; may alias dy), dgamma and dbeta (c values each). Channels run on up
// to GOMAXPROCS goroutines.
func BatchNormBackward(batch, c, hw int, x, gamma, mean, invStd, dy []float32, dx, dgamma, dbeta []float32) {
	Par(0).BatchNormBackward(batch, c, hw, x, gamma, mean, invStd, dy, dx, dgamma, dbeta)
}

// BatchNormBackward is the package-level BatchNormBackward on at most p
// goroutines.
func (p Par) BatchNormBackward(batch, c, hw int, x, gamma, mean, invStd, dy []float32, dx, dgamma, dbeta []float32) {
	if batch <= 0 || c <= 0 || hw <= 0 {
		return
	}
	for _, s := range []struct {
		name string
		v    []float32
	}{{"x", x}, {"dy", dy}, {"dx", dx}} {
		mustLen(s.name, s.v, batch*c*hw)
	}
	for _, s := range []struct {
		name string
		v    []float32
	}{{"gamma", gamma}, {"mean", mean}, {"invStd", invStd}, {"dgamma", dgamma}, {"dbeta", dbeta}} {
		mustLen(s.name, s.v, c)
	}
	runElem(p, &elemTask{op: opBNBackward, a: x, b: dy, c: dx, batch: batch, ch: c, hw: hw,
		gamma: gamma, mean: mean, invStd: invStd, dg: dgamma, db: dbeta}, c, batch*c*hw)
}

// bnBackward computes the gradients of channel ch.
func (t *elemTask) bnBackward(ch int) {
	c, hw := t.ch, t.hw
	mu, inv := t.mean[ch], t.invStd[ch]
	var sdy, sdyx float64
	for img := 0; img < t.batch; img++ {
		off := (img*c + ch) * hw
		a, b := vsumDyX(t.b[off:off+hw], t.a[off:off+hw], mu)
		sdy += float64(a)
		sdyx += float64(b)
	}
	t.db[ch] = float32(sdy)
	t.dg[ch] = float32(sdyx) * inv
	// dx = gamma*inv/N * (N*dy - sum(dy) - xhat*sum(dy*xhat)) with xhat = (x-mu)*inv,
	// which is linear in dy and x: dx = a*dy + b*x + c.
	count := float64(t.batch * hw)
	k := float64(t.gamma[ch]) * float64(inv) / count
	k2 := sdyx * float64(inv) * float64(inv)
	a := float32(k * count)
	b := float32(-k * k2)
	cc := float32(k * (k2*float64(mu) - sdy))
	for img := 0; img < t.batch; img++ {
		off := (img*c + ch) * hw
		vlin3(t.b[off:off+hw], t.a[off:off+hw], t.c[off:off+hw], a, b, cc)
	}
}

// FoldBatchNorm rewrites convolution (or dense) weights w, OutC rows of equal
// length, and biases b (OutC values; must not be nil) in place, so that the layer
// followed by inference-mode batch norm with gamma, beta and the running mean and
// variance is a single layer: w' = w*s, b' = (b-runMean)*s + beta with
// s = gamma/sqrt(runVar+eps).
func FoldBatchNorm(w, b, gamma, beta, runMean, runVar []float32, eps float32) {
	oc := len(b)
	if oc == 0 || len(w)%oc != 0 {
		panic(fmt.Sprintf("kernels: %d weights are not a whole number of rows for %d biases", len(w), oc))
	}
	for _, s := range []struct {
		name string
		v    []float32
	}{{"gamma", gamma}, {"beta", beta}, {"runMean", runMean}, {"runVar", runVar}} {
		mustLen(s.name, s.v, oc)
	}
	rest := len(w) / oc
	for o := 0; o < oc; o++ {
		s := float32(float64(gamma[o]) / math.Sqrt(float64(runVar[o])+float64(eps)))
		row := w[o*rest : (o+1)*rest]
		for i := range row {
			row[i] *= s
		}
		b[o] = (b[o]-runMean[o])*s + beta[o]
	}
}
