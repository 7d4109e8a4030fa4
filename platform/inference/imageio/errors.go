package imageio

import "errors"

// Kinds of decoding failure. Callers test them with errors.Is; the API maps
// them to 415, 413 and 422 respectively.
var (
	// ErrUnsupportedFormat reports bytes that are not a JPEG, PNG, GIF, BMP or WebP image.
	ErrUnsupportedFormat = errors.New("unsupported image format")
	// ErrTooLarge reports an image whose bytes or declared pixel count exceed the Limits.
	ErrTooLarge = errors.New("image too large")
	// ErrCorrupt reports truncated, malformed or otherwise undecodable image data.
	ErrCorrupt = errors.New("corrupt image")
)

// Error carries the kind of a decoding failure and the detail behind it.
// errors.Is(err, ErrCorrupt) is true for an *Error of kind ErrCorrupt, and
// errors.Is also reaches the underlying cause when there is one.
type Error struct {
	Kind   error  // one of ErrUnsupportedFormat, ErrTooLarge, ErrCorrupt
	Format string // sniffed format, empty when unknown
	Detail string // human-readable explanation
	Err    error  // underlying decoder error, may be nil
}

// Error implements the error interface.
func (e *Error) Error() string {
	msg := e.Kind.Error()
	if e.Format != "" {
		msg = e.Format + ": " + msg
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func newError(kind error, format, detail string, cause error) *Error {
	return &Error{Kind: kind, Format: format, Detail: detail, Err: cause}
}
