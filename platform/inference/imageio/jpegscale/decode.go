package jpegscale

import (
	"image"
	"image/color"
	"io"
)

// plane is where one component's pixels go at the chosen scale.
type plane struct {
	pix    []byte
	stride int
	w, h   int
}

// maxScans bounds the work a small hostile file can demand: every scan
// visits every block, even when it carries no bits. Encoders write about ten
// (libjpeg's default progressive script) and at most 4 x 64 meaningful ones.
const maxScans = 256

// ChooseScale returns the largest denominator in 8, 4, 2, 1 whose output
// still covers minW x minH for a width x height image.
func ChooseScale(width, height, minW, minH int) int {
	for _, s := range []int{8, 4, 2} {
		if (width+s-1)/s >= minW && (height+s-1)/s >= minH {
			return s
		}
	}
	return 1
}

// DecodeScaled decodes a baseline or progressive JPEG at 1/scale of its size,
// with scale the largest of 8, 4, 2, 1 for which the output still covers
// minW x minH (ceil(width/scale) >= minW and likewise for height). The result
// is an *image.YCbCr or *image.Gray of ceil(width/scale) x ceil(height/scale)
// pixels; EXIF orientation is not applied. Subsampled chroma comes out at
// the output's resolution (see Options).
func DecodeScaled(r io.Reader, minW, minH int) (image.Image, int, error) {
	return DecodeScaledWith(r, minW, minH, Options{})
}

// Options are DecodeScaledWith's settings beyond the size to cover.
type Options struct {
	// ChromaW x ChromaH is the size subsampled chroma must still cover. At
	// 1/8, where the file's own chroma resolution covers it, an
	// *image.YCbCr keeps the file's subsampling and each chroma block only
	// its DC, as luma does (the rest of the block is skipped, not
	// transformed); otherwise, and at the other scales, chroma gets the
	// transform that brings it to the output's resolution. Zero asks for
	// the output's resolution always. A caller that shrinks the output by
	// half or more saves the chroma transforms: a sixth of a 1080p frame's
	// decode.
	ChromaW, ChromaH int
}

// DecodeScaledWith is DecodeScaled with Options.
func DecodeScaledWith(r io.Reader, minW, minH int, opt Options) (image.Image, int, error) {
	d := &decoder{src: source{r: r}, opt: opt}
	if err := d.readSOI(); err != nil {
		return nil, 0, err
	}
	sos, err := d.readHeaders(false)
	if err != nil {
		return nil, 0, err
	}
	if !sos {
		return nil, 0, corrupt("no scan before EOI")
	}
	if int64(d.width)*int64(d.height) > int64(MaxPixels) {
		return nil, 0, ErrTooLarge
	}
	if len(d.comps) == 4 && !(d.adobe && d.adobeXform == 0) {
		return nil, 0, unsupported("4-component colour other than Adobe CMYK (YCCK or unmarked)")
	}
	scale := ChooseScale(d.width, d.height, minW, minH)
	img, err := d.setupOutput(scale)
	if err != nil {
		return nil, 0, err
	}
	// One sequential scan holding every component streams straight into the
	// output; anything else keeps the coefficients until the last scan.
	d.stream = !d.progressive && len(d.cur.comps) == len(d.comps)
	if d.stream {
		for _, c := range d.comps {
			if !d.haveQuant[c.tq] {
				return nil, 0, corrupt("undefined quantisation table %d", c.tq)
			}
		}
	} else {
		for i := range d.comps {
			c := &d.comps[i]
			c.vals = make([]int16, c.bw*c.bh*len(c.used))
			c.mask = make([]uint64, c.bw*c.bh)
		}
	}
	for scans := 0; sos; scans++ {
		if d.stream && scans > 0 {
			return nil, 0, corrupt("extra scan after a complete sequential scan")
		}
		if scans == maxScans {
			return nil, 0, corrupt("more than %d scans", maxScans)
		}
		if err := d.decodeScan(); err != nil {
			return nil, 0, err
		}
		if sos, err = d.readHeaders(false); err != nil {
			return nil, 0, err
		}
	}
	if !d.stream {
		if err := d.render(); err != nil {
			return nil, 0, err
		}
	}
	if d.interleave != nil {
		d.interleave()
	}
	return img, scale, nil
}

// setupOutput allocates the output at 1/scale and picks each component's
// inverse DCT size. A subsampled chroma component gets a larger transform
// when the scale leaves room (up to 8x8), as libjpeg does: at 1/2 a 4:2:0
// image comes out 4:4:4, with chroma at the output's full resolution instead
// of being halved once more.
func (d *decoder) setupOutput(scale int) (image.Image, error) {
	n := 8 / scale
	r := image.Rect(0, 0, (d.width+scale-1)/scale, (d.height+scale-1)/scale)
	if len(d.comps) == 1 {
		g := image.NewGray(r)
		d.comps[0].setSize(n, n)
		d.planes = []plane{{g.Pix, g.Stride, r.Dx(), r.Dy()}}
		return g, nil
	}
	if m := d.colorModel(); m == color.RGBAModel || m == color.CMYKModel {
		return d.setupSeparate(n, r)
	}
	y, cb, cr := d.comps[0], d.comps[1], d.comps[2]
	if y.h != d.hmax || y.v != d.vmax || cb.h != cr.h || cb.v != cr.v ||
		d.hmax%cb.h != 0 || d.vmax%cb.v != 0 {
		return nil, unsupported("sampling factors Y %dx%d Cb %dx%d Cr %dx%d", y.h, y.v, cb.h, cb.v, cr.h, cr.v)
	}
	fx, fy := d.hmax/cb.h, d.vmax/cb.v
	nx, ny := chromaSize(n, fx, r.Dx(), d.opt.ChromaW), chromaSize(n, fy, r.Dy(), d.opt.ChromaH)
	ratio, ok := subsampleRatios[[2]int{n * fx / nx, n * fy / ny}]
	if !ok {
		// A reduced layout image.YCbCr cannot hold: chroma at full resolution.
		nx, ny = min(8, n*fx), min(8, n*fy)
		if ratio, ok = subsampleRatios[[2]int{n * fx / nx, n * fy / ny}]; !ok {
			return nil, unsupported("chroma subsampling %dx%d", fx, fy)
		}
	}
	d.comps[0].setSize(n, n)
	for i := 1; i < 3; i++ {
		d.comps[i].setSize(nx, ny)
	}
	img := image.NewYCbCr(r, ratio)
	cw := img.CStride
	ch := len(img.Cb) / max(1, cw)
	d.planes = []plane{
		{img.Y, img.YStride, r.Dx(), r.Dy()},
		{img.Cb, img.CStride, cw, ch},
		{img.Cr, img.CStride, cw, ch},
	}
	return img, nil
}

var subsampleRatios = map[[2]int]image.YCbCrSubsampleRatio{
	{1, 1}: image.YCbCrSubsampleRatio444,
	{2, 1}: image.YCbCrSubsampleRatio422,
	{2, 2}: image.YCbCrSubsampleRatio420,
	{1, 2}: image.YCbCrSubsampleRatio440,
	{4, 1}: image.YCbCrSubsampleRatio411,
	{4, 2}: image.YCbCrSubsampleRatio410,
}

// chromaSize is the inverse DCT size along one axis of a chroma component
// subsampled f times, when luma's is n and the output has out samples: 1
// (the block's DC) at 1/8 when that many chroma samples still cover want,
// otherwise the size that brings chroma to the output's resolution. Only
// the DC is an exact block mean; a reduced 2x2 or 4x4 transform of a chroma
// block, then averaged, was measured up to three times further from a full
// decode than the larger transform on hard colour edges.
func chromaSize(n, f, out, want int) int {
	if want > 0 && n == 1 && (out+f-1)/f >= want {
		return 1
	}
	return min(8, n*f)
}

// emit dequantises a block of stored values and writes its scaled inverse
// DCT.
func (d *decoder) emit(ci, bx, by int, vals []int16) {
	p := &d.planes[ci]
	c := &d.comps[ci]
	x0, y0 := bx*c.nx, by*c.ny
	if x0 >= p.w || y0 >= p.h {
		return
	}
	q := &d.quant[c.tq]
	dst := p.pix[y0*p.stride+x0:]
	w, h := min(c.nx, p.w-x0), min(c.ny, p.h-y0)
	if c.nx == 1 && c.ny == 1 {
		dst[0] = clampInt((int32(vals[0])*int32(q[0]) + 1028) >> 3)
		return
	}
	// Only the top-left nx x ny coefficients reach the output.
	var blk [65]int32
	for j, k := range c.used {
		blk[unzig[k]] = int32(vals[j]) * int32(q[k])
	}
	if c.nx <= 2 && c.ny <= 2 {
		idct2(&blk, dst, p.stride, w, h)
		return
	}
	idct((*[64]int32)(blk[:64]), c.nx, c.ny, dst, p.stride, w, h)
}

// render turns the stored coefficients into pixels after the last scan.
func (d *decoder) render() error {
	for ci := range d.comps {
		c := &d.comps[ci]
		if !d.haveQuant[c.tq] {
			return corrupt("undefined quantisation table %d", c.tq)
		}
		n := len(c.used)
		for by := 0; by < c.bh; by++ {
			for bx := 0; bx < c.bw; bx++ {
				d.emit(ci, bx, by, c.vals[(by*c.bw+bx)*n:][:n])
			}
		}
	}
	return nil
}

// setSize sets the component's inverse DCT size and the zig-zag indices of
// the coefficients it reads.
func (c *component) setSize(nx, ny int) {
	c.nx, c.ny = nx, ny
	c.used = c.used[:0]
	for k, nat := range unzig {
		c.pos[k], c.natIdx[k], c.storeIdx[k] = -1, 64, 64
		if int(nat)%8 < nx && int(nat)/8 < ny {
			c.pos[k], c.natIdx[k], c.storeIdx[k] = int8(len(c.used)), nat, uint8(len(c.used))
			c.used = append(c.used, uint8(k))
		}
	}
}
