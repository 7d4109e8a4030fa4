package imageio

import (
	"image"
	"sync"
)

// A camera frame reaches the resampler as YCbCr at eight to thirty times
// the model input's pixel count. Converting every pixel to RGB before
// shrinking was a tenth of a 1080p frame's CPU; the conversion is linear, so
// resampling the Y, Cb and Cr planes apart and converting only the output
// pixels gives the same values but for the clamping of out-of-gamut pixels,
// which now happens after averaging instead of before.

// Go's color.YCbCrToRGB, which the row path uses, in float: Y is scaled by
// 0x10101/0x10000 and the result floored. The floor's half a level on
// average is taken off here, so the mean pixel stays where the bundled
// model was trained.
const (
	yccY    = float32(0x10101) / 0x10000
	yccRCr  = float32(91881) / 0x10000
	yccGCb  = float32(22554) / 0x10000
	yccGCr  = float32(46802) / 0x10000
	yccBCb  = float32(116130) / 0x10000
	yccBias = -0.5
)

// planeScratch is the reusable working memory of one plane-wise resize.
type planeScratch struct {
	x, y, cx, cy taps
	mid          []float32 // one plane's horizontally resampled rows
	out          [3][]float32
}

var planePool = sync.Pool{New: func() any { return new(planeScratch) }}

// resampleYCbCr is resample for a YCbCr image whose chroma layout it knows;
// it reports false, having written nothing, for the others.
func resampleYCbCr(m *image.YCbCr, crop image.Rectangle, outW, outH int, flip bool, mul, add [3]float32, dst []float32) bool {
	hs, vs := chromaShift(m.SubsampleRatio)
	if hs < 0 || m.Rect.Min.X != 0 || m.Rect.Min.Y != 0 {
		return false
	}
	s := planePool.Get().(*planeScratch)
	defer func() {
		if cap(s.mid) <= maxPooledFloats {
			planePool.Put(s)
		}
	}()
	s.x.build(crop.Min.X, crop.Dx(), outW, flip)
	s.y.build(crop.Min.Y, crop.Dy(), outH, false)
	cw := (m.Rect.Max.X + 1<<hs - 1) >> hs
	ch := (m.Rect.Max.Y + 1<<vs - 1) >> vs
	s.cx.fold(&s.x, uint(hs), cw)
	s.cy.fold(&s.y, uint(vs), ch)
	n := outW * outH
	for i := range s.out {
		s.out[i] = grow(s.out[i], n)
	}
	s.resamplePlane(m.Y, m.YStride, &s.x, &s.y, outW, s.out[0])
	s.resamplePlane(m.Cb, m.CStride, &s.cx, &s.cy, outW, s.out[1])
	s.resamplePlane(m.Cr, m.CStride, &s.cx, &s.cy, outW, s.out[2])

	yp, cb, cr := s.out[0][:n], s.out[1][:n], s.out[2][:n]
	r, g, b := dst[:n], dst[n:2*n], dst[2*n:3*n]
	for i := range n {
		yy, u, v := yp[i]*yccY+yccBias, cb[i]-128, cr[i]-128
		r[i] = clamp255(yy+yccRCr*v)*mul[0] + add[0]
		g[i] = clamp255(yy-yccGCb*u-yccGCr*v)*mul[1] + add[1]
		b[i] = clamp255(yy+yccBCb*u)*mul[2] + add[2]
	}
	return true
}

func clamp255(v float32) float32 { return min(max(v, 0), 255) }

// resamplePlane resizes one 8-bit plane through the taps of its axes into
// out (outW x len(ty.start), row-major).
func (s *planeScratch) resamplePlane(pix []uint8, stride int, tx, ty *taps, outW int, out []float32) {
	// Only the rows some output reads are resampled horizontally.
	first, last := ty.start[0], ty.start[0]
	for _, st := range ty.start {
		first, last = min(first, st), max(last, st)
	}
	last += ty.n
	s.mid = grow(s.mid, (last-first)*outW)
	nx := tx.n
	for r := first; r < last; r++ {
		row := pix[r*stride:]
		mid := s.mid[(r-first)*outW : (r-first+1)*outW]
		for o := range mid {
			w := tx.w[o*nx : (o+1)*nx]
			px := row[tx.start[o]:]
			px = px[:len(w)]
			var acc float32
			for k := range w {
				acc += w[k] * float32(px[k])
			}
			mid[o] = acc
		}
	}
	for o := range ty.start {
		ty.sumRows(o, s.mid, first, out[o*outW:(o+1)*outW])
	}
}

// fold gives the taps of a chroma axis 1<<shift times coarser than the luma
// axis l, over a chroma plane of size samples: each chroma sample takes the
// weights of the luma pixels it stands for, so the result is what resampling
// the chroma replicated to luma resolution gives, as the row path does.
func (t *taps) fold(l *taps, shift uint, size int) {
	out := len(l.start)
	t.n = 1
	for o := range out {
		lo, hi := l.start[o]>>shift, (l.start[o]+l.n-1)>>shift
		t.n = max(t.n, hi-lo+1)
	}
	t.n = min(t.n, size)
	t.start = grow(t.start, out)
	t.w = grow(t.w, out*t.n)
	clear(t.w)
	for o := range out {
		start := min(l.start[o]>>shift, size-t.n)
		t.start[o] = start
		w := t.w[o*t.n : (o+1)*t.n]
		for k, lw := range l.w[o*l.n : (o+1)*l.n] {
			j := min((l.start[o]+k)>>shift, size-1)
			w[j-start] += lw
		}
	}
}
