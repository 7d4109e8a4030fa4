package kernels

// ReLU sets y[i] = max(x[i], 0) for every i of x (NaN stays NaN); y may alias x.
// Large slices run on up to GOMAXPROCS goroutines.
func ReLU(x, y []float32) { Par(0).ReLU(x, y) }

// ReLU is the package-level ReLU on at most p goroutines.
func (p Par) ReLU(x, y []float32) {
	mustLen("y", y, len(x))
	runElem(p, &elemTask{op: opReLU, a: x, b: y[:len(x)]}, ceilDiv(len(x), elemChunk), len(x))
}

// ReLUBackward sets dx[i] = dy[i] where y[i] > 0 and 0 elsewhere, for every i of y,
// the ReLU output; dx may alias dy. Large slices run on up to GOMAXPROCS goroutines.
func ReLUBackward(y, dy, dx []float32) { Par(0).ReLUBackward(y, dy, dx) }

// ReLUBackward is the package-level ReLUBackward on at most p goroutines.
func (p Par) ReLUBackward(y, dy, dx []float32) {
	mustLen("dy", dy, len(y))
	mustLen("dx", dx, len(y))
	runElem(p, &elemTask{op: opReLUBackward, a: y, b: dy[:len(y)], c: dx[:len(y)]}, ceilDiv(len(y), elemChunk), len(y))
}

// DenseForward computes y = act(x W^T + b) for a fully connected layer: x is
// n x in, w is out x in (PyTorch Linear layout), b holds out biases or is nil, and
// y (n x out) is overwritten.
func DenseForward(n, in, out int, x, w, b []float32, act Activation, y []float32) {
	Par(0).DenseForward(n, in, out, x, w, b, act, y)
}

// DenseForward is the package-level DenseForward on at most p goroutines.
func (p Par) DenseForward(n, in, out int, x, w, b []float32, act Activation, y []float32) {
	if n <= 0 || out <= 0 {
		return
	}
	mustLen("y", y, n*out)
	p.Sgemm(false, true, n, out, in, 1, x, max(in, 1), w, max(in, 1), 0, y, out)
	if b != nil {
		mustLen("b", b, out)
	}
	for i := 0; i < n; i++ {
		row := y[i*out : (i+1)*out]
		if b != nil {
			for j, bv := range b[:out] {
				row[j] += bv
			}
		}
		if act == ActReLU {
			vaffine(row, row, 1, 0, true)
		}
	}
}

// DenseBackward computes the gradients of DenseForward (without activation) from
// x, w and dy (n x out): it overwrites dw (out x in) and db (out; may be nil) with
// the gradients summed over the n samples, and dx (n x in; may be nil) with the
// input gradient.
func DenseBackward(n, in, out int, x, w, dy []float32, dx, dw, db []float32) {
	Par(0).DenseBackward(n, in, out, x, w, dy, dx, dw, db)
}

// DenseBackward is the package-level DenseBackward on at most p goroutines.
func (p Par) DenseBackward(n, in, out int, x, w, dy []float32, dx, dw, db []float32) {
	if out <= 0 || in < 0 || n < 0 {
		return
	}
	ld := max(in, 1)
	p.Sgemm(true, false, out, in, n, 1, dy, out, x, ld, 0, dw, ld)
	if db != nil {
		mustLen("db", db, out)
		db = db[:out]
		clear(db)
		for i := 0; i < n; i++ {
			for j, g := range dy[i*out : (i+1)*out] {
				db[j] += g
			}
		}
	}
	if dx != nil {
		p.Sgemm(false, false, n, in, out, 1, dy, out, w, ld, 0, dx, ld)
	}
}
