package kernels

import (
	"fmt"
	"math"
)

// MaxPoolForward computes y (batch*C*OutH*OutW) as the maximum of each window of
// x (batch*C*H*W); padding never wins. If argmax is not nil, it receives for each
// output the index into x of the value chosen (the first, on ties), which is what
// MaxPoolBackward needs. MaxPoolForward panics on an invalid geometry, a batch whose
// indices overflow int32, or a short slice.
func MaxPoolForward(p Pool, batch int, x, y []float32, argmax []int32) {
	mustValidate(p.Validate())
	if batch <= 0 {
		return
	}
	if !fits(batch, p.C, p.H, p.W) {
		panic(fmt.Sprintf("kernels: max pool input of %d images too large", batch))
	}
	oh, ow := p.OutH(), p.OutW()
	mustLen("x", x, batch*p.C*p.H*p.W)
	mustLen("y", y, batch*p.C*oh*ow)
	if argmax != nil && len(argmax) < batch*p.C*oh*ow {
		panic(fmt.Sprintf("kernels: argmax has %d elements, need %d", len(argmax), batch*p.C*oh*ow))
	}
	for plane := 0; plane < batch*p.C; plane++ {
		base := plane * p.H * p.W
		src := x[base : base+p.H*p.W]
		out := plane * oh * ow
		for i := 0; i < oh; i++ {
			h0, h1 := max(i*p.Stride-p.Pad, 0), min(i*p.Stride-p.Pad+p.K, p.H)
			for j := 0; j < ow; j++ {
				w0, w1 := max(j*p.Stride-p.Pad, 0), min(j*p.Stride-p.Pad+p.K, p.W)
				best, at := float32(math.Inf(-1)), h0*p.W+w0
				for h := h0; h < h1; h++ {
					for w := w0; w < w1; w++ {
						// NaN wins, as in PyTorch, so a diverging network is noticed.
						if v := src[h*p.W+w]; v > best || v != v {
							best, at = v, h*p.W+w
							if v != v {
								h, w = h1, w1
							}
						}
					}
				}
				y[out+i*ow+j] = best
				if argmax != nil {
					argmax[out+i*ow+j] = int32(base + at)
				}
			}
		}
	}
}

// MaxPoolBackward overwrites dx (batch*C*H*W) with the gradient of a max pooling:
// each dy value flows to the input that MaxPoolForward chose (argmax), summed where
// windows overlap. MaxPoolBackward panics on an invalid geometry, a short slice or
// an argmax index outside dx.
func MaxPoolBackward(p Pool, batch int, dy []float32, argmax []int32, dx []float32) {
	mustValidate(p.Validate())
	if batch <= 0 {
		return
	}
	nOut, nIn := batch*p.C*p.OutH()*p.OutW(), batch*p.C*p.H*p.W
	mustLen("dy", dy, nOut)
	mustLen("dx", dx, nIn)
	if len(argmax) < nOut {
		panic(fmt.Sprintf("kernels: argmax has %d elements, need %d", len(argmax), nOut))
	}
	dx = dx[:nIn]
	clear(dx)
	for i, v := range dy[:nOut] {
		dx[argmax[i]] += v
	}
}

// GlobalAvgPoolForward sets y[i] (batch*c values) to the mean of the hw values of
// plane i of x (batch*c*hw).
func GlobalAvgPoolForward(batch, c, hw int, x, y []float32) {
	if batch <= 0 || c <= 0 || hw <= 0 {
		return
	}
	mustLen("x", x, batch*c*hw)
	mustLen("y", y, batch*c)
	inv := 1 / float32(hw)
	for i := range y[:batch*c] {
		var s float32
		for _, v := range x[i*hw : (i+1)*hw] {
			s += v
		}
		y[i] = s * inv
	}
}

// GlobalAvgPoolBackward overwrites dx (batch*c*hw) with dy[i]/hw across plane i.
func GlobalAvgPoolBackward(batch, c, hw int, dy, dx []float32) {
	if batch <= 0 || c <= 0 || hw <= 0 {
		return
	}
	mustLen("dy", dy, batch*c)
	mustLen("dx", dx, batch*c*hw)
	inv := 1 / float32(hw)
	for i, g := range dy[:batch*c] {
		v := g * inv
		d := dx[i*hw : (i+1)*hw]
		for j := range d {
			d[j] = v
		}
	}
}
