package kernels

import (
	"fmt"
	"math"
)

// BatchNormForwardTrain normalises x (batch*c*hw, NCHW with hw = H*W) per channel
// over the batch and pixels, as batch norm does in training:
// y = gamma*(x-mean)*invStd + beta with the batch mean and invStd = 1/sqrt(var+eps)
// of the biased variance, both of which it also returns (c values each) for the
// backward pass and the caller's running statistics. y may alias x.
func BatchNormForwardTrain(batch, c, hw int, x, gamma, beta []float32, eps float32, y, mean, invStd []float32) {
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
	count := float64(batch * hw)
	for ch := 0; ch < c; ch++ {
		// Accumulate in float64: a batch of images has ~10^5 values per channel.
		var sum float64
		for img := 0; img < batch; img++ {
			var s float32
			for _, v := range x[(img*c+ch)*hw:][:hw] {
				s += v
			}
			sum += float64(s)
		}
		mu := sum / count
		var sq float64
		m32 := float32(mu)
		for img := 0; img < batch; img++ {
			var s float32
			for _, v := range x[(img*c+ch)*hw:][:hw] {
				d := v - m32
				s += d * d
			}
			sq += float64(s)
		}
		inv := float32(1 / math.Sqrt(sq/count+float64(eps)))
		mean[ch], invStd[ch] = m32, inv
		scale := gamma[ch] * inv
		shift := beta[ch] - m32*scale
		for img := 0; img < batch; img++ {
			off := (img*c + ch) * hw
			src, dst := x[off:off+hw], y[off:off+hw]
			for i, v := range src {
				dst[i] = v*scale + shift
			}
		}
	}
}

// BatchNormBackward computes the gradients of BatchNormForwardTrain from its
// inputs x and gamma, its returned mean and invStd, and dy: it overwrites dx
// (batch*c*hw; may alias dy), dgamma and dbeta (c values each).
func BatchNormBackward(batch, c, hw int, x, gamma, mean, invStd, dy []float32, dx, dgamma, dbeta []float32) {
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
	count := float32(batch * hw)
	for ch := 0; ch < c; ch++ {
		mu, inv := mean[ch], invStd[ch]
		var sdy, sdyx float64
		for img := 0; img < batch; img++ {
			off := (img*c + ch) * hw
			var a, b float32
			for i, g := range dy[off : off+hw] {
				a += g
				b += g * (x[off+i] - mu)
			}
			sdy += float64(a)
			sdyx += float64(b)
		}
		dbeta[ch] = float32(sdy)
		dgamma[ch] = float32(sdyx) * inv
		// dx = gamma*inv/N * (N*dy - sum(dy) - xhat*sum(dy*xhat))
		k := gamma[ch] * inv / count
		k1 := float32(sdy)     // sum(dy)
		k2 := dgamma[ch] * inv // sum(dy*xhat) * inv, multiplies (x-mu)
		for img := 0; img < batch; img++ {
			off := (img*c + ch) * hw
			src := x[off : off+hw]
			d := dx[off : off+hw]
			for i, g := range dy[off : off+hw] {
				d[i] = k * (count*g - k1 - (src[i]-mu)*k2)
			}
		}
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
