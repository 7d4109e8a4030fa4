package nn

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// Parameter kinds, the last part of a parameter name. They follow PyTorch's
// state_dict names; for batchnorm, weight and bias are gamma and beta.
const (
	KindWeight      = "weight"
	KindBias        = "bias"
	KindRunningMean = "running_mean"
	KindRunningVar  = "running_var"
)

// Param describes one tensor an architecture needs, named
// "layers.<index>.<kind>" after the layer that owns it, e.g. "layers.0.weight"
// (a conv's OIHW kernel) or "layers.1.running_var" (a batchnorm statistic).
type Param struct {
	Name  string
	Layer int
	Kind  string
	Shape []int
	// Trainable is false for batchnorm running statistics, which training
	// updates by averaging instead of by gradient.
	Trainable bool
	// decay: AdamW's weight decay applies (conv and dense weights, not
	// batchnorm's gamma nor any bias).
	decay bool
}

// Len is the number of values in the tensor.
func (p Param) Len() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// ParamName is the name of layer i's parameter of the given kind.
func ParamName(layer int, kind string) string {
	return "layers." + strconv.Itoa(layer) + "." + kind
}

// Params lists every tensor the architecture needs, in layer order.
func (a *Arch) Params() []Param {
	var ps []Param
	for i, l := range a.layers {
		for _, p := range l.params(a.plan[i].in) {
			p.Name, p.Layer = ParamName(i, p.Kind), i
			ps = append(ps, p)
		}
	}
	return ps
}

// weightSet is the architecture's parameters looked up by name.
type weightSet map[string][]float32

// matchTensors checks that tensors hold exactly the architecture's
// parameters, with the right shapes and finite values, and indexes them by
// name. The data is not copied.
func (a *Arch) matchTensors(tensors []modelfile.Tensor) (weightSet, error) {
	want := a.Params()
	byName := make(map[string]Param, len(want))
	for _, p := range want {
		byName[p.Name] = p
	}
	ws := make(weightSet, len(want))
	for _, t := range tensors {
		p, ok := byName[t.Name]
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: unexpected tensor %q", ErrTensors, t.Name)
		case ws[t.Name] != nil:
			return nil, fmt.Errorf("%w: tensor %q appears twice", ErrTensors, t.Name)
		case !slices.Equal(t.Shape, p.Shape):
			return nil, fmt.Errorf("%w: tensor %q has shape %v, layer %d (%s) needs %v",
				ErrTensors, t.Name, t.Shape, p.Layer, a.layers[p.Layer].Spec().Type, p.Shape)
		case len(t.Data) != p.Len():
			return nil, fmt.Errorf("%w: tensor %q has %d values for shape %v", ErrTensors, t.Name, len(t.Data), t.Shape)
		}
		for _, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%w: tensor %q holds %v", ErrTensors, t.Name, v)
			}
		}
		if p.Kind == KindRunningVar && slices.ContainsFunc(t.Data, func(v float32) bool { return v < 0 }) {
			return nil, fmt.Errorf("%w: tensor %q holds a negative variance", ErrTensors, t.Name)
		}
		ws[t.Name] = t.Data
	}
	for _, p := range want {
		if ws[p.Name] == nil {
			return nil, fmt.Errorf("%w: missing tensor %q %v for layer %d (%s)",
				ErrTensors, p.Name, p.Shape, p.Layer, a.layers[p.Layer].Spec().Type)
		}
	}
	return ws, nil
}

// trainableNames lists the parameters that gradients update, in Params order.
func (a *Arch) trainableNames() []string {
	var names []string
	for _, p := range a.Params() {
		if p.Trainable {
			names = append(names, p.Name)
		}
	}
	return names
}

// copyParams copies the tensors of the given kinds of the layer at index at
// from src to dst, skipping those src lacks (a conv without bias).
func copyParams(dst, src weightSet, at int, kinds ...string) {
	for _, kind := range kinds {
		name := ParamName(at, kind)
		if d := src[name]; d != nil {
			dst[name] = append([]float32(nil), d...)
		}
	}
}
