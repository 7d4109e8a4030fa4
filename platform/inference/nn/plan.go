package nn

import (
	"errors"
	"fmt"
)

// step is the resolved shape of one layer.
type step struct {
	in, out Shape
}

// flow is what passes between two layers while an architecture is checked.
type flow struct {
	Shape
	// flat: a layer has laid the data out as [N, features], so no layer
	// that needs a feature map may follow.
	flat bool
}

// featureMap is the check of a layer that works on [N,C,H,W] maps.
func (f flow) featureMap() error {
	if f.flat {
		return errors.New("needs a feature map, but the data was already flattened")
	}
	return nil
}

// planLayers makes each layer of the description, checks it against what it
// receives and returns the layers and the shapes each produces.
func planLayers(input Shape, specs []LayerSpec) ([]Layer, []step, error) {
	if input.Channels < 1 || input.Height < 1 || input.Width < 1 ||
		input.Channels > maxChannels || input.Height > maxSide || input.Width > maxSide {
		return nil, nil, fmt.Errorf("%w: input shape %v out of range", ErrArch, input)
	}
	if len(specs) == 0 {
		return nil, nil, fmt.Errorf("%w: no layers", ErrArch)
	}
	if len(specs) > maxLayers {
		return nil, nil, fmt.Errorf("%w: %d layers, at most %d", ErrArch, len(specs), maxLayers)
	}
	layers := make([]Layer, len(specs))
	plan := make([]step, len(specs))
	in := flow{Shape: input}
	var prev Layer
	params := 0
	for i, s := range specs {
		l, err := newLayer(s)
		if err != nil {
			return nil, nil, layerErr(i, s, "%v", err)
		}
		out, err := l.output(in, prev)
		if err != nil {
			return nil, nil, layerErr(i, s, "%v", err)
		}
		if int64(out.Channels)*int64(out.Height)*int64(out.Width) > maxActsPerImage {
			return nil, nil, layerErr(i, s, "output %v is too large", out.Shape)
		}
		for _, p := range l.params(in.Shape) {
			params += p.Len()
			if params > maxParams {
				return nil, nil, layerErr(i, s, "more than %d parameters in total", maxParams)
			}
		}
		layers[i], plan[i] = l, step{in: in.Shape, out: out.Shape}
		in, prev = out, l
	}
	if _, ok := prev.(scorer); !ok {
		return nil, nil, layerErr(len(specs)-1, specs[len(specs)-1], "the last layer must be dense (it produces the class scores)")
	}
	return layers, plan, nil
}

// window checks a conv or pool window's kernel, stride and padding.
func window(l LayerSpec, s Shape, maxPad int) error {
	if l.Kernel < 1 || l.Kernel > maxKernel {
		return fmt.Errorf("kernel = %d, want 1..%d", l.Kernel, maxKernel)
	}
	if l.Stride < 1 || l.Stride > l.Kernel+maxKernel {
		return fmt.Errorf("stride = %d, want 1..%d", l.Stride, l.Kernel+maxKernel)
	}
	if l.Pad < 0 || l.Pad > maxPad {
		return fmt.Errorf("pad = %d, want 0..%d", l.Pad, maxPad)
	}
	if s.Height+2*l.Pad < l.Kernel || s.Width+2*l.Pad < l.Kernel {
		return fmt.Errorf("kernel %d does not fit the %v input", l.Kernel, s)
	}
	return nil
}

// windowOutput is the shape a conv or pool window slid over s produces.
func windowOutput(l LayerSpec, channels int, s Shape) Shape {
	side := func(in int) int { return (in+2*l.Pad-l.Kernel)/l.Stride + 1 }
	return Shape{channels, side(s.Height), side(s.Width)}
}

// outCount checks a conv's or dense layer's number of outputs.
func outCount(n int) error {
	if n < 1 || n > maxChannels {
		return fmt.Errorf("out = %d, want 1..%d", n, maxChannels)
	}
	return nil
}
