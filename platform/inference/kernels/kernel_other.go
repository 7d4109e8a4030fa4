//go:build !amd64 || purego

package kernels

func bestKernel() *microKernel { return goKernel }

// kernels lists the micro-kernels this build can run, fastest first.
func kernels() []*microKernel { return []*microKernel{goKernel} }

// useAVX512Pool is always false here: this build has no vector max pooling.
var useAVX512Pool = false

// maxPoolRow2x2 has no vector version in this build.
func maxPoolRow2x2(r0, r1, dst []float32, arg []int32, base, w int) bool { return false }
