package modelfile

import (
	"errors"
	"fmt"
)

// Kinds of model file failure, tested with errors.Is.
var (
	// ErrBadMagic reports a file that does not start with "AQUAMODL".
	ErrBadMagic = errors.New("not an AquaML model file")
	// ErrVersion reports a format version this build cannot read.
	ErrVersion = errors.New("unsupported model file version")
	// ErrTruncated reports input that ends before the declared content.
	ErrTruncated = errors.New("model file truncated")
	// ErrChecksum reports content that does not match its SHA-256.
	ErrChecksum = errors.New("model file checksum mismatch")
	// ErrCorrupt reports malformed structure: absurd lengths, bad JSON,
	// malformed or duplicate tensors, trailing bytes.
	ErrCorrupt = errors.New("corrupt model file")
	// ErrShape reports a tensor whose shape does not match its data length.
	ErrShape = errors.New("tensor shape does not match its data")
	// ErrInvalid reports a model whose metadata breaks the rules in Validate.
	ErrInvalid = errors.New("invalid model")
)

// FormatError carries the kind of a failure and where it happened.
type FormatError struct {
	Kind   error  // one of the Err* kinds above
	Detail string // what exactly was wrong
	Err    error  // underlying cause, may be nil
}

// Error implements the error interface.
func (e *FormatError) Error() string {
	msg := "modelfile: " + e.Kind.Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap exposes the kind and the cause to errors.Is and errors.As.
func (e *FormatError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func formatErr(kind error, cause error, format string, args ...any) *FormatError {
	return &FormatError{Kind: kind, Detail: fmt.Sprintf(format, args...), Err: cause}
}
