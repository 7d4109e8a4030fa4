package modelfile

import (
	"math"
	"unicode/utf8"
)

// Limits on what a model file may declare; anything beyond is ErrCorrupt.
const (
	MaxMetadataBytes = 16 << 20 // metadata JSON
	MaxWeightsBytes  = 8 << 30  // weights blob
	MaxTensors       = 1 << 16
	MaxNameBytes     = 1024
	MaxRank          = 8
	maxInputSide     = 4096
)

// Validate checks the rules every written and read model obeys: a name,
// positive input dimensions, at least one uniquely named label, positive
// finite Std, a threshold in [0,1], and uniquely named tensors whose shape
// matches their data.
func (m *Model) Validate() error {
	if err := m.Meta.validate(); err != nil {
		return err
	}
	if len(m.Tensors) > MaxTensors {
		return formatErr(ErrInvalid, nil, "%d tensors, limit %d", len(m.Tensors), MaxTensors)
	}
	seen := make(map[string]bool, len(m.Tensors))
	for i := range m.Tensors {
		t := &m.Tensors[i]
		if err := checkName(t.Name); err != nil {
			return formatErr(ErrInvalid, nil, "tensor %d: %s", i, err.Detail)
		}
		if seen[t.Name] {
			return formatErr(ErrInvalid, nil, "duplicate tensor %q", t.Name)
		}
		seen[t.Name] = true
		n, err := elements(t.Shape)
		if err != nil {
			return formatErr(ErrShape, nil, "tensor %q: %s", t.Name, err.Detail)
		}
		if n != uint64(len(t.Data)) {
			return formatErr(ErrShape, nil, "tensor %q: shape %v holds %d values, data has %d", t.Name, t.Shape, n, len(t.Data))
		}
	}
	return nil
}

func (md *Metadata) validate() error {
	if md.Name == "" {
		return formatErr(ErrInvalid, nil, "model name is empty")
	}
	in := md.Input
	if in.Channels <= 0 || in.Height <= 0 || in.Width <= 0 || in.Channels > 64 || in.Height > maxInputSide || in.Width > maxInputSide {
		return formatErr(ErrInvalid, nil, "input %+v out of range", in)
	}
	if len(md.Labels) == 0 {
		return formatErr(ErrInvalid, nil, "no labels")
	}
	labels := make(map[string]bool, len(md.Labels))
	for i, l := range md.Labels {
		if l.Name == "" || labels[l.Name] {
			return formatErr(ErrInvalid, nil, "label %d: empty or duplicate name %q", i, l.Name)
		}
		labels[l.Name] = true
	}
	for c := range 3 {
		if !finite32(md.Mean[c]) || !finite32(md.Std[c]) || md.Std[c] <= 0 {
			return formatErr(ErrInvalid, nil, "normalisation mean %v std %v", md.Mean, md.Std)
		}
	}
	if !(md.UnknownThreshold >= 0 && md.UnknownThreshold <= 1) {
		return formatErr(ErrInvalid, nil, "unknown threshold %v outside [0,1]", md.UnknownThreshold)
	}
	return nil
}

func finite32(v float32) bool {
	return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
}

func checkName(name string) *FormatError {
	if name == "" || len(name) > MaxNameBytes || !utf8.ValidString(name) {
		return formatErr(ErrCorrupt, nil, "name must be 1-%d bytes of UTF-8", MaxNameBytes)
	}
	return nil
}

// elements returns the number of values a shape holds, refusing ranks above
// MaxRank, non-positive dimensions and products that could not fit in memory.
func elements(shape []int) (uint64, *FormatError) {
	if len(shape) > MaxRank {
		return 0, formatErr(ErrCorrupt, nil, "rank %d above %d", len(shape), MaxRank)
	}
	n := uint64(1)
	for _, d := range shape {
		if d <= 0 {
			return 0, formatErr(ErrCorrupt, nil, "dimension %d in shape %v", d, shape)
		}
		if n > MaxWeightsBytes/4/uint64(d) {
			return 0, formatErr(ErrCorrupt, nil, "shape %v exceeds %d bytes", shape, MaxWeightsBytes)
		}
		n *= uint64(d)
	}
	return n, nil
}
