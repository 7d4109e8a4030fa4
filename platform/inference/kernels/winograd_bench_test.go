package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkWinograd times each FishNet layer as inference runs it (weights
// packed once) on the direct in-place tiles and on winoForward, one after the
// other, with the active micro-kernel (AQUAML_KERNEL picks another), whatever
// ConvForwardCached would choose. GFLOPS count the direct convolution's
// arithmetic for both, so they compare times. Run with -count to alternate:
//
//	go test -run '^$' -bench 'BenchmarkWinograd' -benchtime 200ms -count 5 ./platform/inference/kernels
func BenchmarkWinograd(b *testing.B) {
	r := rand.New(rand.NewPCG(21, 21))
	for i, c := range fishNet {
		for _, batch := range []int{1, 2, 32} {
			x := randSlice(r, batch*c.InC*c.InH*c.InW)
			w, bias := randSlice(r, c.OutC*c.InC*9), randSlice(r, c.OutC)
			y := make([]float32, batch*c.OutC*c.InH*c.InW)
			ws := make([]float32, max(c.WorkspaceLen(batch), c.winoWorkspaceLen(kernel(), batch, Par(0).parts())))
			var dc WeightCache
			var wc winoCache
			name := fmt.Sprintf("fish%d/batch%d", i+1, batch)
			timed := func(path string, conv func()) {
				b.Run(name+"/"+path, func(b *testing.B) {
					conv() // packs the weights outside the timing
					cpuStart()
					for b.Loop() {
						conv()
					}
					reportGFLOPS(b, convFlops(c, batch))
				})
			}
			timed("direct", func() { Par(0).convForwardDirect(kernel(), c, batch, x, w, bias, ActReLU, y, ws, &dc) })
			timed("winograd", func() { Par(0).winoForward(kernel(), c, batch, x, w, bias, ActReLU, y, ws, &wc) })
		}
	}
}
