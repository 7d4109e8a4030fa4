package kernels

// convBwd is one ConvBackward call, pooled so that handing it to helpers is free.
type convBwd struct {
	c        Conv
	x, dy    []float32
	dx       []float32
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
	parts := c.parts(ws)
	kern := kernel()
	fixed := c.packedWeightsLen()

	if db != nil {
		biasGradient(batch, m, n, dy, db)
	}
	bw := convBwds.get()
	*bw = convBwd{c: c, x: x, dy: dy, dx: dx, ws: ws[fixed:], kern: kern, usedPart: bw.usedPart[:0]}
	if dx != nil {
		bw.wtp = ws[:fixed]
		packA(bw.wtp, kern.mr, w, k, true, 0, k, 0, m, 1)
	}
	for range parts {
		bw.usedPart = append(bw.usedPart, false)
	}
	parallelFor(bw, batch, parts)

	// Sum the partial weight gradients of the parts that ran.
	first := true
	for p, used := range bw.usedPart {
		if !used {
			continue
		}
		part := bw.ws[p*c.partLen():][:m*k]
		if first {
			copy(dw[:m*k], part)
			first = false
			continue
		}
		for i, v := range part {
			dw[i] += v
		}
	}
	used := bw.usedPart
	*bw = convBwd{usedPart: used[:0]}
	convBwds.put(bw)
}

// biasGradient sets db[o] to the sum of dy over images and pixels of channel o.
func biasGradient(batch, m, n int, dy, db []float32) {
	clear(db[:m])
	for img := 0; img < batch; img++ {
		for o := 0; o < m; o++ {
			var s float32
			for _, v := range dy[(img*m+o)*n:][:n] {
				s += v
			}
			db[o] += s
		}
	}
}

func (bw *convBwd) run(part, img int) {
	c, kern := bw.c, bw.kern
	m, n, k := c.dims()
	mr, nr := kern.mr, kern.nr
	scratch := bw.ws[part*c.partLen():][:c.partLen()]
	dwp, scratch := scratch[:m*k], scratch[m*k:]
	ap, scratch := scratch[:(m+maxMR)*convKC], scratch[(m+maxMR)*convKC:]
	bp, scratch := scratch[:convKC*maxNR], scratch[convKC*maxNR:]
	dyp, scratch := scratch[:m*maxNR], scratch[m*maxNR:]
	dcol := scratch[:(k+maxMR)*maxNR]

	if !bw.usedPart[part] {
		bw.usedPart[part] = true
		clear(dwp)
	}
	x := bw.x[img*c.InC*c.InH*c.InW:][:c.InC*c.InH*c.InW]
	dy := bw.dy[img*m*n:][:m*n]

	// dw += dy (m x n) * col^T (n x k), reducing over pixels in convKC blocks.
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
	if bw.dx == nil {
		return
	}

	// dcol (k x n) = w^T (k x m) * dy (m x n), one nr-column panel at a time,
	// scattered into dx as it is produced.
	dx := bw.dx[img*c.InC*c.InH*c.InW:][:c.InC*c.InH*c.InW]
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
