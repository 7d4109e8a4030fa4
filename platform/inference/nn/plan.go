package nn

import (
	"fmt"
	"math"
)

// step is the resolved shape of one layer.
type step struct {
	in, out Shape
}

// planLayers checks every layer against the shape it receives and returns
// the shapes each layer produces.
func planLayers(input Shape, layers []LayerSpec) ([]step, error) {
	if input.Channels < 1 || input.Height < 1 || input.Width < 1 ||
		input.Channels > maxChannels || input.Height > maxSide || input.Width > maxSide {
		return nil, fmt.Errorf("%w: input shape %v out of range", ErrArch, input)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("%w: no layers", ErrArch)
	}
	if len(layers) > maxLayers {
		return nil, fmt.Errorf("%w: %d layers, at most %d", ErrArch, len(layers), maxLayers)
	}
	plan := make([]step, len(layers))
	s := input
	flat := false // true once the data is [N, features]
	params := 0
	for i, l := range layers {
		out, err := layerOutput(i, l, s, flat, layers)
		if err != nil {
			return nil, err
		}
		if int64(out.Channels)*int64(out.Height)*int64(out.Width) > maxActsPerImage {
			return nil, layerErr(i, l, "output %v is too large", out)
		}
		for _, p := range layerParams(i, l, s) {
			params += p.Len()
			if params > maxParams {
				return nil, layerErr(i, l, "more than %d parameters in total", maxParams)
			}
		}
		switch l.Type {
		case Flatten, Dense:
			flat = true
		}
		plan[i] = step{in: s, out: out}
		s = out
	}
	if last := layers[len(layers)-1]; last.Type != Dense {
		return nil, layerErr(len(layers)-1, last, "the last layer must be dense (it produces the class scores)")
	}
	return plan, nil
}

func layerOutput(i int, l LayerSpec, s Shape, flat bool, layers []LayerSpec) (Shape, error) {
	onlyFields := func(allowed ...string) error {
		set := map[string]bool{
			"out": l.Out != 0, "kernel": l.Kernel != 0, "stride": l.Stride != 0, "pad": l.Pad != 0,
			"bias": l.Bias, "eps": l.Eps != 0, "momentum": l.Momentum != 0, "p": l.P != 0,
		}
		for _, a := range allowed {
			delete(set, a)
		}
		for name, on := range set {
			if on {
				return layerErr(i, l, "field %q does not apply to this layer type", name)
			}
		}
		return nil
	}
	spatial := func() error {
		if flat {
			return layerErr(i, l, "needs a feature map, but the data was already flattened")
		}
		return nil
	}
	switch l.Type {
	case Conv:
		if err := onlyFields("out", "kernel", "stride", "pad", "bias"); err != nil {
			return Shape{}, err
		}
		if err := spatial(); err != nil {
			return Shape{}, err
		}
		if err := window(i, l, s, l.Kernel-1); err != nil {
			return Shape{}, err
		}
		if l.Out < 1 || l.Out > maxChannels {
			return Shape{}, layerErr(i, l, "out = %d, want 1..%d", l.Out, maxChannels)
		}
		return Shape{l.Out, convSide(s.Height, l), convSide(s.Width, l)}, nil
	case BatchNorm:
		if err := onlyFields("eps", "momentum"); err != nil {
			return Shape{}, err
		}
		if i == 0 || layers[i-1].Type != Conv {
			return Shape{}, layerErr(i, l, "must directly follow a conv layer (it is folded into it for inference)")
		}
		if !(l.Eps > 0 && l.Eps < 1) || !(l.Momentum > 0 && l.Momentum <= 1) {
			return Shape{}, layerErr(i, l, "eps = %g and momentum = %g, want 0 < eps < 1 and 0 < momentum <= 1", l.Eps, l.Momentum)
		}
		return s, nil
	case ReLU, Flatten:
		if err := onlyFields(); err != nil {
			return Shape{}, err
		}
		if l.Type == Flatten {
			return Shape{s.Len(), 1, 1}, nil
		}
		return s, nil
	case Dropout:
		if err := onlyFields("p"); err != nil {
			return Shape{}, err
		}
		if !(l.P >= 0 && l.P < 1) || math.IsNaN(l.P) {
			return Shape{}, layerErr(i, l, "p = %g, want 0 <= p < 1", l.P)
		}
		return s, nil
	case MaxPool:
		if err := onlyFields("kernel", "stride", "pad"); err != nil {
			return Shape{}, err
		}
		if err := spatial(); err != nil {
			return Shape{}, err
		}
		// A window made only of padding would have no maximum.
		if err := window(i, l, s, l.Kernel/2); err != nil {
			return Shape{}, err
		}
		return Shape{s.Channels, convSide(s.Height, l), convSide(s.Width, l)}, nil
	case GlobalAvgPool:
		if err := onlyFields(); err != nil {
			return Shape{}, err
		}
		if err := spatial(); err != nil {
			return Shape{}, err
		}
		return Shape{s.Channels, 1, 1}, nil
	case Dense:
		if err := onlyFields("out"); err != nil {
			return Shape{}, err
		}
		if !flat && (s.Height != 1 || s.Width != 1) {
			return Shape{}, layerErr(i, l, "needs flat input, got %v: add a flatten or globalavgpool layer before it", s)
		}
		if l.Out < 1 || l.Out > maxChannels {
			return Shape{}, layerErr(i, l, "out = %d, want 1..%d", l.Out, maxChannels)
		}
		return Shape{l.Out, 1, 1}, nil
	default:
		return Shape{}, layerErr(i, l, "unknown layer type %q", string(l.Type))
	}
}

// window checks a conv or pool window's kernel, stride and padding.
func window(i int, l LayerSpec, s Shape, maxPad int) error {
	if l.Kernel < 1 || l.Kernel > maxKernel {
		return layerErr(i, l, "kernel = %d, want 1..%d", l.Kernel, maxKernel)
	}
	if l.Stride < 1 || l.Stride > l.Kernel+maxKernel {
		return layerErr(i, l, "stride = %d, want 1..%d", l.Stride, l.Kernel+maxKernel)
	}
	if l.Pad < 0 || l.Pad > maxPad {
		return layerErr(i, l, "pad = %d, want 0..%d", l.Pad, maxPad)
	}
	if s.Height+2*l.Pad < l.Kernel || s.Width+2*l.Pad < l.Kernel {
		return layerErr(i, l, "kernel %d does not fit the %v input", l.Kernel, s)
	}
	return nil
}

func convSide(in int, l LayerSpec) int { return (in+2*l.Pad-l.Kernel)/l.Stride + 1 }
