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

func (c Conv) inputGradTransposed(p Par, batch int, w, dy, dx, ws []float32) {
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
	p.ConvForward(c.transposed(), batch, dy, wt, nil, ActNone, dx, ws[m*k:])
}

// useDirectDW reports whether the weight gradient runs on the dot kernel.
func (c Conv) useDirectDW(kern *microKernel) bool {
	return c.Stride == 1 && kern.dot != nil
}

// wideLen is the length of one wide-grid row of dy, a whole number of vectors.
func (d directGeom) wideLen() int { return roundUp(d.wideN, 16) }

// dwGroup is how many images weightGradDirect reduces over in one dot-kernel
// call: enough for about dwLanes products per call, so that small images do not
// pay the kernel's final horizontal sums and bookkeeping for a few steps each,
// within dwGroupLen values of scratch.
func (c Conv) dwGroup(batch int) int {
	m, _, _ := c.dims()
	d := c.directGeom()
	perImage := d.padLen() + m*d.wideLen()
	return max(1, min(batch, ceilDiv(dwLanes, d.wideLen()), dwGroupLen/perImage))
}

const (
	dwLanes    = 2048
	dwGroupLen = 256 << 10
	dwSlice    = 1024 // a multiple of 16
)

// directDWPartLen is each goroutine's scratch for weightGradDirect with groups of
// g images: its partial weight gradient, then g padded images and g copies of dy
// on the wide grid.
func (c Conv) directDWPartLen(g int) int {
	m, _, k := c.dims()
	d := c.directGeom()
	return m*k + g*(d.padLen()+m*d.wideLen())
}

// convDW is one weight-gradient pass on the dot kernel, pooled like convFwd.
type convDW struct {
	c        Conv
	d        directGeom
	x, dy    []float32
	ws       []float32
	kern     *microKernel
	group    int // images per chunk
	partLen  int
	batch    int
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

func (c Conv) weightGradDirect(p Par, batch int, x, dy, dw, ws []float32, kern *microKernel) {
	m, _, k := c.dims()
	group := c.dwGroup(batch)
	partLen := c.directDWPartLen(group)
	if len(ws) < partLen {
		// A workspace sized for a smaller batch: one image at a time.
		group, partLen = 1, c.directDWPartLen(1)
	}
	parts := min(p.parts(), len(ws)/partLen)
	if parts < 1 {
		mustLen("workspace", ws, partLen)
	}
	t := convDWs.get()
	*t = convDW{c: c, d: c.directGeom(), x: x, dy: dy, ws: ws, kern: kern, group: group, partLen: partLen, batch: batch,
		offs: t.offs[:0], usedPart: t.usedPart[:0], blocks: t.blocks[:0]}
	t.offs = append(t.offs, make([]int, k)...)
	c.tapOffsets(t.d, t.offs)
	for range parts {
		t.usedPart = append(t.usedPart, false)
		t.blocks = append(t.blocks, dotBlock{})
	}
	p.parallelRanges(t, ceilDiv(batch, group), parts)
	sumParts(dw[:m*k], ws, partLen, t.usedPart)
	*t = convDW{offs: t.offs[:0], usedPart: t.usedPart[:0], blocks: t.blocks[:0]}
	convDWs.put(t)
}

// run reduces the weight gradient over one chunk of up to t.group images.
func (t *convDW) run(part, chunk int) {
	c, d := t.c, t.d
	m, n, k := c.dims()
	lw := d.wideLen()
	first := chunk * t.group
	count := min(t.group, t.batch-first)
	scratch := t.ws[part*t.partLen:][:t.partLen]
	dwp, scratch := scratch[:m*k], scratch[m*k:]
	pads, wides := scratch[:t.group*d.padLen()], scratch[t.group*d.padLen():]
	if !t.usedPart[part] {
		// Borders, garbage columns and tails are never written again this call.
		t.usedPart[part] = true
		clear(dwp)
		clear(scratch)
	}
	oh, ow := c.OutH(), c.OutW()
	imgLen := c.InC * c.InH * c.InW
	for g := 0; g < count; g++ {
		img := first + g
		c.padImage(d, t.x[img*imgLen:][:imgLen], pads[g*d.padLen():])
		dy := t.dy[img*m*n:][:m*n]
		wide := wides[g*m*lw:]
		for o := 0; o < m; o++ {
			for i := 0; i < oh; i++ {
				copy(wide[o*lw+i*d.wp:][:ow], dy[(o*oh+i)*ow:][:ow])
			}
		}
	}

	// Reduce in slices of dwSlice lanes so that a block's rows of dy and the
	// image rows its taps read stay in L1 while all tap blocks use them.
	blk := &t.blocks[part]
	aOffs, bOffs, out := &blk.aOffs, &blk.bOffs, &blk.out
	for c0 := 0; c0 < lw; c0 += dwSlice {
		cl := min(dwSlice, lw-c0)
		for o0 := 0; o0 < m; o0 += 4 {
			for i := range aOffs {
				aOffs[i] = 4 * (min(o0+i, m-1)*lw + c0) // past the edge: repeat the last row
			}
			for k0 := 0; k0 < k; k0 += 6 {
				for j := range bOffs {
					bOffs[j] = t.offs[min(k0+j, k-1)] + 4*c0
				}
				t.kern.dot(cl/16, wides, aOffs, pads, bOffs, out, count, m*lw, d.padLen())
				for i := 0; i < min(4, m-o0); i++ {
					row := dwp[(o0+i)*k+k0:][:min(6, k-k0)]
					for j := range row {
						row[j] += out[i*6+j]
					}
				}
			}
		}
	}
}
