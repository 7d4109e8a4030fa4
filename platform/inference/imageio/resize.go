package imageio

import (
	"image"
	"math"
	"sync"
)

// taps holds the separable resampling weights of one axis: output i reads
// source pixels start[i] .. start[i]+n-1 with weights w[i*n : i*n+n].
type taps struct {
	start []int
	w     []float32
	n     int
}

// build fills t for mapping the source span [from, from+length) onto out
// samples: area averaging when shrinking, bilinear interpolation with
// half-pixel centres when enlarging, mirrored when flip is set. The weights of
// every output sum to one.
func (t *taps) build(from, length, out int, flip bool) {
	scale := float64(length) / float64(out)
	if scale > 1 {
		t.n = min(int(math.Ceil(scale))+1, length)
	} else {
		t.n = min(2, length)
	}
	t.start = grow(t.start, out)
	t.w = grow(t.w, out*t.n)
	clear(t.w)
	last := from + length - t.n // highest start that keeps all taps inside the span
	for o := range out {
		i := o
		if flip {
			i = out - 1 - o
		}
		w := t.w[o*t.n : (o+1)*t.n]
		if scale > 1 {
			lo, hi := float64(i)*scale, float64(i+1)*scale
			j0 := int(lo)
			start := min(from+j0, last)
			t.start[o] = start
			for j := j0; float64(j) < hi && j < length; j++ {
				cover := math.Min(hi, float64(j+1)) - math.Max(lo, float64(j))
				w[from+j-start] += float32(cover / scale)
			}
			continue
		}
		s := (float64(i)+0.5)*scale - 0.5
		s = math.Max(0, math.Min(s, float64(length-1)))
		j0 := int(s)
		j1 := min(j0+1, length-1)
		frac := float32(s - float64(j0))
		start := min(from+j0, last)
		t.start[o] = start
		w[from+j0-start] += 1 - frac
		w[from+j1-start] += frac
	}
}

// sumRows writes output o of a vertical axis into acc: the weighted sum of
// source rows start[o] .. start[o]+n-1, read from mid, which holds rows of
// len(acc) values from source row origin on.
func (t *taps) sumRows(o int, mid []float32, origin int, acc []float32) {
	clear(acc)
	width, first := len(acc), t.start[o]-origin
	for k, wk := range t.w[o*t.n : (o+1)*t.n] {
		if wk == 0 {
			continue
		}
		src := mid[(first+k)*width:][:width]
		for i, v := range src {
			acc[i] += wk * v
		}
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// scratch is the reusable working memory of one resize.
type scratch struct {
	x, y taps
	line []float32 // one source row as RGB
	mid  []float32 // horizontally resampled rows, HWC
	acc  []float32 // one output row, HWC
}

const maxPooledFloats = 1 << 22

var rowPool = sync.Pool{New: func() any { return new(rowReader) }}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// resample writes the region crop of img, resized to outW x outH, into dst as
// CHW planes with dst[c] = v*mul[c] + add[c], v being the 0-255 channel value.
// crop must be non-empty and inside img.Bounds().
func resample(img image.Image, crop image.Rectangle, outW, outH int, flip bool, mul, add [3]float32, dst []float32) {
	if m, ok := img.(*image.YCbCr); ok && resampleYCbCr(m, crop, outW, outH, flip, mul, add, dst) {
		return
	}
	resampleByRows(img, crop, outW, outH, flip, mul, add, dst)
}

// resampleByRows is resample through packed RGB rows, for any image.
func resampleByRows(img image.Image, crop image.Rectangle, outW, outH int, flip bool, mul, add [3]float32, dst []float32) {
	rows := rowPool.Get().(*rowReader)
	rows.reset(img)
	defer func() {
		rows.reset(nil) // don't keep the image alive from the pool
		rowPool.Put(rows)
	}()
	_ = resampleRows(crop, outW, outH, flip, mul, add, dst, func(y int, line []float32) error {
		readRow(rows, y, crop.Min.X, crop.Max.X, line)
		return nil
	})
}

// resampleRows is resample over any source of rows: next is called once for
// every row of crop, top to bottom, and fills line with its pixels as RGB.
// A streaming decoder is such a source, so no full-size image is needed.
func resampleRows(crop image.Rectangle, outW, outH int, flip bool, mul, add [3]float32, dst []float32, next func(y int, line []float32) error) error {
	s := scratchPool.Get().(*scratch)
	defer func() {
		// A huge source leaves a huge row buffer behind; don't pin it.
		if cap(s.mid) <= maxPooledFloats {
			scratchPool.Put(s)
		}
	}()
	w, h := crop.Dx(), crop.Dy()
	s.x.build(crop.Min.X, w, outW, flip)
	s.y.build(crop.Min.Y, h, outH, false)
	s.line = grow(s.line, 3*w)
	s.mid = grow(s.mid, 3*outW*h)
	s.acc = grow(s.acc, 3*outW)

	nx := s.x.n
	fl := s.line
	for r := range h {
		if err := next(crop.Min.Y+r, fl); err != nil {
			return err
		}
		mid := s.mid[r*3*outW : (r+1)*3*outW]
		for o := range outW {
			first := 3 * (s.x.start[o] - crop.Min.X)
			px := fl[first : first+3*nx]
			wt := s.x.w[o*nx : (o+1)*nx]
			var cr, cg, cb float32
			for k, wk := range wt {
				p := px[3*k : 3*k+3]
				cr += wk * p[0]
				cg += wk * p[1]
				cb += wk * p[2]
			}
			mid[3*o], mid[3*o+1], mid[3*o+2] = cr, cg, cb
		}
	}

	plane := outW * outH
	acc := s.acc
	for o := range outH {
		s.y.sumRows(o, s.mid, crop.Min.Y, acc)
		row := o * outW
		r, g, b := dst[row:row+outW], dst[plane+row:plane+row+outW], dst[2*plane+row:2*plane+row+outW]
		for x := range outW {
			a := acc[3*x : 3*x+3]
			r[x] = a[0]*mul[0] + add[0]
			g[x] = a[1]*mul[1] + add[1]
			b[x] = a[2]*mul[2] + add[2]
		}
	}
	return nil
}
