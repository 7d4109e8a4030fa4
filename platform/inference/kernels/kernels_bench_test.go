package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Run with: go test -run '^$' -bench . -benchmem ./platform/inference/kernels/
// Sub-benchmarks named by kernel (avx512, avx2, go) compare the micro-kernels on
// the same shapes in one run.

func benchKernels(b *testing.B, f func(b *testing.B)) {
	prev := active.Load()
	defer active.Store(prev)
	for _, k := range kernels() {
		active.Store(k)
		b.Run(k.name, f)
	}
}

// reportGFLOPS reports the arithmetic rate by wall-clock time and, as
// GFLOPS/cpu, by the CPU time the process spent (all goroutines together), which
// stays meaningful on a machine shared with other work. Call cpuStart first.
func reportGFLOPS(b *testing.B, flopsPerOp float64) {
	b.ReportMetric(flopsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	if cpu := cpuSeconds() - benchCPUStart; cpu > 0 {
		b.ReportMetric(flopsPerOp*float64(b.N)/cpu/1e9, "GFLOPS/cpu")
	}
}

var benchCPUStart float64

// cpuStart marks the start of a timed loop for reportGFLOPS.
func cpuStart() { benchCPUStart = cpuSeconds() }

func BenchmarkSgemm(b *testing.B) {
	shapes := []struct {
		name    string
		m, n, k int
	}{
		{"square64", 64, 64, 64}, {"square128", 128, 128, 128}, {"square256", 256, 256, 256},
		{"square512", 512, 512, 512}, {"square1024", 1024, 1024, 1024},
		// SmallCNN 64 convolutions as w (OutC x K) * col (K x OutH*OutW) per image.
		{"conv1", 16, 4096, 27}, {"conv2", 32, 1024, 144}, {"conv3", 64, 256, 288},
		// The same with a batch of 32 side by side.
		{"conv1x32", 16, 32 * 4096, 27}, {"conv2x32", 32, 32 * 1024, 144}, {"conv3x32", 64, 32 * 256, 288},
		{"dense32", 32, 23, 4096},
	}
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range shapes {
		a, bm, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
		b.Run(s.name, func(b *testing.B) {
			benchKernels(b, func(b *testing.B) {
				if kernel() == goKernel && s.m*s.n*s.k > 1<<26 {
					b.Skip("too slow to be informative")
				}
				cpuStart()
				for b.Loop() {
					Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
				}
				reportGFLOPS(b, 2*float64(s.m*s.n*s.k))
			})
		})
	}
}

// smallCNN is the SmallCNN 64 "deep" network of the PyTorch reference.
var smallCNN = []Conv{
	{InC: 3, InH: 64, InW: 64, OutC: 16, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{InC: 16, InH: 32, InW: 32, OutC: 32, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{InC: 32, InH: 16, InW: 16, OutC: 64, KH: 3, KW: 3, Stride: 1, Pad: 1},
}

// wideNet is the wider network of BenchmarkNetwork at 64 pixels (its batch norm
// is folded into the convolutions for inference).
var wideNet = []Conv{
	{InC: 3, InH: 64, InW: 64, OutC: 32, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{InC: 32, InH: 32, InW: 32, OutC: 64, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{InC: 64, InH: 16, InW: 16, OutC: 128, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{InC: 128, InH: 8, InW: 8, OutC: 256, KH: 3, KW: 3, Stride: 1, Pad: 1},
}

// fishNet is the bundled model's network at 64 pixels (batch norm folded).
var fishNet = []Conv{
	{InC: 3, InH: 64, InW: 64, OutC: 16, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{InC: 16, InH: 32, InW: 32, OutC: 32, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{InC: 32, InH: 16, InW: 16, OutC: 64, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{InC: 64, InH: 16, InW: 16, OutC: 64, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{InC: 64, InH: 8, InW: 8, OutC: 128, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{InC: 128, InH: 8, InW: 8, OutC: 128, KH: 3, KW: 3, Stride: 1, Pad: 1},
}

// benchLayers lists the convolutions the layer benchmarks time.
func benchLayers() (names []string, convs []Conv) {
	for i, c := range smallCNN {
		names, convs = append(names, fmt.Sprintf("conv%d", i+1)), append(convs, c)
	}
	for i, c := range wideNet {
		names, convs = append(names, fmt.Sprintf("wide%d", i+1)), append(convs, c)
	}
	for i, c := range fishNet {
		names, convs = append(names, fmt.Sprintf("fish%d", i+1)), append(convs, c)
	}
	return names, convs
}

func convFlops(c Conv, batch int) float64 {
	m, n, k := c.dims()
	return 2 * float64(m*n*k*batch)
}

func BenchmarkConvForward(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	names, convs := benchLayers()
	for i, c := range convs {
		for _, batch := range []int{1, 32} {
			x := randSlice(r, batch*c.InC*c.InH*c.InW)
			w, bias := randSlice(r, c.OutC*c.InC*c.KH*c.KW), randSlice(r, c.OutC)
			y := make([]float32, batch*c.OutC*c.OutH()*c.OutW())
			ws := make([]float32, c.WorkspaceLen(batch))
			b.Run(fmt.Sprintf("%s/batch%d", names[i], batch), func(b *testing.B) {
				benchKernels(b, func(b *testing.B) {
					cpuStart()
					for b.Loop() {
						ConvForward(c, batch, x, w, bias, ActReLU, y, ws)
					}
					reportGFLOPS(b, convFlops(c, batch))
				})
			})
		}
	}
}

func BenchmarkConvBackward(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	names, convs := benchLayers()
	for i, c := range convs {
		for _, batch := range []int{1, 32} {
			x := randSlice(r, batch*c.InC*c.InH*c.InW)
			w := randSlice(r, c.OutC*c.InC*c.KH*c.KW)
			dy := randSlice(r, batch*c.OutC*c.OutH()*c.OutW())
			dw, db := make([]float32, len(w)), make([]float32, c.OutC)
			var dx []float32
			if c.InC > 3 { // not a first layer
				dx = make([]float32, len(x))
			}
			ws := make([]float32, c.WorkspaceLen(batch))
			b.Run(fmt.Sprintf("%s/batch%d", names[i], batch), func(b *testing.B) {
				benchKernels(b, func(b *testing.B) {
					cpuStart()
					for b.Loop() {
						ConvBackward(c, batch, x, w, dy, dx, dw, db, ws)
					}
					flops := convFlops(c, batch) // weight gradient
					if dx != nil {
						flops *= 2
					}
					reportGFLOPS(b, flops)
				})
			})
		}
	}
}

func BenchmarkMaxPool(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, p := range []Pool{{C: 16, H: 64, W: 64, K: 2, Stride: 2}, {C: 32, H: 32, W: 32, K: 2, Stride: 2}, {C: 64, H: 16, W: 16, K: 2, Stride: 2}} {
		const batch = 32
		x := randSlice(r, batch*p.C*p.H*p.W)
		n := batch * p.C * p.OutH() * p.OutW()
		y, arg, dy := make([]float32, n), make([]int32, n), randSlice(r, n)
		b.Run(fmt.Sprintf("forward/c%d/batch%d", p.C, batch), func(b *testing.B) {
			for b.Loop() {
				MaxPoolForward(p, batch, x, y, nil)
			}
		})
		b.Run(fmt.Sprintf("forwardArgmax/c%d/batch%d", p.C, batch), func(b *testing.B) {
			for b.Loop() {
				MaxPoolForward(p, batch, x, y, arg)
			}
		})
		b.Run(fmt.Sprintf("backward/c%d/batch%d", p.C, batch), func(b *testing.B) {
			for b.Loop() {
				MaxPoolBackward(p, batch, dy, arg, x)
			}
		})
	}
}

func BenchmarkBatchNorm(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	const batch, c, hw = 32, 64, 48 * 48
	x, gamma, beta := randSlice(r, batch*c*hw), randSlice(r, c), randSlice(r, c)
	y, dx, dy := make([]float32, len(x)), make([]float32, len(x)), randSlice(r, len(x))
	mean, inv, dg, dbeta := make([]float32, c), make([]float32, c), make([]float32, c), make([]float32, c)
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			BatchNormForwardTrain(batch, c, hw, x, gamma, beta, 1e-5, y, mean, inv)
		}
	})
	b.Run("backward", func(b *testing.B) {
		for b.Loop() {
			BatchNormBackward(batch, c, hw, x, gamma, mean, inv, dy, dx, dg, dbeta)
		}
	})
}

func BenchmarkDense(b *testing.B) {
	r := rand.New(rand.NewPCG(6, 6))
	const in, out = 4096, 23
	for _, n := range []int{1, 32} {
		x, w, bias := randSlice(r, n*in), randSlice(r, out*in), randSlice(r, out)
		y, dy := make([]float32, n*out), randSlice(r, n*out)
		dx, dw, db := make([]float32, n*in), make([]float32, out*in), make([]float32, out)
		b.Run(fmt.Sprintf("forward/batch%d", n), func(b *testing.B) {
			cpuStart()
			for b.Loop() {
				DenseForward(n, in, out, x, w, bias, ActNone, y)
			}
			reportGFLOPS(b, 2*float64(n*in*out))
		})
		b.Run(fmt.Sprintf("backward/batch%d", n), func(b *testing.B) {
			cpuStart()
			for b.Loop() {
				DenseBackward(n, in, out, x, w, dy, dx, dw, db)
			}
			reportGFLOPS(b, 4*float64(n*in*out))
		})
	}
}
