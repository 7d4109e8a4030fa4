package nn

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"

	G "gorgonia.org/gorgonia"
)

// LayerType names a kind of layer in an architecture description. Each kind
// declares its constant in its own file, layer_<kind>.go.
type LayerType string

// LayerSpec describes one step of a sequential architecture, as the model
// file stores it. Only the fields that its Type uses may be set; zero values
// take the defaults noted below.
type LayerSpec struct {
	Type LayerType `json:"type"`
	// Out is the number of output channels (conv) or features (dense).
	Out int `json:"out,omitempty"`
	// Kernel is the window side for conv and maxpool.
	Kernel int `json:"kernel,omitempty"`
	// Stride defaults to 1 for conv and to Kernel for maxpool.
	Stride int `json:"stride,omitempty"`
	// Pad is the zero (conv) or ignored (maxpool) border on each side.
	Pad int `json:"pad,omitempty"`
	// Bias adds a per-channel bias to a conv (dense layers always have one).
	Bias bool `json:"bias,omitempty"`
	// Eps is batchnorm's variance epsilon (default 1e-5).
	Eps float64 `json:"eps,omitempty"`
	// Momentum is batchnorm's running-statistics momentum, PyTorch's
	// convention: running = (1-momentum)*running + momentum*batch (default 0.1).
	Momentum float64 `json:"momentum,omitempty"`
	// P is dropout's drop probability, in [0, 1).
	P float64 `json:"p,omitempty"`
}

// Layer is one layer of an architecture: a kind (conv, relu, ...) with its
// options. Each kind is a type in its own file, layer_<kind>.go, registered
// under its LayerType; the rest of the package reaches a kind only through
// these methods and the optional interfaces of fusion.go, so it never asks
// which kind a layer is. Only this package implements Layer.
type Layer interface {
	// Spec is the layer's description, defaults filled in: what
	// Arch.MarshalJSON writes and Parse reads back.
	Spec() LayerSpec
	// output checks the layer against the data it receives from prev (nil
	// for the first layer) and returns what it hands on. The error's text
	// becomes a LayerError's Reason.
	output(in flow, prev Layer) (flow, error)
	// params lists the tensors the layer owns when it receives in, in the
	// order model files store them; Params fills in Name and Layer.
	params(in Shape) []Param
	// initParam writes the fresh value of p, one of the layer's params,
	// into data (zeros on entry); next are the layers after it.
	initParam(p Param, data []float32, rng *rand.Rand, next []Layer)
	// flops counts one image's floating-point operations through the layer,
	// a multiply-add counting two.
	flops(in, out Shape) int64
	// build adds the op of unit u, which is this layer and the layers its
	// op takes over, to a training or an inference graph (g.train), reading
	// x, and returns the op's output.
	build(g *netGraph, u unit, x *G.Node) (*G.Node, error)
	// inferenceWeights puts into dst the tensors the inference graph binds
	// for unit u, computed from the architecture's tensors src: the layer's
	// own, with those of the layers it takes over folded in (a batchnorm
	// into the conv before it). It must not alias src.
	inferenceWeights(u unit, src, dst weightSet)
}

// A scorer can end a network: its output is the [N, classes] scores that
// the softmax and the loss read.
type scorer interface {
	Layer
	scores()
}

// layerKind is how an architecture description's "type" becomes a Layer.
type layerKind struct {
	// options are the LayerSpec fields, by JSON name, that the kind reads.
	options []string
	// create fills in the kind's defaults.
	create func(LayerSpec) Layer
}

// kinds holds every registered layer kind. Each layer_<kind>.go file
// registers its own from an init function, so that adding a kind takes one
// new file and no edit elsewhere.
var kinds = map[LayerType]layerKind{}

// register makes a layer kind known to Parse and New. options are the
// LayerSpec fields, by JSON name, that the kind takes; a description that
// sets any other is rejected.
func register(t LayerType, create func(LayerSpec) Layer, options ...string) {
	if _, dup := kinds[t]; dup {
		panic(fmt.Sprintf("nn: layer type %q registered twice", t))
	}
	kinds[t] = layerKind{options: options, create: create}
}

// newLayer turns a description into a Layer, defaults filled in.
func newLayer(s LayerSpec) (Layer, error) {
	k, ok := kinds[s.Type]
	if !ok {
		return nil, fmt.Errorf("unknown layer type %q", string(s.Type))
	}
	l := k.create(s)
	for _, name := range setOptions(l.Spec()) {
		if !slices.Contains(k.options, name) {
			return nil, fmt.Errorf("field %q does not apply to this layer type", name)
		}
	}
	return l, nil
}

// setOptions lists the JSON names of the options s sets, in field order.
// It reads the struct tags so that a new LayerSpec field needs no list kept
// beside it.
func setOptions(s LayerSpec) []string {
	v := reflect.ValueOf(s)
	var names []string
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		f := v.Field(i)
		// Equal compares with ==, so -0 is unset like 0 (IsZero would
		// call it set) and NaN is set.
		if name != "type" && !f.Equal(reflect.Zero(f.Type())) {
			names = append(names, name)
		}
	}
	return names
}

// paramless supplies the methods of a layer that owns no tensors and whose
// cost FLOPs does not count.
type paramless struct{}

func (paramless) params(Shape) []Param                            { return nil }
func (paramless) initParam(Param, []float32, *rand.Rand, []Layer) {}
func (paramless) flops(Shape, Shape) int64                        { return 0 }
func (paramless) inferenceWeights(unit, weightSet, weightSet)     {}
