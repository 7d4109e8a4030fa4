package jpegscale

import "image"

// setupSeparate prepares Adobe RGB and CMYK output: each component is
// decoded into its own plane at the output scale (smaller where it is still
// subsampled), then packed into an *image.RGBA or *image.CMYK.
func (d *decoder) setupSeparate(n int, r image.Rectangle) (image.Image, error) {
	type sub struct{ rx, ry int }
	subs := make([]sub, len(d.comps))
	d.planes = make([]plane, len(d.comps))
	for i := range d.comps {
		c := &d.comps[i]
		if d.hmax%c.h != 0 || d.vmax%c.v != 0 {
			return nil, unsupported("component %d sampling %dx%d under %dx%d", i, c.h, c.v, d.hmax, d.vmax)
		}
		fx, fy := d.hmax/c.h, d.vmax/c.v
		nx, ny := min(8, n*fx), min(8, n*fy)
		c.setSize(nx, ny)
		rx, ry := n*fx/nx, n*fy/ny
		subs[i] = sub{rx, ry}
		w, h := (r.Dx()+rx-1)/rx, (r.Dy()+ry-1)/ry
		d.planes[i] = plane{make([]byte, w*h), w, w, h}
	}
	at := func(i, x, y int) byte {
		p := &d.planes[i]
		return p.pix[(y/subs[i].ry)*p.stride+x/subs[i].rx]
	}
	if len(d.comps) == 3 {
		img := image.NewRGBA(r)
		d.interleave = func() {
			for y := 0; y < r.Dy(); y++ {
				row := img.Pix[y*img.Stride:]
				for x := 0; x < r.Dx(); x++ {
					row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = at(0, x, y), at(1, x, y), at(2, x, y), 0xFF
				}
			}
		}
		return img, nil
	}
	// Adobe writes CMYK inverted (0 is full ink), as Photoshop does.
	img := image.NewCMYK(r)
	d.interleave = func() {
		for y := 0; y < r.Dy(); y++ {
			row := img.Pix[y*img.Stride:]
			for x := 0; x < r.Dx(); x++ {
				for i := 0; i < 4; i++ {
					row[4*x+i] = 255 - at(i, x, y)
				}
			}
		}
	}
	return img, nil
}
