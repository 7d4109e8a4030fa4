package kernels

import (
	"errors"
	"fmt"
)

// ErrGeometry reports a convolution or pooling geometry that cannot be computed:
// non-positive sizes, an empty output, padding larger than the window allows, or
// sizes whose element counts would overflow.
var ErrGeometry = errors.New("kernels: invalid geometry")

// maxElems bounds every tensor a geometry describes, so that element indices fit in
// int32 (MaxPoolForward's argmax) and size arithmetic cannot overflow.
const maxElems = 1<<31 - 1

// Conv is the geometry of a 2-D convolution over NCHW tensors with OIHW weights
// (PyTorch layout). Stride and padding apply equally to height and width.
type Conv struct {
	InC, InH, InW int // input channels, height, width
	OutC          int // output channels
	KH, KW        int // kernel height and width
	Stride, Pad   int // stride (>= 1) and zero padding on every side (>= 0)
}

// OutH is the output height: (InH + 2*Pad - KH)/Stride + 1.
func (c Conv) OutH() int { return outSize(c.InH, c.KH, c.Stride, c.Pad) }

// OutW is the output width: (InW + 2*Pad - KW)/Stride + 1.
func (c Conv) OutW() int { return outSize(c.InW, c.KW, c.Stride, c.Pad) }

func outSize(in, k, stride, pad int) int {
	if stride <= 0 {
		return 0
	}
	span := in + 2*pad - k
	if span < 0 {
		return 0
	}
	return span/stride + 1
}

// Validate reports, wrapping ErrGeometry, why c cannot be computed, or nil.
func (c Conv) Validate() error {
	switch {
	case c.InC <= 0 || c.InH <= 0 || c.InW <= 0:
		return fmt.Errorf("%w: input %dx%dx%d must be positive", ErrGeometry, c.InC, c.InH, c.InW)
	case c.OutC <= 0:
		return fmt.Errorf("%w: output channels %d must be positive", ErrGeometry, c.OutC)
	case c.KH <= 0 || c.KW <= 0:
		return fmt.Errorf("%w: kernel %dx%d must be positive", ErrGeometry, c.KH, c.KW)
	case c.Stride <= 0:
		return fmt.Errorf("%w: stride %d must be positive", ErrGeometry, c.Stride)
	case c.Pad < 0:
		return fmt.Errorf("%w: padding %d must not be negative", ErrGeometry, c.Pad)
	case c.OutH() <= 0 || c.OutW() <= 0:
		return fmt.Errorf("%w: kernel %dx%d larger than padded input %dx%d", ErrGeometry, c.KH, c.KW, c.InH+2*c.Pad, c.InW+2*c.Pad)
	}
	if !fits(c.InC, c.InH, c.InW) || !fits(c.OutC, c.OutH(), c.OutW()) || !fits(c.OutC, c.InC, c.KH, c.KW) ||
		!fits(c.InC, c.KH, c.KW, c.OutH(), c.OutW()) {
		return fmt.Errorf("%w: tensors too large", ErrGeometry)
	}
	return nil
}

// fits reports whether the product of dims stays below maxElems.
func fits(dims ...int) bool {
	p := 1
	for _, d := range dims {
		if d <= 0 || p > maxElems/d {
			return false
		}
		p *= d
	}
	return true
}

// Pool is the geometry of a max pooling over NCHW tensors: a K x K window moved
// by Stride, with implicit -Inf padding Pad on every side (PyTorch MaxPool2d).
type Pool struct {
	C, H, W     int // channels, height, width
	K           int // window size
	Stride, Pad int // stride (>= 1) and padding (0 <= Pad <= K/2)
}

// OutH is the output height: (H + 2*Pad - K)/Stride + 1.
func (p Pool) OutH() int { return outSize(p.H, p.K, p.Stride, p.Pad) }

// OutW is the output width: (W + 2*Pad - K)/Stride + 1.
func (p Pool) OutW() int { return outSize(p.W, p.K, p.Stride, p.Pad) }

// Validate reports, wrapping ErrGeometry, why p cannot be computed, or nil.
func (p Pool) Validate() error {
	switch {
	case p.C <= 0 || p.H <= 0 || p.W <= 0:
		return fmt.Errorf("%w: input %dx%dx%d must be positive", ErrGeometry, p.C, p.H, p.W)
	case p.K <= 0 || p.Stride <= 0:
		return fmt.Errorf("%w: window %d and stride %d must be positive", ErrGeometry, p.K, p.Stride)
	case p.Pad < 0 || 2*p.Pad > p.K:
		// Beyond K/2 a window could lie wholly in the padding and have no maximum.
		return fmt.Errorf("%w: padding %d must be in [0, %d]", ErrGeometry, p.Pad, p.K/2)
	case p.OutH() <= 0 || p.OutW() <= 0:
		return fmt.Errorf("%w: window %d larger than padded input %dx%d", ErrGeometry, p.K, p.H+2*p.Pad, p.W+2*p.Pad)
	case !fits(p.C, p.H, p.W):
		return fmt.Errorf("%w: tensors too large", ErrGeometry)
	}
	return nil
}

// mustValidate panics with err's message: the kernels have no error results, and a
// bad geometry reaching them is a programming error that callers catch with Validate.
func mustValidate(err error) {
	if err != nil {
		panic(err.Error())
	}
}

// mustLen panics unless s holds at least n elements.
func mustLen(name string, s []float32, n int) {
	if len(s) < n {
		panic(fmt.Sprintf("kernels: %s has %d elements, need %d", name, len(s), n))
	}
}
