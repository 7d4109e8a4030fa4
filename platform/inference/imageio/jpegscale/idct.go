package jpegscale

import "math"

// unzig maps a zig-zag index to the natural (row-major) index (T.81 Figure A.6).
var unzig = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// idctTab[n][x][u] = C(u)/2 * cos((2x+1)u*pi/2n) for n = 1, 2, 4, 8.
//
// Using the 8-point normalisation with n-point cosines makes the n-point
// inverse of the top-left n x n coefficients equal to the full inverse
// followed by an (8/n) x (8/n) box average, up to the energy of the dropped
// high frequencies: the JPEG DCT is orthonormal, and the orthonormal DCT of
// a 2:1 average keeps the low coefficients scaled by 1/sqrt(2) per axis.
var idctTab [9][8][8]float32

func init() {
	for _, n := range []int{1, 2, 4, 8} {
		for x := 0; x < n; x++ {
			for u := 0; u < n; u++ {
				c := 1.0
				if u == 0 {
					c = 1 / math.Sqrt2
				}
				idctTab[n][x][u] = float32(c / 2 * math.Cos(float64(2*x+1)*float64(u)*math.Pi/float64(2*n)))
			}
		}
	}
}

func clamp8(v float32) byte {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return byte(v)
}

// idct writes the nx x ny inverse transform of the top-left nx x ny
// dequantised coefficients of blk (natural order) into dst, clipped to
// w x h pixels. nx and ny differ when a subsampled chroma component is
// brought up to the luma resolution along one axis only.
func idct(blk *[64]int32, nx, ny int, dst []byte, stride, w, h int) {
	if nx == 1 && ny == 1 {
		v := (blk[0] + 1028) >> 3
		dst[0] = byte(max(0, min(255, v)))
		return
	}
	if nx == 8 && ny == 8 {
		idct8x8(blk, dst, stride, w, h)
		return
	}
	var tmp [64]float32 // row-transformed coefficients, tmp[v*8+x]
	rows := 0
	var in [8]float32
	for v := 0; v < ny; v++ {
		m := 0
		for u, c := range blk[v*8 : v*8+nx] {
			in[u] = float32(c)
			if c != 0 {
				m = u + 1
			}
		}
		if m == 0 {
			continue
		}
		rows = v + 1
		if nx == 8 && m > 3 || nx == 4 && m > 1 {
			m = nx // the unrolled transforms are cheaper than a short sum
		}
		idct1(in[:m], nx, tmp[v*8:v*8+8])
	}
	var col, out [8]float32
	for x := 0; x < w; x++ {
		r := rows
		if ny == 8 && r > 3 || ny == 4 && r > 1 {
			r = ny
		}
		for v := 0; v < r; v++ {
			col[v] = tmp[v*8+x]
		}
		idct1(col[:r], ny, out[:])
		for y := 0; y < h; y++ {
			dst[y*stride+x] = clamp8(out[y] + 128.5)
		}
	}
}

// idct2 is idct for nx, ny <= 2 (1/8 and 1/4 scale luma, 1/8 scale
// subsampled chroma), in integers: every basis value of the 2-point
// transform is +-1/(2 sqrt 2), so each output is the sum of the four
// coefficients with signs, over 8. Rounding matches the float path
// (+128.5, then truncation). Coefficients outside the nx x ny corner must
// be zero.
func idct2(blk *[65]int32, dst []byte, stride, w, h int) {
	a, b, c, e := blk[0]+1028, blk[1], blk[8], blk[9]
	dst[0] = clampInt((a + b + c + e) >> 3)
	if w > 1 {
		dst[1] = clampInt((a - b + c - e) >> 3)
	}
	if h > 1 {
		row := dst[stride:]
		row[0] = clampInt((a + b - c - e) >> 3)
		if w > 1 {
			row[1] = clampInt((a - b - c + e) >> 3)
		}
	}
}

func clampInt(v int32) byte {
	return byte(max(0, min(255, v)))
}

// idct1 is the n-point 1-D inverse of in (the first len(in) coefficients,
// the rest zero). It splits even and odd frequencies: cos((2(n-1-x)+1)u*pi/2n)
// is (-1)^u cos((2x+1)u*pi/2n), so each pair of mirrored outputs costs one
// pass over the coefficients, half the multiplications of the direct sum.
func idct1(in []float32, n int, out []float32) {
	if n == 8 && len(in) == 8 {
		idct8((*[8]float32)(in), (*[8]float32)(out))
		return
	}
	if n == 4 && len(in) == 4 {
		idct4((*[4]float32)(in), (*[4]float32)(out[:4]))
		return
	}
	t := &idctTab[n]
	if n == 1 {
		out[0] = 0
		if len(in) > 0 {
			out[0] = t[0][0] * in[0]
		}
		return
	}
	for x := 0; x < n/2; x++ {
		tx := &t[x]
		var e, o float32
		for u := 0; u < len(in); u += 2 {
			e += tx[u] * in[u]
		}
		for u := 1; u < len(in); u += 2 {
			o += tx[u] * in[u]
		}
		out[x], out[n-1-x] = e+o, e-o
	}
}

// idct8 is idct1 for a full 8-point row, unrolled. The even half is itself
// split: u = 0 and u = 4 share one magnitude, and u = 2, 6 pair up across
// mirrored outputs, leaving 22 multiplications instead of 64.
func idct8(in, out *[8]float32) {
	t := &idctTab[8]
	p := t[0][0] * (in[0] + in[4])
	q := t[0][0] * (in[0] - in[4])
	r := t[0][2]*in[2] + t[0][6]*in[6]
	s := t[1][2]*in[2] + t[1][6]*in[6]
	e0, e1, e2, e3 := p+r, q+s, q-s, p-r
	o0 := t[0][1]*in[1] + t[0][3]*in[3] + t[0][5]*in[5] + t[0][7]*in[7]
	o1 := t[1][1]*in[1] + t[1][3]*in[3] + t[1][5]*in[5] + t[1][7]*in[7]
	o2 := t[2][1]*in[1] + t[2][3]*in[3] + t[2][5]*in[5] + t[2][7]*in[7]
	o3 := t[3][1]*in[1] + t[3][3]*in[3] + t[3][5]*in[5] + t[3][7]*in[7]
	out[0], out[7] = e0+o0, e0-o0
	out[1], out[6] = e1+o1, e1-o1
	out[2], out[5] = e2+o2, e2-o2
	out[3], out[4] = e3+o3, e3-o3
}

// idct4 is idct1 for a full 4-point row: u = 0 and u = 2 share one
// magnitude, leaving 6 multiplications.
func idct4(in, out *[4]float32) {
	t := &idctTab[4]
	e0 := t[0][0] * (in[0] + in[2])
	e1 := t[0][0] * (in[0] - in[2])
	o0 := t[0][1]*in[1] + t[0][3]*in[3]
	o1 := t[1][1]*in[1] + t[1][3]*in[3]
	out[0], out[3] = e0+o0, e0-o0
	out[1], out[2] = e1+o1, e1-o1
}

// idct8x8 is the full-size transform: every row and column through idct8,
// except rows with no AC energy, whose transform is a constant.
func idct8x8(blk *[64]int32, dst []byte, stride, w, h int) {
	dcGain := idctTab[8][0][0]
	var tmp, res [64]float32
	var in, out [8]float32
	for v := 0; v < 8; v++ {
		row := (*[8]int32)(blk[v*8 : v*8+8])
		if row[1]|row[2]|row[3]|row[4]|row[5]|row[6]|row[7] == 0 {
			if row[0] != 0 {
				c := dcGain * float32(row[0])
				for x := range 8 {
					tmp[v*8+x] = c
				}
			}
			continue
		}
		for u, c := range row {
			in[u] = float32(c)
		}
		idct8(&in, (*[8]float32)(tmp[v*8:v*8+8]))
	}
	for x := 0; x < 8; x++ {
		for v := range 8 {
			in[v] = tmp[v*8+x]
		}
		idct8(&in, &out)
		for y, o := range out {
			res[y*8+x] = o
		}
	}
	for y := 0; y < h; y++ {
		row := dst[y*stride : y*stride+w]
		for x := range row {
			row[x] = clamp8(res[y*8+x] + 128.5)
		}
	}
}
