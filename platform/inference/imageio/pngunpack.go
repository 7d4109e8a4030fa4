package imageio

import "bytes"

// unfilter reverses the row filter (PNG spec section 9) in place.
func unfilter(cr, pr []byte, bpp int) error {
	cdat, pdat := cr[1:], pr[1:]
	switch cr[0] {
	case 0:
	case 1:
		for i := bpp; i < len(cdat); i++ {
			cdat[i] += cdat[i-bpp]
		}
	case 2:
		for i, v := range pdat {
			cdat[i] += v
		}
	case 3:
		for i := 0; i < bpp && i < len(cdat); i++ {
			cdat[i] += pdat[i] / 2
		}
		for i := bpp; i < len(cdat); i++ {
			cdat[i] += uint8((int(cdat[i-bpp]) + int(pdat[i])) / 2)
		}
	case 4:
		for i := range cdat {
			var a, c int
			b := int(pdat[i])
			if i >= bpp {
				a, c = int(cdat[i-bpp]), int(pdat[i-bpp])
			}
			pa, pb, pc := abs(b-c), abs(a-c), abs(a+b-2*c)
			switch {
			case pa <= pb && pa <= pc:
				cdat[i] += uint8(a)
			case pb <= pc:
				cdat[i] += uint8(b)
			default:
				cdat[i] += uint8(c)
			}
		}
	default:
		return pngFail("bad filter type")
	}
	return nil
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// unpack turns one unfiltered row into the one-row image, as image/png
// converts bytes to colours.
func (p *pngStream) unpack(cdat []byte) {
	w := p.w
	switch {
	case p.paletted != nil:
		if p.depth == 8 {
			copy(p.paletted.Pix, cdat[:w])
			return
		}
		unpackBits(cdat, w, p.depth, 1, p.paletted.Pix)
	case p.ct == 0 && p.depth < 16:
		scale := uint8(0xff / (1<<p.depth - 1))
		if !p.useTransp {
			if p.depth == 8 {
				copy(p.gray.Pix, cdat[:w])
			} else {
				unpackBits(cdat, w, p.depth, scale, p.gray.Pix)
			}
			return
		}
		pix := p.nrgba.Pix
		for x := range w {
			var v uint8
			if p.depth == 8 {
				v = cdat[x]
			} else {
				shift := 8 - p.depth*(x%(8/p.depth)+1)
				v = (cdat[x*p.depth/8] >> shift & (1<<p.depth - 1)) * scale
			}
			a := uint8(0xff)
			if v == p.transp[1] {
				a = 0
			}
			pix[4*x], pix[4*x+1], pix[4*x+2], pix[4*x+3] = v, v, v, a
		}
	case p.depth == 8 && p.ct == 4:
		pix := p.nrgba.Pix
		for x := range w {
			v := cdat[2*x]
			pix[4*x], pix[4*x+1], pix[4*x+2], pix[4*x+3] = v, v, v, cdat[2*x+1]
		}
	case p.depth == 8 && p.ct == 6:
		copy(p.nrgba.Pix, cdat[:4*w])
	case p.depth == 8: // truecolour
		var pix []byte
		if p.useTransp {
			pix = p.nrgba.Pix
		} else {
			pix = p.rgba.Pix
		}
		for x := range w {
			r, g, b := cdat[3*x], cdat[3*x+1], cdat[3*x+2]
			a := uint8(0xff)
			if p.useTransp && r == p.transp[1] && g == p.transp[3] && b == p.transp[5] {
				a = 0
			}
			pix[4*x], pix[4*x+1], pix[4*x+2], pix[4*x+3] = r, g, b, a
		}
	case p.ct == 0: // 16-bit grey
		if !p.useTransp {
			copy(p.gray16.Pix, cdat[:2*w])
			return
		}
		pix := p.nrgba64.Pix
		for x := range w {
			hi, lo := cdat[2*x], cdat[2*x+1]
			a := byte(0xff)
			if hi == p.transp[0] && lo == p.transp[1] {
				a = 0
			}
			q := pix[8*x : 8*x+8]
			q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7] = hi, lo, hi, lo, hi, lo, a, a
		}
	case p.ct == 4:
		pix := p.nrgba64.Pix
		for x := range w {
			s := cdat[4*x : 4*x+4]
			q := pix[8*x : 8*x+8]
			q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7] = s[0], s[1], s[0], s[1], s[0], s[1], s[2], s[3]
		}
	case p.ct == 6:
		copy(p.nrgba64.Pix, cdat[:8*w])
	default: // 16-bit truecolour
		var pix []byte
		if p.useTransp {
			pix = p.nrgba64.Pix
		} else {
			pix = p.rgba64.Pix
		}
		for x := range w {
			s := cdat[6*x : 6*x+6]
			a := byte(0xff)
			if p.useTransp && bytes.Equal(s, p.transp[:]) {
				a = 0
			}
			q := pix[8*x : 8*x+8]
			copy(q, s)
			q[6], q[7] = a, a
		}
	}
}

// unpackBits expands samples of depth 1, 2 or 4 bits, most significant first.
func unpackBits(cdat []byte, w, depth int, scale uint8, dst []uint8) {
	per := 8 / depth
	mask := uint8(1<<depth - 1)
	for x := range w {
		shift := 8 - depth*(x%per+1)
		dst[x] = (cdat[x/per] >> shift & mask) * scale
	}
}
