package kernels

// Portable versions of the element-wise loops (vsum, vaffine, ...) that the
// layers use; amd64 builds dispatch to AVX-512 versions where the CPU has them.

func sumGo(x []float32) float32 {
	// Four partial sums: fewer rounding errors in long rows, and independent adds.
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func sumSqDevGo(x []float32, mean float32) float32 {
	var s0, s1 float32
	i := 0
	for ; i+2 <= len(x); i += 2 {
		d0, d1 := x[i]-mean, x[i+1]-mean
		s0 += d0 * d0
		s1 += d1 * d1
	}
	for ; i < len(x); i++ {
		d := x[i] - mean
		s0 += d * d
	}
	return s0 + s1
}

func sumDyXGo(dy, x []float32, mean float32) (sdy, sdyx float32) {
	x = x[:len(dy)]
	for i, g := range dy {
		sdy += g
		sdyx += g * (x[i] - mean)
	}
	return sdy, sdyx
}

func affineGo(x, y []float32, a, b float32, relu bool) {
	y = y[:len(x)]
	for i, v := range x {
		v = a*v + b
		if relu && v < 0 {
			v = 0
		}
		y[i] = v
	}
}

func lin3Go(dy, x, dx []float32, a, b, c float32) {
	x, dx = x[:len(dy)], dx[:len(dy)]
	for i, g := range dy {
		dx[i] = a*g + b*x[i] + c
	}
}

func reluBackwardGo(y, dy, dx []float32) {
	dy, dx = dy[:len(y)], dx[:len(y)]
	for i, v := range y {
		g := dy[i]
		if !(v > 0) {
			g = 0
		}
		dx[i] = g
	}
}

// elemChunk is the number of values one goroutine handles at a time in
// element-wise layers: 256 KiB of each operand.
const elemChunk = 64 << 10

// elemOp selects what an elemTask computes.
type elemOp uint8

const (
	opReLU elemOp = iota
	opReLUBackward
	opBNForward
	opBNBackward
	opBiasGrad
)

// elemTask is one call of an element-wise layer, pooled so that handing it to
// helpers allocates nothing. Chunks are ranges of values (ReLU) or channels (batch
// norm).
type elemTask struct {
	op                elemOp
	a, b, c           []float32 // operands, by op
	batch, ch, hw     int
	gamma, beta, mean []float32
	invStd, dg, db    []float32
	eps               float32
}

var elemTasks = newFreeList(freeListSize, func() *elemTask { return new(elemTask) })

// runElem runs a task over chunks on up to p's goroutines, using only as
// many as there is work for.
func runElem(p Par, args *elemTask, chunks, values int) {
	t := elemTasks.get()
	*t = *args
	p.parallelFor(t, chunks, min(p.parts(), ceilDiv(values, elemChunk)))
	*t = elemTask{}
	elemTasks.put(t)
}

func (t *elemTask) run(_, chunk int) {
	switch t.op {
	case opReLU:
		lo, hi := chunk*elemChunk, min(len(t.a), (chunk+1)*elemChunk)
		vaffine(t.a[lo:hi], t.b[lo:hi], 1, 0, true)
	case opReLUBackward:
		lo, hi := chunk*elemChunk, min(len(t.a), (chunk+1)*elemChunk)
		vreluBackward(t.a[lo:hi], t.b[lo:hi], t.c[lo:hi])
	case opBNForward:
		t.bnForward(chunk)
	case opBNBackward:
		t.bnBackward(chunk)
	case opBiasGrad:
		var s float64
		for img := 0; img < t.batch; img++ {
			s += float64(vsum(t.b[(img*t.ch+chunk)*t.hw:][:t.hw]))
		}
		t.c[chunk] = float32(s)
	}
}
