package kernels

import (
	"fmt"
	"math"
)

// MaxPoolForward computes y (batch*C*OutH*OutW) as the maximum of each window of
// x (batch*C*H*W); padding never wins and NaN does, as in PyTorch. If argmax is
// not nil, it receives for each output the index into x of the value chosen (the
// first, on ties), which is what MaxPoolBackward needs. Planes run on up to
// GOMAXPROCS goroutines. MaxPoolForward panics on an invalid geometry, a batch
// whose indices overflow int32, or a short slice.
func MaxPoolForward(p Pool, batch int, x, y []float32, argmax []int32) {
	Par(0).MaxPoolForward(p, batch, x, y, argmax)
}

// MaxPoolForward is the package-level MaxPoolForward on at most par goroutines.
func (par Par) MaxPoolForward(p Pool, batch int, x, y []float32, argmax []int32) {
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
	runPool(par, &poolTask{p: p, planes: batch * p.C, x: x, y: y, argmax: argmax})
}

// runPool runs a pooling pass over its planes in chunks of about poolChunkLen.
func runPool(par Par, args *poolTask) {
	t := poolTasks.get()
	*t = *args
	p := t.p
	t.perChunk = max(1, poolChunkLen/(p.H*p.W))
	par.parallelFor(t, ceilDiv(t.planes, t.perChunk), min(par.parts(), ceilDiv(t.planes*p.H*p.W, poolChunkLen)))
	*t = poolTask{}
	poolTasks.put(t)
}

// poolChunkLen is the input a pooling chunk covers, about 64 KiB: big enough to
// amortise handing it out, small enough to balance goroutines on one image.
const poolChunkLen = 16 << 10

// poolTask is one MaxPoolForward call, pooled so that handing it out is free.
type poolTask struct {
	p        Pool
	planes   int
	x, y     []float32 // backward: dx and dy
	argmax   []int32
	backward bool
	perChunk int
}

var poolTasks = newFreeList(freeListSize, func() *poolTask { return new(poolTask) })

func (t *poolTask) run(_, chunk int) {
	p := t.p
	oh, ow := p.OutH(), p.OutW()
	first := chunk * t.perChunk
	last := min(t.planes, first+t.perChunk)
	if t.backward {
		// Each plane's argmax points into the same plane, so chunks are independent.
		dx := t.x[first*p.H*p.W : last*p.H*p.W]
		clear(dx)
		dx = t.x[:last*p.H*p.W]
		for i, v := range t.y[first*oh*ow : last*oh*ow] {
			dx[t.argmax[first*oh*ow+i]] += v
		}
		return
	}
	for plane := first; plane < last; plane++ {
		base := plane * p.H * p.W
		src := t.x[base : base+p.H*p.W]
		dst := t.y[plane*oh*ow : (plane+1)*oh*ow]
		var arg []int32
		if t.argmax != nil {
			arg = t.argmax[plane*oh*ow : (plane+1)*oh*ow]
		}
		if p.K == 2 && p.Stride == 2 && p.Pad == 0 {
			maxPool2x2(src, p.W, oh, ow, dst, arg, base)
		} else {
			maxPoolPlane(p, src, dst, arg, base)
		}
	}
}

// maxPool2x2 pools one plane (row length w) with 2x2 windows at stride 2.
func maxPool2x2(src []float32, w, oh, ow int, dst []float32, arg []int32, base int) {
	for i := 0; i < oh; i++ {
		r0 := src[2*i*w : 2*i*w+2*ow]
		r1 := src[(2*i+1)*w : (2*i+1)*w+2*ow]
		d := dst[i*ow : (i+1)*ow]
		var a []int32
		if arg != nil {
			a = arg[i*ow : (i+1)*ow]
		}
		if maxPoolRow2x2(r0, r1, d, a, base+2*i*w, w) {
			continue
		}
		if arg == nil {
			for j := range d {
				d[j] = max(r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1])
			}
			continue
		}
		for j := range d {
			v0, v1, v2, v3 := r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1]
			m := max(v0, v1, v2, v3)
			// The first element equal to the maximum, or the first NaN.
			at := 2*i*w + 2*j
			switch {
			case v0 == m || v0 != v0:
			case v1 == m || v1 != v1:
				at++
			case v2 == m || v2 != v2:
				at += w
			default:
				at += w + 1
			}
			d[j], a[j] = m, int32(base+at)
		}
	}
}

// maxPoolPlane pools one plane with any window.
func maxPoolPlane(p Pool, src, dst []float32, arg []int32, base int) {
	oh, ow := p.OutH(), p.OutW()
	for i := 0; i < oh; i++ {
		h0, h1 := max(i*p.Stride-p.Pad, 0), min(i*p.Stride-p.Pad+p.K, p.H)
		for j := 0; j < ow; j++ {
			w0, w1 := max(j*p.Stride-p.Pad, 0), min(j*p.Stride-p.Pad+p.K, p.W)
			best, at := float32(math.Inf(-1)), h0*p.W+w0
		window:
			for h := h0; h < h1; h++ {
				for w := w0; w < w1; w++ {
					if v := src[h*p.W+w]; v > best || v != v {
						best, at = v, h*p.W+w
						if v != v {
							break window
						}
					}
				}
			}
			dst[i*ow+j] = best
			if arg != nil {
				arg[i*ow+j] = int32(base + at)
			}
		}
	}
}

// MaxPoolBackward overwrites dx (batch*C*H*W) with the gradient of a max pooling:
// each dy value flows to the input that MaxPoolForward chose (argmax), summed where
// windows overlap. Planes run on up to GOMAXPROCS goroutines. MaxPoolBackward panics on an invalid geometry, a short slice or
// an argmax index outside dx.
func MaxPoolBackward(p Pool, batch int, dy []float32, argmax []int32, dx []float32) {
	Par(0).MaxPoolBackward(p, batch, dy, argmax, dx)
}

// MaxPoolBackward is the package-level MaxPoolBackward on at most par goroutines.
func (par Par) MaxPoolBackward(p Pool, batch int, dy []float32, argmax []int32, dx []float32) {
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
	runPool(par, &poolTask{p: p, planes: batch * p.C, x: dx[:nIn], y: dy[:nOut], argmax: argmax, backward: true})
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
		y[i] = vsum(x[i*hw:(i+1)*hw]) * inv
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
