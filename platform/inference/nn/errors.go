package nn

import (
	"errors"
	"fmt"
)

var (
	// ErrArch reports an architecture description that cannot be built.
	ErrArch = errors.New("nn: invalid architecture")
	// ErrTensors reports weights that do not fit the architecture.
	ErrTensors = errors.New("nn: tensors do not match the architecture")
	// ErrInput reports a batch, label or option that a graph cannot take.
	ErrInput = errors.New("nn: invalid input")
)

// LayerError reports what is wrong with one layer of an architecture.
// It matches ErrArch with errors.Is.
type LayerError struct {
	Index  int
	Type   LayerType
	Reason string
}

func (e *LayerError) Error() string {
	return fmt.Sprintf("nn: layer %d (%s): %s", e.Index, e.Type, e.Reason)
}

// Unwrap lets errors.Is(err, ErrArch) hold.
func (e *LayerError) Unwrap() error { return ErrArch }

func layerErr(i int, l LayerSpec, format string, args ...any) error {
	return &LayerError{Index: i, Type: l.Type, Reason: fmt.Sprintf(format, args...)}
}
