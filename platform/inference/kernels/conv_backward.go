package kernels

// convBwd is one ConvBackward pass over packed panels (see run), pooled so that
// handing it to helpers is free.
type convBwd struct {
	c        Conv
	x, dy    []float32
	dx       []float32 // nil: no input gradient from this pass
	doDW     bool      // whether this pass computes the weight gradient
	wtp      []float32 // w^T packed as A panels (K x M), when dx is wanted
	ws       []float32 // per-part scratch
	kern     *microKernel
	usedPart []bool
}

var convBwds = newFreeList(freeListSize, func() *convBwd { return new(convBwd) })

// ConvBackward computes the gradients of a convolution given dy, the gradient of
// the loss with respect to the pre-activation output (callers apply any ReLU mask
// first). It overwrites dw (OutC*InC*KH*KW) and db (OutC; may be nil) with the
// gradients summed over the batch, and dx (batch*InC*InH*InW; may be nil, as for a
// network's first layer) with the input gradient. x and w are the forward inputs,
// ws scratch of at least c.WorkspaceLen(batch) values. Images run on up to
// GOMAXPROCS goroutines. ConvBackward panics on an invalid geometry or a short slice.
func ConvBackward(c Conv, batch int, x, w, dy []float32, dx, dw, db, ws []float32) {
	Par(0).ConvBackward(c, batch, x, w, dy, dx, dw, db, ws)
}

// ConvBackward is the package-level ConvBackward on at most p goroutines.
func (p Par) ConvBackward(c Conv, batch int, x, w, dy []float32, dx, dw, db, ws []float32) {
	mustValidate(c.Validate())
	m, n, k := c.dims()
	mustLen("dw", dw, m*k)
	if db != nil {
		mustLen("db", db, m)
	}
	if batch <= 0 {
		clear(dw[:m*k])
		if db != nil {
			clear(db[:m])
		}
		return
	}
	mustLen("x", x, batch*c.InC*c.InH*c.InW)
	mustLen("w", w, m*k)
	mustLen("dy", dy, batch*m*n)
	if dx != nil {
		mustLen("dx", dx, batch*c.InC*c.InH*c.InW)
	}
	mustLen("workspace", ws, c.workspaceLen(1, 1))
	kern := kernel()
	if db != nil {
		biasGradient(p, batch, m, n, dy, db)
	}
	packedDX := dx
	if dx != nil && c.transposable(kern) {
		c.inputGradTransposed(p, batch, w, dy, dx, ws)
		packedDX = nil
	}
	directDW := c.useDirectDW(kern)
	if directDW {
		c.weightGradDirect(p, batch, x, dy, dw, ws, kern)
	}
	if directDW && packedDX == nil {
		return
	}

	parts := c.parts(ws, p)
	fixed := c.packedWeightsLen()
	bw := convBwds.get()
	*bw = convBwd{c: c, x: x, dy: dy, dx: packedDX, doDW: !directDW, ws: ws[fixed:], kern: kern, usedPart: bw.usedPart[:0]}
	if packedDX != nil {
		bw.wtp = ws[:fixed]
		packA(bw.wtp, kern.mr, w, k, true, 0, k, 0, m, 1)
	}
	for range parts {
		bw.usedPart = append(bw.usedPart, false)
	}
	p.parallelRanges(bw, batch, parts)
	if bw.doDW {
		sumParts(dw[:m*k], bw.ws, c.partLen(), bw.usedPart)
	}
	used := bw.usedPart
	*bw = convBwd{usedPart: used[:0]}
	convBwds.put(bw)
}

// sumParts sets dst to the sum of the partial results at the start of each used
// part's scratch (parts are stride values apart in ws).
func sumParts(dst, ws []float32, stride int, used []bool) {
	first := true
	for p, u := range used {
		if !u {
			continue
		}
		part := ws[p*stride:][:len(dst)]
		if first {
			copy(dst, part)
			first = false
			continue
		}
		for i, v := range part {
			dst[i] += v
		}
	}
	if first {
		clear(dst)
	}
}

// biasGradient sets db[o] to the sum of dy over images and pixels of channel o,
// one channel per chunk on the helper goroutines.
func biasGradient(p Par, batch, m, n int, dy, db []float32) {
	runElem(p, &elemTask{op: opBiasGrad, b: dy, c: db, batch: batch, ch: m, hw: n}, m, batch*m*n)
}

func (bw *convBwd) run(part, img int) {
	c := bw.c
	m, n, k := c.dims()
	scratch := bw.ws[part*c.partLen():][:c.partLen()]
	x := bw.x[img*c.InC*c.InH*c.InW:][:c.InC*c.InH*c.InW]
	dy := bw.dy[img*m*n:][:m*n]
	if bw.doDW {
		if !bw.usedPart[part] {
			bw.usedPart[part] = true
			clear(scratch[:m*k])
		}
		bw.weightGrad(x, dy, scratch)
	}
	if bw.dx != nil {
		bw.inputGrad(dy, bw.dx[img*c.InC*c.InH*c.InW:][:c.InC*c.InH*c.InW], scratch)
	}
}

// weightGrad adds one image's dy (m x n) * col^T (n x k) to the partial weight
// gradient at the start of scratch, reducing over pixels in convKC blocks.
func (bw *convBwd) weightGrad(x, dy, scratch []float32) {
	c, kern := bw.c, bw.kern
	m, n, k := c.dims()
	mr, nr := kern.mr, kern.nr
	dwp, scratch := scratch[:m*k], scratch[m*k:]
	ap, scratch := scratch[:(m+maxMR)*convKC], scratch[(m+maxMR)*convKC:]
	bp := scratch[:convKC*maxNR]
	for pc := 0; pc < n; pc += convKC {
		kc := min(convKC, n-pc)
		packA(ap, mr, dy, n, false, 0, m, pc, kc, 1)
		for j0 := 0; j0 < k; j0 += nr {
			cols := min(nr, k-j0)
			for j := 0; j < cols; j++ {
				c.gatherCol(x, j0+j, pc, kc, bp[j:], nr)
			}
			if cols < nr {
				for p := 0; p < kc; p++ {
					clear(bp[p*nr+cols : p*nr+nr])
				}
			}
			for ir := 0; ir < m; ir += mr {
				rows := min(mr, m-ir)
				kern.fn(kc, ap[ir*kc:ir*kc+mr*kc], bp[:kc*nr], dwp[ir*k+j0:], k, rows, cols, tileAccumulate, nil)
			}
		}
	}
}

// inputGrad overwrites one image's dx with col2im(w^T * dy), computing the
// column gradient one nr-column panel at a time and scattering it as produced.
func (bw *convBwd) inputGrad(dy, dx, scratch []float32) {
	c, kern := bw.c, bw.kern
	m, n, k := c.dims()
	mr, nr := kern.mr, kern.nr
	scratch = scratch[m*k+(m+maxMR)*convKC+convKC*maxNR:]
	dyp, scratch := scratch[:m*maxNR], scratch[m*maxNR:]
	dcol := scratch[:(k+maxMR)*maxNR]
	clear(dx)
	for j0 := 0; j0 < n; j0 += nr {
		cols := min(nr, n-j0)
		packB(dyp, nr, dy, n, false, 0, m, j0, cols)
		for ir := 0; ir < k; ir += mr {
			rows := min(mr, k-ir)
			kern.fn(m, bw.wtp[ir*m:ir*m+mr*m], dyp[:m*nr], dcol[ir*nr:], nr, rows, cols, 0, nil)
		}
		for kk := 0; kk < k; kk++ {
			c.scatterCol(dx, kk, j0, cols, dcol[kk*nr:], 1)
		}
	}
}
