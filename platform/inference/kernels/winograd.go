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
		return 2 // even at batch 1, 1.4x faster from 2
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

func (c Conv) winoBlockLen(mr int) int { return roundUp(c.OutC, mr) * c.InC }

// pack transforms the OIHW weights w into U[e] = (G g G^T)[e] for every output
// and input channel pair and packs them for kern.
func (wc *winoCache) pack(kern *microKernel, c Conv, w []float32) {
	m, k := c.OutC, c.InC
	u := make([]float32, 16*m*k)
	for co := 0; co < m; co++ {
		for ci := 0; ci < k; ci++ {
			g := w[(co*k+ci)*9:][:9]
			// t = G g (4 x 3), then t G^T (4 x 4); G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1].
			var t [12]float32
			for j := 0; j < 3; j++ {
				g0, g1, g2 := g[j], g[3+j], g[6+j]
				t[j], t[3+j], t[6+j], t[9+j] = g0, 0.5*(g0+g1+g2), 0.5*(g0-g1+g2), g2
			}
			for i := 0; i < 4; i++ {
				t0, t1, t2 := t[3*i], t[3*i+1], t[3*i+2]
				row := [4]float32{t0, 0.5 * (t0 + t1 + t2), 0.5 * (t0 - t1 + t2), t2}
				for j, v := range row {
					u[(4*i+j)*m*k+co*k+ci] = v
				}
			}
		}
	}
	bl := c.winoBlockLen(kern.mr)
	wc.kern, wc.c = kern, c
	wc.u = append(wc.u[:0], make([]float32, 16*bl)...)
	for e := 0; e < 16; e++ {
		packWeights(wc.u[e*bl:], kern.mr, u[e*m*k:], m, k)
	}
}

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

// winoPad copies channels [ci0, ci1) of image x into the interior of the
// zero-bordered planes p.
func (c Conv) winoPad(g winoGeom, x, p []float32, ci0, ci1 int) {
	for ci := ci0; ci < ci1; ci++ {
		for ih := 0; ih < c.InH; ih++ {
			copy(p[(ci*g.ph+ih+1)*g.pw+1:][:c.InW], x[(ci*c.InH+ih)*c.InW:][:c.InW])
		}
	}
}

// winoInput writes B^T d B of tiles t..t+cnt-1 of the padded image p, for
// input channels [ci0, ci1), as columns j.. of the chunk's packed V: element e of tile
// column q and channel ci at v[e*winoSpread(InC*nt) + q/nr*InC*nr + ci*nr + q%nr].
func (c Conv) winoInput(g winoGeom, p []float32, t, cnt, j, nr, nt int, v []float32, ci0, ci1 int) {
	stride := winoSpread(c.InC * nt)
	for ci := ci0; ci < ci1; ci++ {
		plane := p[ci*g.ph*g.pw:][:g.ph*g.pw]
		ty, tx := t/g.tw, t%g.tw
		for q := j; q < j+cnt; q++ {
			o := 2*ty*g.pw + 2*tx
			r0 := plane[o : o+4 : o+4]
			r1 := plane[o+g.pw : o+g.pw+4 : o+g.pw+4]
			r2 := plane[o+2*g.pw : o+2*g.pw+4 : o+2*g.pw+4]
			r3 := plane[o+3*g.pw : o+3*g.pw+4 : o+3*g.pw+4]
			// B^T d, rows; B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
			a0, a1, a2, a3 := r0[0]-r2[0], r0[1]-r2[1], r0[2]-r2[2], r0[3]-r2[3]
			b0, b1, b2, b3 := r1[0]+r2[0], r1[1]+r2[1], r1[2]+r2[2], r1[3]+r2[3]
			c0, c1, c2, c3 := r2[0]-r1[0], r2[1]-r1[1], r2[2]-r1[2], r2[3]-r1[3]
			d0, d1, d2, d3 := r1[0]-r3[0], r1[1]-r3[1], r1[2]-r3[2], r1[3]-r3[3]
			at := q/nr*c.InC*nr + ci*nr + q%nr
			s := v[at : at+15*stride+1]
			// then times B, columns.
			s[0], s[stride], s[2*stride], s[3*stride] = a0-a2, a1+a2, a2-a1, a1-a3
			s[4*stride], s[5*stride], s[6*stride], s[7*stride] = b0-b2, b1+b2, b2-b1, b1-b3
			s[8*stride], s[9*stride], s[10*stride], s[11*stride] = c0-c2, c1+c2, c2-c1, c1-c3
			s[12*stride], s[13*stride], s[14*stride], s[15*stride] = d0-d2, d1+d2, d2-d1, d1-d3
			if tx++; tx == g.tw {
				tx, ty = 0, ty+1
			}
		}
	}
}

// winoOutput computes A^T M A (A^T = [1 1 1 0; 0 1 -1 -1]) for tiles t..t+cnt-1
// of image img and output channels [co0, co1), held in columns j.. of the
// chunk's M, adds the bias, applies the activation and stores the 2x2 blocks
// that lie inside the output.
func (f *winoFwd) winoOutput(mm []float32, img, t, cnt, j, co0, co1 int) {
	c, g, nt := f.c, f.g, f.nt
	h, w := c.InH, c.InW
	stride := winoSpread(c.OutC * nt)
	relu := f.act == ActReLU
	for co := co0; co < co1; co++ {
		var bias float32
		if f.b != nil {
			bias = f.b[co]
		}
		y := f.y[(img*c.OutC+co)*h*w:][:h*w]
		ty, tx := t/g.tw, t%g.tw
		for q := j; q < j+cnt; q++ {
			at := co*nt + q
			s := mm[at : at+15*stride+1]
			m0, m1, m2, m3 := s[0], s[stride], s[2*stride], s[3*stride]
			m4, m5, m6, m7 := s[4*stride], s[5*stride], s[6*stride], s[7*stride]
			m8, m9, m10, m11 := s[8*stride], s[9*stride], s[10*stride], s[11*stride]
			m12, m13, m14, m15 := s[12*stride], s[13*stride], s[14*stride], s[15*stride]
			// A^T M, rows, then times A.
			a0, a1, a2, a3 := m0+m4+m8, m1+m5+m9, m2+m6+m10, m3+m7+m11
			b0, b1, b2, b3 := m4-m8-m12, m5-m9-m13, m6-m10-m14, m7-m11-m15
			y00, y01 := a0+a1+a2+bias, a1-a2-a3+bias
			y10, y11 := b0+b1+b2+bias, b1-b2-b3+bias
			if relu {
				y00, y01, y10, y11 = max(y00, 0), max(y01, 0), max(y10, 0), max(y11, 0)
			}
			i0, j0 := 2*ty, 2*tx
			o := i0*w + j0
			switch {
			case i0+1 < h && j0+1 < w:
				r0, r1 := y[o:o+2:o+2], y[o+w:o+w+2:o+w+2]
				r0[0], r0[1], r1[0], r1[1] = y00, y01, y10, y11
			default: // the last row or column of an odd size
				y[o] = y00
				if j0+1 < w {
					y[o+1] = y01
				}
				if i0+1 < h {
					y[o+w] = y10
				}
			}
			if tx++; tx == g.tw {
				tx, ty = 0, ty+1
			}
		}
	}
}
