package kernels

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkMicroKernel measures each micro-kernel on panels that stay in L1: the
// ceiling that the blocked products approach.
func BenchmarkMicroKernel(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 7))
	const kc = 256
	benchKernels(b, func(b *testing.B) {
		k := kernel()
		a, bp := randSlice(r, kc*k.mr), randSlice(r, kc*k.nr)
		c := make([]float32, k.mr*k.nr)
		cpuStart()
		for b.Loop() {
			k.fn(kc, a, bp, c, k.nr, k.mr, k.nr, tileAccumulate, nil)
		}
		reportGFLOPS(b, 2*float64(kc*k.mr*k.nr))
	})
}
