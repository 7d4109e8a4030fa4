package nn

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// Shape is the size of one image or feature map (batch excluded).
type Shape struct {
	Channels int `json:"channels"`
	Height   int `json:"height"`
	Width    int `json:"width"`
}

// Len is the number of values in one image of this shape.
func (s Shape) Len() int { return s.Channels * s.Height * s.Width }

// String writes the shape as CxHxW, as error messages show it.
func (s Shape) String() string { return fmt.Sprintf("%dx%dx%d", s.Channels, s.Height, s.Width) }

// Arch is a validated sequential architecture together with the input shape
// it was validated for. Build one with Parse or New; the zero value is not
// usable.
type Arch struct {
	input  Shape
	layers []Layer
	plan   []step // one per layer: shapes in and out
}

// Bounds that keep a hostile or corrupt model file from making us allocate
// without limit: they are far above anything this project trains.
const (
	maxLayers       = 256
	maxSide         = 2048
	maxChannels     = 8192
	maxKernel       = 15
	maxParams       = 1 << 28 // floats in all weights together
	maxActsPerImage = 1 << 26 // floats in one layer's output for one image
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
	ls, plan, err := planLayers(input, layers)
	if err != nil {
		return nil, err
	}
	return &Arch{input: input, layers: ls, plan: plan}, nil
}

// MarshalJSON writes the description Parse reads back (input shape excluded:
// it lives in the model metadata).
func (a *Arch) MarshalJSON() ([]byte, error) {
	return json.Marshal(archJSON{Layers: a.Layers()})
}

// Input is the shape of one input image.
func (a *Arch) Input() Shape { return a.input }

// Layers returns the description of every layer, defaults filled in.
func (a *Arch) Layers() []LayerSpec {
	specs := make([]LayerSpec, len(a.layers))
	for i, l := range a.layers {
		specs[i] = l.Spec()
	}
	return specs
}

// Classes is the width of the network's output (the last dense layer).
func (a *Arch) Classes() int { return a.plan[len(a.plan)-1].out.Channels }

// OutputShape is the shape produced by layer i.
func (a *Arch) OutputShape(i int) Shape { return a.plan[i].out }

// FLOPs is the number of floating-point operations (a multiply-add counts
// two) of one image's forward pass, counting convolutions and dense layers.
func (a *Arch) FLOPs() int64 {
	var n int64
	for i, l := range a.layers {
		n += l.flops(a.plan[i].in, a.plan[i].out)
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
