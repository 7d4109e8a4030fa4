//go:build !amd64 || purego

package kernels

func cpuModel() cpuInfo { return cpuInfo{} }

func (c cpuInfo) order(ks []*microKernel) []*microKernel { return ks }

// kernels lists the micro-kernels this build can run, fastest first.
func kernels() []*microKernel { return []*microKernel{goKernel} }

// useVector and usePoolAVX2 are always false here: this build has no vector loops.
var useVector, usePoolAVX2 = false, false

func vsum(x []float32) float32                             { return sumGo(x) }
func vsumSqDev(x []float32, mean float32) float32          { return sumSqDevGo(x, mean) }
func vsumDyX(dy, x []float32, mean float32) (a, b float32) { return sumDyXGo(dy, x, mean) }
func vaffine(x, y []float32, a, b float32, relu bool)      { affineGo(x, y, a, b, relu) }
func vlin3(dy, x, dx []float32, a, b, c float32)           { lin3Go(dy, x, dx, a, b, c) }
func vreluBackward(y, dy, dx []float32)                    { reluBackwardGo(y, dy, dx) }

// maxPoolRow2x2 has no vector version in this build.
func maxPoolRow2x2(r0, r1, dst []float32, arg []int32, base, w int) bool { return false }
