package kernels

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// parCalls are calls of every kernel a training step makes, each large
// enough to be split over goroutines when it may.
func parCalls(t *testing.T) map[string]func(Par) []float32 {
	t.Helper()
	r := rand.New(rand.NewPCG(9, 9))
	const batch = 8
	c := Conv{InC: 16, InH: 32, InW: 64, OutC: 32, KH: 3, KW: 3, Stride: 1, Pad: 1}
	x := randSlice(r, batch*c.InC*c.InH*c.InW)
	w, bias := randSlice(r, c.OutC*c.InC*9), randSlice(r, c.OutC)
	y := make([]float32, batch*c.OutC*c.OutH()*c.OutW())
	dy := randSlice(r, len(y))
	ws := make([]float32, c.WorkspaceLen(batch))
	pool := Pool{C: c.OutC, H: c.OutH(), W: c.OutW(), K: 2, Stride: 2}
	pooled := make([]float32, batch*pool.C*pool.OutH()*pool.OutW())
	argmax := make([]int32, len(pooled))
	const m, n, k = 192, 256, 320
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	ch := make([]float32, c.OutC)
	dense := randSlice(r, 64*2048)
	return map[string]func(Par) []float32{
		"Sgemm": func(p Par) []float32 {
			out := make([]float32, m*n)
			p.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, out, n)
			return out
		},
		"ConvForward": func(p Par) []float32 {
			p.ConvForward(c, batch, x, w, bias, ActReLU, y, ws)
			return append([]float32(nil), y...)
		},
		"ConvBackward": func(p Par) []float32 {
			dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, c.OutC)
			p.ConvBackward(c, batch, x, w, dy, dx, dw, db, ws)
			return append(dx, dw...)
		},
		"MaxPool": func(p Par) []float32 {
			p.MaxPoolForward(pool, batch, dy, pooled, argmax)
			dx := make([]float32, len(dy))
			p.MaxPoolBackward(pool, batch, pooled, argmax, dx)
			return dx
		},
		"BatchNorm": func(p Par) []float32 {
			out, mean, inv := make([]float32, len(dy)), make([]float32, c.OutC), make([]float32, c.OutC)
			p.BatchNormForwardTrain(batch, c.OutC, c.OutH()*c.OutW(), dy, ch, ch, 1e-5, out, mean, inv)
			dx := make([]float32, len(dy))
			p.BatchNormBackward(batch, c.OutC, c.OutH()*c.OutW(), dy, ch, mean, inv, dy, dx, make([]float32, c.OutC), make([]float32, c.OutC))
			return append(out, dx...)
		},
		"ReLU": func(p Par) []float32 {
			out, dx := make([]float32, len(dy)), make([]float32, len(dy))
			p.ReLU(dy, out)
			p.ReLUBackward(out, dy, dx)
			return dx
		},
		"Dense": func(p Par) []float32 {
			out := make([]float32, batch*64)
			p.DenseForward(batch, 2048, 64, x[:batch*2048], dense, nil, ActNone, out)
			dx, dw := make([]float32, batch*2048), make([]float32, 64*2048)
			p.DenseBackward(batch, 2048, 64, x[:batch*2048], dense, out, dx, dw, nil)
			return append(out, dw...)
		},
	}
}

// observe runs f and returns the most goroutines any of its parallel loops
// ran on.
func observe(f func()) int {
	most := 0
	observeParts = func(n int) { most = max(most, n) }
	defer func() { observeParts = nil }()
	f()
	return most
}

// Under Par(1) no kernel call runs on more than its caller, and it computes
// what the unbounded call does; unbounded, each call does spread (else this
// test could not tell a bound from none).
func TestParBoundsEveryKernel(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one CPU: nothing to bound")
	}
	for name, call := range parCalls(t) {
		var bounded, free []float32
		if n := observe(func() { bounded = call(Par(1)) }); n > 1 {
			t.Errorf("%s under Par(1) ran on %d goroutines", name, n)
		}
		spread := 0
		// A helper busy with another test's work is skipped, so try a few times.
		for try := 0; try < 20 && spread < 2; try++ {
			spread = observe(func() { free = call(Par(0)) })
		}
		if spread < 2 {
			t.Errorf("%s unbounded never ran on more than one goroutine", name)
		}
		for i := range free {
			if d := math.Abs(float64(free[i] - bounded[i])); d > 1e-3*(1+math.Abs(float64(free[i]))) {
				t.Fatalf("%s: value %d is %v under Par(1), %v unbounded", name, i, bounded[i], free[i])
			}
		}
	}
}

func TestParTwoStaysWithinTwo(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 3 {
		t.Skip("needs three CPUs to tell a bound of two from the machine's")
	}
	for name, call := range parCalls(t) {
		if n := observe(func() { call(Par(2)) }); n > 2 {
			t.Errorf("%s under Par(2) ran on %d goroutines", name, n)
		}
	}
}

// A bounded call gives way between its chunks through SetGiveWay's
// function; an unbounded one (serving) never calls it. A matrix product on
// one goroutine is one chunk (the networks' dense layers are small), so
// only the layer kernels are asked to give way.
func TestBoundedCallsGiveWay(t *testing.T) {
	calls := 0
	SetGiveWay(func() { calls++ })
	defer SetGiveWay(nil)
	for name, call := range parCalls(t) {
		calls = 0
		call(Par(0))
		if calls != 0 {
			t.Errorf("%s unbounded gave way %d times", name, calls)
		}
		call(Par(1))
		if calls == 0 && name != "Sgemm" && name != "Dense" {
			t.Errorf("%s under Par(1) never gave way", name)
		}
	}
}
