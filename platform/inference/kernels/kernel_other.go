//go:build !amd64 || purego

package kernels

func bestKernel() *microKernel { return goKernel }

// kernels lists the micro-kernels this build can run, fastest first.
func kernels() []*microKernel { return []*microKernel{goKernel} }
