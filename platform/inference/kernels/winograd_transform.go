package kernels

// The three transforms of Winograd F(2x2,3x3) (see winograd.go): filters
// G g G^T once per weight tensor, input patches B^T d B and products A^T M A
// per call.

// pack transforms the OIHW weights w into U[e] = (G g G^T)[e] for every output
// and input channel pair, written straight into kern's packed A panels (as
// packWeights lays them out: blocks of convKC input channels, mr-row panels).
func (wc *winoCache) pack(kern *microKernel, c Conv, w []float32) {
	m, k, mr := c.OutC, c.InC, kern.mr
	mp, bl := roundUp(m, mr), c.winoBlockLen(mr)
	wc.kern, wc.c = kern, c
	wc.u = append(wc.u[:0], make([]float32, 16*bl)...) // zero rows pad the last panel
	for co := 0; co < m; co++ {
		for ci := 0; ci < k; ci++ {
			g := w[(co*k+ci)*9:][:9]
			// t = G g (4 x 3), then t G^T (4 x 4); G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1].
			var t [12]float32
			for j := 0; j < 3; j++ {
				g0, g1, g2 := g[j], g[3+j], g[6+j]
				t[j], t[3+j], t[6+j], t[9+j] = g0, 0.5*(g0+g1+g2), 0.5*(g0-g1+g2), g2
			}
			pc := ci / convKC * convKC
			at := pc*mp + co/mr*mr*min(convKC, k-pc) + (ci-pc)*mr + co%mr
			for i := 0; i < 4; i++ {
				t0, t1, t2 := t[3*i], t[3*i+1], t[3*i+2]
				row := [4]float32{t0, 0.5 * (t0 + t1 + t2), 0.5 * (t0 - t1 + t2), t2}
				for j, v := range row {
					wc.u[(4*i+j)*bl+at] = v
				}
			}
		}
	}
}

// winoPad copies channels [ci0, ci1) of image x into the interior of the
// zero-bordered planes p.
func (c Conv) winoPad(g winoGeom, x, p []float32, ci0, ci1 int) {
	for ci := ci0; ci < ci1; ci++ {
		for ih := 0; ih < c.InH; ih++ {
			copy(p[(ci*g.ph+ih+1)*g.pw+1:][:c.InW], x[(ci*c.InH+ih)*c.InW:][:c.InW])
		}
	}
}

// winoInput writes B^T d B of tiles t..t+cnt-1 of the padded image p, for
// input channels [ci0, ci1), as columns j.. of the chunk's packed V: element e of tile
// column q and channel ci at v[e*winoSpread(InC*nt) + q/nr*InC*nr + ci*nr + q%nr].
func (c Conv) winoInput(g winoGeom, p []float32, t, cnt, j, nr, nt int, v []float32, ci0, ci1 int) {
	stride := winoSpread(c.InC * nt)
	for ci := ci0; ci < ci1; ci++ {
		plane := p[ci*g.ph*g.pw:][:g.ph*g.pw]
		ty, tx := t/g.tw, t%g.tw
		for q := j; q < j+cnt; q++ {
			o := 2*ty*g.pw + 2*tx
			r0 := plane[o : o+4 : o+4]
			r1 := plane[o+g.pw : o+g.pw+4 : o+g.pw+4]
			r2 := plane[o+2*g.pw : o+2*g.pw+4 : o+2*g.pw+4]
			r3 := plane[o+3*g.pw : o+3*g.pw+4 : o+3*g.pw+4]
			// B^T d, rows; B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
			a0, a1, a2, a3 := r0[0]-r2[0], r0[1]-r2[1], r0[2]-r2[2], r0[3]-r2[3]
			b0, b1, b2, b3 := r1[0]+r2[0], r1[1]+r2[1], r1[2]+r2[2], r1[3]+r2[3]
			c0, c1, c2, c3 := r2[0]-r1[0], r2[1]-r1[1], r2[2]-r1[2], r2[3]-r1[3]
			d0, d1, d2, d3 := r1[0]-r3[0], r1[1]-r3[1], r1[2]-r3[2], r1[3]-r3[3]
			at := q/nr*c.InC*nr + ci*nr + q%nr
			s := v[at : at+15*stride+1]
			// then times B, columns.
			s[0], s[stride], s[2*stride], s[3*stride] = a0-a2, a1+a2, a2-a1, a1-a3
			s[4*stride], s[5*stride], s[6*stride], s[7*stride] = b0-b2, b1+b2, b2-b1, b1-b3
			s[8*stride], s[9*stride], s[10*stride], s[11*stride] = c0-c2, c1+c2, c2-c1, c1-c3
			s[12*stride], s[13*stride], s[14*stride], s[15*stride] = d0-d2, d1+d2, d2-d1, d1-d3
			if tx++; tx == g.tw {
				tx, ty = 0, ty+1
			}
		}
	}
}

// winoOutput computes A^T M A (A^T = [1 1 1 0; 0 1 -1 -1]) for tiles t..t+cnt-1
// of image img and output channels [co0, co1), held in columns j.. of the
// chunk's M, adds the bias, applies the activation and stores the 2x2 blocks
// that lie inside the output.
func (f *winoFwd) winoOutput(mm []float32, img, t, cnt, j, co0, co1 int) {
	c, g, nt := f.c, f.g, f.nt
	h, w := c.InH, c.InW
	stride := winoSpread(c.OutC * nt)
	relu := f.act == ActReLU
	for co := co0; co < co1; co++ {
		var bias float32
		if f.b != nil {
			bias = f.b[co]
		}
		y := f.y[(img*c.OutC+co)*h*w:][:h*w]
		ty, tx := t/g.tw, t%g.tw
		for q := j; q < j+cnt; q++ {
			at := co*nt + q
			s := mm[at : at+15*stride+1]
			m0, m1, m2, m3 := s[0], s[stride], s[2*stride], s[3*stride]
			m4, m5, m6, m7 := s[4*stride], s[5*stride], s[6*stride], s[7*stride]
			m8, m9, m10, m11 := s[8*stride], s[9*stride], s[10*stride], s[11*stride]
			m12, m13, m14, m15 := s[12*stride], s[13*stride], s[14*stride], s[15*stride]
			// A^T M, rows, then times A.
			a0, a1, a2, a3 := m0+m4+m8, m1+m5+m9, m2+m6+m10, m3+m7+m11
			b0, b1, b2, b3 := m4-m8-m12, m5-m9-m13, m6-m10-m14, m7-m11-m15
			y00, y01 := a0+a1+a2+bias, a1-a2-a3+bias
			y10, y11 := b0+b1+b2+bias, b1-b2-b3+bias
			if relu {
				y00, y01, y10, y11 = max(y00, 0), max(y01, 0), max(y10, 0), max(y11, 0)
			}
			i0, j0 := 2*ty, 2*tx
			o := i0*w + j0
			switch {
			case i0+1 < h && j0+1 < w:
				r0, r1 := y[o:o+2:o+2], y[o+w:o+w+2:o+w+2]
				r0[0], r0[1], r1[0], r1[1] = y00, y01, y10, y11
			default: // the last row or column of an odd size
				y[o] = y00
				if j0+1 < w {
					y[o+1] = y01
				}
				if i0+1 < h {
					y[o+w] = y10
				}
			}
			if tx++; tx == g.tw {
				tx, ty = 0, ty+1
			}
		}
	}
}
