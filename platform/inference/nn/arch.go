package nn

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// LayerType names a kind of layer in an architecture description.
type LayerType string

// The layer kinds an architecture may use.
const (
	Conv          LayerType = "conv"          // 2-D convolution, OIHW weights, optional bias
	BatchNorm     LayerType = "batchnorm"     // per-channel batch normalisation; must follow a conv
	ReLU          LayerType = "relu"          // max(x, 0)
	MaxPool       LayerType = "maxpool"       // max over KxK windows
	GlobalAvgPool LayerType = "globalavgpool" // mean over H and W: [N,C,H,W] -> [N,C,1,1]
	Flatten       LayerType = "flatten"       // [N,C,H,W] -> [N,C*H*W]
	Dropout       LayerType = "dropout"       // zeroes activations with probability P while training
	Dense         LayerType = "dense"         // fully connected, [out, in] weights and a bias
)

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

// Shape is the size of one image or feature map (batch excluded).
type Shape struct {
	Channels int `json:"channels"`
	Height   int `json:"height"`
	Width    int `json:"width"`
}

// Len is the number of values in one image of this shape.
func (s Shape) Len() int { return s.Channels * s.Height * s.Width }

func (s Shape) String() string { return fmt.Sprintf("%dx%dx%d", s.Channels, s.Height, s.Width) }

// Arch is a validated sequential architecture together with the input shape
// it was validated for. Build one with Parse or New; the zero value is not
// usable.
type Arch struct {
	input  Shape
	layers []LayerSpec
	plan   []step // one per layer: shapes in and out
}

// Bounds that keep a hostile or corrupt model file from making us allocate
// without limit: they are far above anything this project trains.
const (
	maxLayers         = 256
	maxSide           = 2048
	maxChannels       = 8192
	maxKernel         = 15
	maxParams         = 1 << 28 // floats in all weights together
	maxActsPerImage   = 1 << 26 // floats in one layer's output for one image
	defaultBNEps      = 1e-5
	defaultBNMomentum = 0.1
)

type archJSON struct {
	Layers []LayerSpec `json:"layers"`
}

// Parse reads an architecture description, {"layers": [...]}, as stored in
// a model file's metadata, and validates it for the given input shape (which
// comes from the model's metadata). Unknown fields are rejected so that a
// misspelt option fails loudly instead of being ignored.
func Parse(raw []byte, input Shape) (*Arch, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var a archJSON
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrArch, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the description", ErrArch)
	}
	return New(input, a.Layers)
}

// New validates layers for the input shape and returns the architecture.
// Defaults are filled in, so Layers and MarshalJSON show every value used.
func New(input Shape, layers []LayerSpec) (*Arch, error) {
	a := &Arch{input: input, layers: append([]LayerSpec(nil), layers...)}
	for i := range a.layers {
		applyDefaults(&a.layers[i])
	}
	plan, err := planLayers(input, a.layers)
	if err != nil {
		return nil, err
	}
	a.plan = plan
	return a, nil
}

func applyDefaults(l *LayerSpec) {
	switch l.Type {
	case Conv:
		if l.Stride == 0 {
			l.Stride = 1
		}
	case MaxPool:
		if l.Stride == 0 {
			l.Stride = l.Kernel
		}
	case BatchNorm:
		if l.Eps == 0 {
			l.Eps = defaultBNEps
		}
		if l.Momentum == 0 {
			l.Momentum = defaultBNMomentum
		}
	}
}

// MarshalJSON writes the description Parse reads back (input shape excluded:
// it lives in the model metadata).
func (a *Arch) MarshalJSON() ([]byte, error) {
	return json.Marshal(archJSON{Layers: a.layers})
}

// Input is the shape of one input image.
func (a *Arch) Input() Shape { return a.input }

// Layers returns a copy of the layer list, defaults filled in.
func (a *Arch) Layers() []LayerSpec { return append([]LayerSpec(nil), a.layers...) }

// Classes is the width of the network's output (the last dense layer).
func (a *Arch) Classes() int { return a.plan[len(a.plan)-1].out.Channels }

// OutputShape is the shape produced by layer i.
func (a *Arch) OutputShape(i int) Shape { return a.plan[i].out }

// FLOPs is the number of floating-point operations (a multiply-add counts
// two) of one image's forward pass, counting convolutions and dense layers.
func (a *Arch) FLOPs() int64 {
	var n int64
	for i, l := range a.layers {
		s := a.plan[i]
		switch l.Type {
		case Conv:
			n += 2 * int64(s.out.Len()) * int64(s.in.Channels*l.Kernel*l.Kernel)
		case Dense:
			n += 2 * int64(s.out.Channels) * int64(s.in.Len())
		}
	}
	return n
}

// FromModel parses the architecture stored in a model's metadata, for the
// input shape the metadata declares, and checks that it predicts one score
// per label.
func FromModel(m *modelfile.Model) (*Arch, error) {
	in := m.Meta.Input
	a, err := Parse(m.Meta.Architecture, Shape{Channels: in.Channels, Height: in.Height, Width: in.Width})
	if err != nil {
		return nil, err
	}
	if a.Classes() != len(m.Meta.Labels) {
		return nil, fmt.Errorf("%w: the network has %d outputs for %d labels", ErrArch, a.Classes(), len(m.Meta.Labels))
	}
	return a, nil
}
