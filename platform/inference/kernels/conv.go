package kernels

import "runtime"

// Activation is an element-wise function fused into a layer's output.
type Activation uint8

const (
	ActNone Activation = iota // identity
	ActReLU                   // max(0, v)
)

// convKC bounds the slice of the reduction (kernel taps) packed at once, so a B
// panel (convKC x nr) stays in L1 while every row panel of the weights uses it.
const convKC = 256

// convPackLen is the size of the im2col panels one goroutine packs at once:
// 256 KiB, well inside L2 next to the image and the output being written.
const convPackLen = 64 << 10

// dims of the convolution as a matrix product: y (M x N) = w (M x K) * col (K x N).
func (c Conv) dims() (m, n, k int) { return c.OutC, c.OutH() * c.OutW(), c.InC * c.KH * c.KW }

// packedWeightsLen is the scratch for the weights packed as A panels, in either
// orientation (forward: M x K, backward input gradient: K x M).
func (c Conv) packedWeightsLen() int {
	m, _, k := c.dims()
	return max((m+maxMR)*k, (k+maxMR)*m)
}

// partLen is the scratch each participating goroutine owns.
func (c Conv) partLen() int {
	m, _, k := c.dims()
	fwd := max(convPackLen, c.directGeom().padLen())
	bwd := m*k + // partial weight gradient
		(m+maxMR)*convKC + // output-gradient block packed as A
		convKC*maxNR + // col^T panel packed as B
		m*maxNR + // output-gradient panel packed as B
		(k+maxMR)*maxNR // col-gradient panel
	return max(fwd, bwd)
}

// WorkspaceLen is the number of float32s of scratch that ConvForward and
// ConvBackward need for a batch of this size when running on up to
// runtime.GOMAXPROCS(0) goroutines (a smaller workspace runs on fewer, down to
// one). The caller allocates it once and reuses it across calls and across
// layers, sized for the largest; calls running at the same time need workspaces
// of their own. Nothing is carried in it from one call to the next. It returns 0
// for an invalid geometry.
func (c Conv) WorkspaceLen(batch int) int {
	if c.Validate() != nil || batch <= 0 {
		return 0
	}
	return c.workspaceLen(runtime.GOMAXPROCS(0), batch)
}

// workspaceLen is the workspace for running batch images on up to parts goroutines.
func (c Conv) workspaceLen(parts, batch int) int {
	n := c.packedWeightsLen() + parts*c.partLen()
	if c.Stride == 1 {
		n = max(n, parts*c.directDWPartLen(c.dwGroup(batch)))
		if c.KH == c.KW && c.Pad <= c.KH-1 {
			n = max(n, c.transposedWSLen(parts))
		}
	}
	if c.winoShape() {
		for _, k := range kernels() {
			if winoMinBatch(k) > 0 {
				n = max(n, c.winoWorkspaceLen(k, batch, parts))
			}
		}
	}
	return n
}

// parts returns how many goroutines the workspace ws has room for, at most
// p's, and panics if it has room for none.
func (c Conv) parts(ws []float32, p Par) int {
	fixed, part := c.packedWeightsLen(), c.partLen()
	mustLen("workspace", ws, fixed+part)
	return min(p.parts(), (len(ws)-fixed)/part)
}

// convFwd is one ConvForward call, pooled so that handing it to helpers is free.
type convFwd struct {
	c         Conv
	x, b, y   []float32
	act       Activation
	wp        []float32 // packed weights
	ws        []float32 // per-part scratch
	panels    int       // nr-column panels per image
	perChunk  int       // panels per chunk
	chunksImg int       // chunks per image
	kern      *microKernel

	// In-place path (see conv_direct.go).
	direct  bool
	dg      directGeom
	offs    []int    // byte offset of each tap's B row
	partImg []int    // image each part's padded buffer holds, -1 if none yet
	starts  []int    // per tile: its first wide column
	masks   []uint32 // per tile: which of its lanes are outputs
	firsts  []int    // per tile: output index of its first output lane
	half    int      // distance of each tile row's second half, in elements
}

var convFwds = newFreeList(freeListSize, func() *convFwd { return new(convFwd) })

// ConvForward computes y = act(conv(x, w) + b) for a batch of NCHW images:
// x holds batch*InC*InH*InW values, w the OutC*InC*KH*KW weights (OIHW), b the
// OutC biases or nil, and y receives batch*OutC*OutH*OutW values (overwritten,
// never read). ws is scratch of at least c.WorkspaceLen(batch) values that the
// caller reuses across calls. Images and, for small batches, column blocks of an
// image run on up to GOMAXPROCS goroutines. ConvForward panics on an invalid
// geometry or a short slice.
func ConvForward(c Conv, batch int, x, w, b []float32, act Activation, y, ws []float32) {
	Par(0).ConvForward(c, batch, x, w, b, act, y, ws)
}

// ConvForward is the package-level ConvForward on at most p goroutines.
func (p Par) ConvForward(c Conv, batch int, x, w, b []float32, act Activation, y, ws []float32) {
	p.convForward(kernel(), c, batch, x, w, b, act, y, ws, nil)
}

// ConvForwardCached is ConvForward for weights that stay the same from one call
// to the next, as in inference: wc keeps them packed for the micro-kernel
// between calls instead of repacking them every time, which for one image on a
// small map costs a third of the convolution itself. wc belongs to one weight
// tensor; call wc.Reset when w changes (a change of geometry or of micro-kernel
// is noticed). A WeightCache is not safe for concurrent use. On the layers
// and batches where it was measured faster than the direct tiles (small maps
// with many channels, see winograd.go), it computes the convolution by
// Winograd F(2x2,3x3), whose rounding differs slightly (within the same
// bounds) from ConvForward's.
func ConvForwardCached(c Conv, batch int, x, w, b []float32, act Activation, y, ws []float32, wc *WeightCache) {
	Par(0).ConvForwardCached(c, batch, x, w, b, act, y, ws, wc)
}

// ConvForwardCached is the package-level ConvForwardCached on at most p goroutines.
func (p Par) ConvForwardCached(c Conv, batch int, x, w, b []float32, act Activation, y, ws []float32, wc *WeightCache) {
	p.convForward(kernel(), c, batch, x, w, b, act, y, ws, wc)
}

// WeightCache holds a convolution's weights packed for a micro-kernel; the
// zero value is empty.
type WeightCache struct {
	kern *microKernel // nil when empty
	c    Conv
	wp   []float32
	offs []int
	wino winoCache // the weights transformed, where Winograd runs
}

// Reset empties the cache: the next call packs the weights again.
func (wc *WeightCache) Reset() { wc.kern = nil; wc.wino.reset() }

func (p Par) convForward(kern *microKernel, c Conv, batch int, x, w, b []float32, act Activation, y, ws []float32, wc *WeightCache) {
	mustValidate(c.Validate())
	m, n, k := c.dims()
	if batch <= 0 {
		return
	}
	mustLen("x", x, batch*c.InC*c.InH*c.InW)
	mustLen("w", w, m*k)
	if b != nil {
		mustLen("b", b, m)
	}
	mustLen("y", y, batch*m*n)
	if wc != nil && c.winoUse(kern, batch) {
		p.winoForward(kern, c, batch, x, w, b, act, y, ws, &wc.wino)
		return
	}
	p.convForwardDirect(kern, c, batch, x, w, b, act, y, ws, wc)
}

// convForwardDirect is convForward on the direct convolution (in place or
// packed), never Winograd.
func (p Par) convForwardDirect(kern *microKernel, c Conv, batch int, x, w, b []float32, act Activation, y, ws []float32, wc *WeightCache) {
	m, n, k := c.dims()
	parts := c.parts(ws, p)
	fixed := c.packedWeightsLen()

	f := convFwds.get()
	*f = convFwd{c: c, x: x, b: b, y: y, act: act, wp: ws[:fixed], ws: ws[fixed:], kern: kern,
		offs: f.offs[:0], partImg: f.partImg[:0], starts: f.starts[:0], masks: f.masks[:0], firsts: f.firsts[:0]}
	direct := c.useDirect(kern)
	switch {
	case wc != nil && wc.kern == kern && wc.c == c:
		f.wp = wc.wp
		f.offs = append(f.offs, wc.offs...)
	default:
		if wc != nil {
			// Pack straight into the cache, which then outlives the call.
			wc.kern, wc.c = kern, c
			wc.wp = append(wc.wp[:0], make([]float32, roundUp(m, kern.mr)*k)...)
			f.wp = wc.wp
		}
		if direct {
			packA(f.wp, kern.mr, w, k, false, 0, m, 0, k, 1)
			f.offs = append(f.offs, make([]int, k)...)
			c.tapOffsets(c.directGeom(), f.offs)
		} else {
			packWeights(f.wp, kern.mr, w, m, k)
		}
		if wc != nil {
			wc.offs = append(wc.offs[:0], f.offs...)
		}
	}
	if direct {
		f.direct, f.dg = true, c.directGeom()
		for range parts {
			f.partImg = append(f.partImg, -1)
		}
		f.planTiles(kern.nr)
		f.panels = len(f.starts) // tiles
		f.perChunk = f.panels
	} else {
		f.panels = ceilDiv(n, kern.nr)
		f.perChunk = max(1, convPackLen/(min(k, convKC)*kern.nr))
	}
	if batch < 2*parts {
		// Too few images to keep every goroutine busy: split images too.
		f.perChunk = min(f.perChunk, ceilDiv(f.panels, ceilDiv(2*parts, batch)))
	}
	f.chunksImg = ceilDiv(f.panels, f.perChunk)
	p.parallelFor(f, batch*f.chunksImg, parts)
	*f = convFwd{offs: f.offs[:0], partImg: f.partImg[:0], starts: f.starts[:0], masks: f.masks[:0], firsts: f.firsts[:0]}
	convFwds.put(f)
}

// packWeights packs w (m x k) as A panels blocked by convKC along k: the block
// starting at tap pc holds the panels of columns [pc, pc+kc) at offset pc*roundUp(m, mr).
func packWeights(dst []float32, mr int, w []float32, m, k int) {
	mp := roundUp(m, mr)
	for pc := 0; pc < k; pc += convKC {
		kc := min(convKC, k-pc)
		packA(dst[pc*mp:], mr, w, k, false, 0, m, pc, kc, 1)
	}
}

func (f *convFwd) run(part, chunk int) {
	if f.direct {
		f.runDirect(part, chunk)
		return
	}
	c, kern := f.c, f.kern
	m, n, k := c.dims()
	mr, nr := kern.mr, kern.nr
	mp := roundUp(m, mr)
	img, p0 := chunk/f.chunksImg, chunk%f.chunksImg*f.perChunk
	p1 := min(f.panels, p0+f.perChunk)
	x := f.x[img*c.InC*c.InH*c.InW:][:c.InC*c.InH*c.InW]
	y := f.y[img*m*n:][:m*n]
	buf := f.ws[part*c.partLen():][:convPackLen]
	for pc := 0; pc < k; pc += convKC {
		kc := min(convKC, k-pc)
		c.packCols(x, pc, kc, p0*nr, min(n, p1*nr), nr, buf)
		var flags tileFlags
		if pc > 0 {
			flags |= tileAccumulate
		}
		if pc+kc == k {
			if f.b != nil {
				flags |= tileBias
			}
			if f.act == ActReLU {
				flags |= tileReLU
			}
		}
		ap := f.wp[pc*mp:]
		for panel := p0; panel < p1; panel++ {
			j0 := panel * nr
			cols := min(nr, n-j0)
			bp := buf[(panel-p0)*kc*nr:][:kc*nr]
			for ir := 0; ir < m; ir += mr {
				rows := min(mr, m-ir)
				var bias []float32
				if f.b != nil {
					bias = f.b[ir : ir+rows]
				}
				kern.fn(kc, ap[ir*kc:ir*kc+mr*kc], bp, y[ir*n+j0:], n, rows, cols, flags, bias)
			}
		}
	}
}
