package jpegscale

import (
	"errors"
	"fmt"
)

// Kinds of failure, tested with errors.Is. They mirror imageio's kinds so the
// caller can map them one to one.
var (
	// ErrUnsupported reports a valid JPEG this decoder does not handle:
	// arithmetic coding, lossless or hierarchical frames, 12-bit samples,
	// YCCK colour, or sampling factors that do not divide the largest.
	ErrUnsupported = errors.New("jpegscale: unsupported JPEG")
	// ErrCorrupt reports truncated or malformed data.
	ErrCorrupt = errors.New("jpegscale: corrupt JPEG")
	// ErrTooLarge reports declared dimensions above MaxPixels.
	ErrTooLarge = errors.New("jpegscale: image too large")
)

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)
}
