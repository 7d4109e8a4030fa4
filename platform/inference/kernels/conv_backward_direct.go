package kernels

// Fast paths of ConvBackward for stride-1 convolutions (see conv_direct.go).
//
// The input gradient of a stride-1 convolution with a square kernel is itself a
// stride-1 convolution of dy with the weights transposed (in and out channels
// swapped) and flipped, padded by KH-1-Pad: it runs through ConvForward's in-place
// path instead of a column-gradient product followed by a col2im scatter.
//
// The weight gradient dw[o][kk] = sum over pixels of dy[o][q]*col[kk][q] is a
// dot product along contiguous rows once dy is laid out on the wide grid (zeros
// in its garbage columns) next to the padded image: the dot micro-kernel computes
// 4 x 6 blocks of it with no packing or transposition.

// transposable reports whether the input gradient can run as a convolution.
func (c Conv) transposable(kern *microKernel) bool {
	return c.Stride == 1 && c.KH == c.KW && c.Pad <= c.KH-1 && kern.direct != nil
}

// transposed is the convolution that computes the input gradient.
func (c Conv) transposed() Conv {
	return Conv{InC: c.OutC, InH: c.OutH(), InW: c.OutW(), OutC: c.InC, KH: c.KH, KW: c.KW, Stride: 1, Pad: c.KH - 1 - c.Pad}
}

// transposedWSLen is the workspace inputGradTransposed needs with parts goroutines.
func (c Conv) transposedWSLen(parts int) int {
	m, _, k := c.dims()
	t := c.transposed()
	return m*k + t.packedWeightsLen() + parts*t.partLen()
}

func (c Conv) inputGradTransposed(batch int, w, dy, dx, ws []float32) {
	m, _, k := c.dims()
	wt := ws[:m*k]
	kh, kw := c.KH, c.KW
	for o := 0; o < c.OutC; o++ {
		for ci := 0; ci < c.InC; ci++ {
			src := w[(o*c.InC+ci)*kh*kw:][:kh*kw]
			dst := wt[(ci*c.OutC+o)*kh*kw:][:kh*kw]
			for i, v := range src {
				dst[kh*kw-1-i] = v // flips both axes at once
			}
		}
	}
	ConvForward(c.transposed(), batch, dy, wt, nil, ActNone, dx, ws[m*k:])
}

// useDirectDW reports whether the weight gradient runs on the dot kernel.
func (c Conv) useDirectDW(kern *microKernel) bool {
	return c.Stride == 1 && kern.dot != nil
}

// wideLen is the length of one wide-grid row of dy, a whole number of vectors.
func (d directGeom) wideLen() int { return roundUp(d.wideN, 16) }

// directDWPartLen is each goroutine's scratch for weightGradDirect: its partial
// weight gradient, the padded image and dy on the wide grid.
func (c Conv) directDWPartLen() int {
	m, _, k := c.dims()
	d := c.directGeom()
	return m*k + d.padLen() + m*d.wideLen()
}

// convDW is one weight-gradient pass on the dot kernel, pooled like convFwd.
type convDW struct {
	c        Conv
	d        directGeom
	x, dy    []float32
	ws       []float32
	kern     *microKernel
	offs     []int
	usedPart []bool
	blocks   []dotBlock // per part, kept here so that the kernel's arguments need no allocation
}

// dotBlock holds the arguments and result of one dot-kernel call.
type dotBlock struct {
	aOffs [4]int
	bOffs [6]int
	out   [24]float32
}

var convDWs = newFreeList(freeListSize, func() *convDW { return new(convDW) })

func (c Conv) weightGradDirect(batch int, x, dy, dw, ws []float32, kern *microKernel) {
	m, _, k := c.dims()
	partLen := c.directDWPartLen()
	parts := min(maxParts(), len(ws)/partLen)
	if parts < 1 {
		mustLen("workspace", ws, partLen)
	}
	t := convDWs.get()
	*t = convDW{c: c, d: c.directGeom(), x: x, dy: dy, ws: ws, kern: kern, offs: t.offs[:0], usedPart: t.usedPart[:0], blocks: t.blocks[:0]}
	t.offs = append(t.offs, make([]int, k)...)
	c.tapOffsets(t.d, t.offs)
	for range parts {
		t.usedPart = append(t.usedPart, false)
		t.blocks = append(t.blocks, dotBlock{})
	}
	parallelFor(t, batch, parts)
	sumParts(dw[:m*k], ws, partLen, t.usedPart)
	*t = convDW{offs: t.offs[:0], usedPart: t.usedPart[:0], blocks: t.blocks[:0]}
	convDWs.put(t)
}

func (t *convDW) run(part, img int) {
	c, d := t.c, t.d
	m, n, k := c.dims()
	lw := d.wideLen()
	scratch := t.ws[part*c.directDWPartLen():][:c.directDWPartLen()]
	dwp, scratch := scratch[:m*k], scratch[m*k:]
	pad, scratch := scratch[:d.padLen()], scratch[d.padLen():]
	wide := scratch[:m*lw]
	if !t.usedPart[part] {
		// Borders, garbage columns and tails are never written again this call.
		t.usedPart[part] = true
		clear(dwp)
		clear(pad)
		clear(wide)
	}
	c.padImage(d, t.x[img*c.InC*c.InH*c.InW:][:c.InC*c.InH*c.InW], pad)
	oh, ow := c.OutH(), c.OutW()
	dy := t.dy[img*m*n:][:m*n]
	for o := 0; o < m; o++ {
		for i := 0; i < oh; i++ {
			copy(wide[o*lw+i*d.wp:][:ow], dy[(o*oh+i)*ow:][:ow])
		}
	}

	blk := &t.blocks[part]
	aOffs, bOffs, out := &blk.aOffs, &blk.bOffs, &blk.out
	for o0 := 0; o0 < m; o0 += 4 {
		for i := range aOffs {
			aOffs[i] = 4 * min(o0+i, m-1) * lw // past the edge: repeat the last row
		}
		for k0 := 0; k0 < k; k0 += 6 {
			for j := range bOffs {
				bOffs[j] = t.offs[min(k0+j, k-1)]
			}
			t.kern.dot(lw/16, wide, aOffs, pad, bOffs, out)
			for i := 0; i < min(4, m-o0); i++ {
				row := dwp[(o0+i)*k+k0:][:min(6, k-k0)]
				for j := range row {
					row[j] += out[i*6+j]
				}
			}
		}
	}
}
