package kernels

import "sync/atomic"

// Winograd F(2x2,3x3) forward for stride-1, pad-1 3x3 convolutions (inference
// only). Every 2x2 block of outputs ("tile") is computed from the 4x4 input patch
// d around it as Y = A^T [(G g G^T) .* (B^T d B)] A: the 16 element-wise products
// of one tile, summed over the input channels, are 16 matrix products
// M[e] (OutC x tiles) = U[e] (OutC x InC) * V[e] (InC x tiles), with U the
// transformed filters (cached like the direct path's packed weights) and V the
// transformed patches. That is 16 multiplies per tile and channel pair where the
// direct convolution does 36, paid for by the input and output transforms.
//
// Tiles are numbered across the whole batch, so that the products of the small
// late layers stay wide at batch 32; a chunk of tiles is transformed straight
// into the micro-kernel's packed B panels, multiplied on the micro-kernel into a
// scratch M, and transformed back with bias and ReLU fused.
//
// Where it runs: the transforms are plain Go and cost about as much as the
// products, so it only pays where the direct tiles are least efficient and the
// products are deepest: maps of up to 8x8 with 64 or more channels in and out
// (FishNet's last two layers), on the vector micro-kernels, at the batches where
// it was measured faster on the Intel Xeon this package is tuned on
// (BENCHMARKS.md, "Winograd F(2x2,3x3), measured"; BenchmarkWinograd
// reproduces the figures). At start a timing on the chosen micro-kernel
// confirms it (select.go); AQUAML_KERNEL=direct turns it off. Everywhere else,
// and in training, the direct path runs.

// winoFor is the micro-kernel with which Winograd was measured faster at
// start, nil if none: a kernel switched to later by Use runs the direct path.
var winoFor atomic.Pointer[microKernel]

// winoMinBatch is the smallest batch at which Winograd beat the direct tiles of
// kern on the shapes winoShape accepts, 0 where it was not measured faster
// (the portable kernel: not measured on the CPUs it serves).
func winoMinBatch(kern *microKernel) int {
	switch kern.name {
	case "avx512":
		return 2 // at batch 1 within 5-8% of the direct tiles, either way
	case "avx2", "avx2-4x16":
		return 1
	}
	return 0
}

// winoShape reports whether c is a layer Winograd runs for inference.
func (c Conv) winoShape() bool {
	return c.winoOK() && c.InH*c.InW <= 64 && c.InC >= 64 && c.OutC >= 64
}

// winoUse reports whether ConvForwardCached runs c on Winograd.
func (c Conv) winoUse(kern *microKernel, batch int) bool {
	return winoFor.Load() == kern && winoMinBatch(kern) > 0 && c.winoShape() && batch >= winoMinBatch(kern)
}

// winoOK reports whether c has the geometry winoForward computes.
func (c Conv) winoOK() bool {
	return c.Validate() == nil && c.KH == 3 && c.KW == 3 && c.Stride == 1 && c.Pad == 1
}

// winoGeom is the tiling of one image.
type winoGeom struct {
	th, tw int // tiles down and across: ceil(H/2), ceil(W/2)
	ph, pw int // zero-bordered plane covering every tile's 4x4 patch
}

func (c Conv) winoGeom() winoGeom {
	th, tw := ceilDiv(c.InH, 2), ceilDiv(c.InW, 2)
	return winoGeom{th: th, tw: tw, ph: 2*th + 2, pw: 2*tw + 2}
}

// winoChunkLen bounds a part's V and M scratch (float32s) for one chunk of
// tiles: 512 KiB, a quarter of the L2 of the CPUs this runs on.
const winoChunkLen = 128 << 10

// winoTiles is the number of tiles per chunk: a multiple of nr that keeps a
// chunk's V and M within winoChunkLen, and no more than a share of the batch's
// tiles, so that every part gets work.
func (c Conv) winoTiles(nr, batch, parts int) int {
	g := c.winoGeom()
	total := batch * g.th * g.tw
	fit := max(1, winoChunkLen/(16*(c.InC+c.OutC)*nr))
	share := max(1, ceilDiv(total, 2*parts*nr))
	return nr * min(fit, share)
}

// winoSpread is the distance between the 16 matrices of a chunk's V (or M) of
// n values each: a whole number of 4 KiB pages plus one cache line. The
// transforms touch all 16 at once, and at a multiple of 4 KiB apart (64
// channels by 64 tiles) they fall into one L1 set and evict each other on
// every store: the input transform ran 4 times slower.
func winoSpread(n int) int { return roundUp(n, 1024) + 16 }

// winoPartLen is one part's scratch: the padded image, V and M of a chunk.
func (c Conv) winoPartLen(nt int) int {
	g := c.winoGeom()
	return c.InC*g.ph*g.pw + 16*(winoSpread(c.InC*nt)+winoSpread(c.OutC*nt))
}

// winoWorkspaceLen is the scratch of winoForward on up to parts goroutines,
// whichever number of them it then runs on.
func (c Conv) winoWorkspaceLen(kern *microKernel, batch, parts int) int {
	n := 0
	for q := 1; q <= parts; q++ {
		n = max(n, q*c.winoPartLen(c.winoTiles(kern.nr, batch, q)))
	}
	return n
}

// winoCache holds the 16 transformed filter matrices packed as A panels, block
// e at e*winoBlockLen.
type winoCache struct {
	kern *microKernel // nil when empty
	c    Conv
	u    []float32
}

// reset empties the cache: the next call transforms the weights again.
func (wc *winoCache) reset() { wc.kern = nil }

// winoBlockLen is the distance between the packed U[e]; spread, since pack
// writes all 16 at once (see winoSpread).
func (c Conv) winoBlockLen(mr int) int { return winoSpread(roundUp(c.OutC, mr) * c.InC) }

// winoFwd is one winoForward call.
type winoFwd struct {
	c       Conv
	g       winoGeom
	kern    *microKernel
	x, b, y []float32
	act     Activation
	u       []float32
	ws      []float32
	nt      int // tiles per chunk
	total   int // tiles of the batch
	partImg []int

	// Split mode (see winoForward): phase 0 transforms input channels, phase 1
	// output channels, span of them per chunk.
	split       bool
	phase, span int
}

var winoFwds = newFreeList(freeListSize, func() *winoFwd { return new(winoFwd) })

// winoForward computes y = act(conv(x, w) + b) like ConvForwardCached, for a
// geometry with c.winoOK(), with ws of c.winoWorkspaceLen(kern, batch, parts).
func (p Par) winoForward(kern *microKernel, c Conv, batch int, x, w, b []float32, act Activation, y, ws []float32, wc *winoCache) {
	if !c.winoOK() {
		panic("kernels: winoForward needs a stride-1, pad-1 3x3 convolution")
	}
	if batch <= 0 {
		return
	}
	mustLen("x", x, batch*c.InC*c.InH*c.InW)
	mustLen("w", w, c.OutC*c.InC*9)
	if b != nil {
		mustLen("b", b, c.OutC)
	}
	mustLen("y", y, batch*c.OutC*c.InH*c.InW)
	if wc.kern != kern || wc.c != c {
		wc.pack(kern, c, w)
	}
	// Fewer parts take longer chunks, so the workspace decides both.
	parts := p.parts()
	for parts > 1 && parts*c.winoPartLen(c.winoTiles(kern.nr, batch, parts)) > len(ws) {
		parts--
	}
	nt := c.winoTiles(kern.nr, batch, parts)
	mustLen("workspace", ws, c.winoPartLen(nt))
	g := c.winoGeom()
	f := winoFwds.get()
	defer func() {
		*f = winoFwd{partImg: f.partImg[:0]}
		winoFwds.put(f)
	}()
	*f = winoFwd{c: c, g: g, kern: kern, x: x, b: b, y: y, act: act, u: wc.u, ws: ws,
		nt: nt, total: batch * g.th * g.tw, partImg: f.partImg[:0]}
	for range parts {
		f.partImg = append(f.partImg, -1)
	}
	if chunks := ceilDiv(f.total, nt); chunks >= parts {
		p.parallelFor(f, chunks, parts)
		return
	}
	// One chunk of tiles (a small batch of small maps) would run on one
	// goroutine: split it instead, by input channels for the input transform
	// and by output channels for the products and the output transform, all on
	// part 0's V and M.
	f.split = true
	f.span = max(1, ceilDiv(c.InC, 2*parts))
	p.parallelFor(f, ceilDiv(c.InC, f.span), parts)
	f.phase, f.span = 1, roundUp(max(1, ceilDiv(c.OutC, 2*parts)), kern.mr)
	p.parallelFor(f, ceilDiv(c.OutC, f.span), parts)
}

// scratch returns part's padded image, V and M.
func (f *winoFwd) scratch(part int) (pad, v, mm []float32) {
	c, g, nt := f.c, f.g, f.nt
	buf := f.ws[part*c.winoPartLen(nt):][:c.winoPartLen(nt)]
	pad = buf[:c.InC*g.ph*g.pw]
	v = buf[len(pad):][:16*winoSpread(c.InC*nt)]
	mm = buf[len(pad)+len(v):][:16*winoSpread(c.OutC*nt)]
	return pad, v, mm
}

func (f *winoFwd) run(part, chunk int) {
	c := f.c
	if f.split {
		_, v, mm := f.scratch(0)
		lo := chunk * f.span
		if f.phase == 0 {
			pad, _, _ := f.scratch(part)
			f.input(part, pad, v, 0, f.total, lo, min(c.InC, lo+f.span))
		} else {
			f.products(v, mm, f.total, lo, min(c.OutC, lo+f.span))
			f.output(mm, 0, f.total, lo, min(c.OutC, lo+f.span))
		}
		return
	}
	t0 := chunk * f.nt
	n := min(f.nt, f.total-t0)
	pad, v, mm := f.scratch(part)
	f.input(part, pad, v, t0, n, 0, c.InC)
	f.products(v, mm, n, 0, c.OutC)
	f.output(mm, t0, n, 0, c.OutC)
}

// input transforms input channels [ci0, ci1) of the n tiles from t0 into V,
// one image's run of tiles at a time.
func (f *winoFwd) input(part int, pad, v []float32, t0, n, ci0, ci1 int) {
	c, g := f.c, f.g
	if n < f.nt {
		// Columns past the last tile are computed, never stored; keep them
		// free of NaNs and denormals.
		for e := 0; e < 16; e++ {
			ve := v[e*winoSpread(c.InC*f.nt):]
			for j0 := n / f.kern.nr * f.kern.nr; j0 < f.nt; j0 += f.kern.nr {
				clear(ve[j0*c.InC+ci0*f.kern.nr : j0*c.InC+ci1*f.kern.nr])
			}
		}
	}
	per := g.th * g.tw
	for j := 0; j < n; {
		img, t := (t0+j)/per, (t0+j)%per
		cnt := min(n-j, per-t)
		if f.split || f.partImg[part] != img {
			if f.partImg[part] < 0 {
				clear(pad) // borders stay zero for the rest of the call
			}
			c.winoPad(g, f.x[img*c.InC*c.InH*c.InW:][:c.InC*c.InH*c.InW], pad, ci0, ci1)
			f.partImg[part] = img
		}
		c.winoInput(g, pad, t, cnt, j, f.kern.nr, f.nt, v, ci0, ci1)
		j += cnt
	}
}

// products computes rows [co0, co1) of the 16 products M[e] = U[e] V[e] for the
// chunk's n tiles, each over convKC-deep blocks of input channels.
func (f *winoFwd) products(v, mm []float32, n, co0, co1 int) {
	c, kern, nt := f.c, f.kern, f.nt
	mr, nr := kern.mr, kern.nr
	bl := c.winoBlockLen(mr)
	mp := roundUp(c.OutC, mr)
	for e := 0; e < 16; e++ {
		ue := f.u[e*bl:][:bl]
		ve := v[e*winoSpread(c.InC*nt):][:c.InC*nt]
		me := mm[e*winoSpread(c.OutC*nt):][:c.OutC*nt]
		for pc := 0; pc < c.InC; pc += convKC {
			kc := min(convKC, c.InC-pc)
			var flags tileFlags
			if pc > 0 {
				flags = tileAccumulate
			}
			ap := ue[pc*mp:]
			for j0 := 0; j0 < n; j0 += nr {
				bp := ve[j0*c.InC+pc*nr:][:kc*nr]
				for ir := co0; ir < co1; ir += mr {
					kern.fn(kc, ap[ir*kc:ir*kc+mr*kc], bp, me[ir*nt+j0:], nt, min(mr, co1-ir), min(nr, n-j0), flags, nil)
				}
			}
		}
	}
}

// output transforms output channels [co0, co1) of the n tiles from t0 back
// into y, one image's run of tiles at a time.
func (f *winoFwd) output(mm []float32, t0, n, co0, co1 int) {
	per := f.g.th * f.g.tw
	for j := 0; j < n; {
		img, t := (t0+j)/per, (t0+j)%per
		cnt := min(n-j, per-t)
		f.winoOutput(mm, img, t, cnt, j, co0, co1)
		j += cnt
	}
}
