package inference

import (
	"errors"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference/imageio"
)

// APIError is the one mapping from the engine's and the decoder's failures
// to what a client can act on. REST answers it as is, the Open Inference
// Protocol reshapes it, and a batch item fails with its code and message.
// Errors of other kinds come back unchanged.
func APIError(err error) error {
	switch {
	case errors.Is(err, imageio.ErrUnsupportedFormat):
		return apperr.Wrap(apperr.Unsupported, "unsupported_image", "not an image in a supported format (JPEG, PNG, GIF, BMP, WebP)", err)
	case errors.Is(err, imageio.ErrTooLarge):
		msg := "the image is too large (pixels or bytes)"
		var ie *imageio.Error
		if errors.As(err, &ie) && ie.Detail != "" {
			// The figures (pixels, estimated decode memory, the limit) tell
			// the client how much smaller to send it.
			msg = "the image is too large: " + ie.Detail
		}
		return apperr.Wrap(apperr.TooLarge, "image_too_large", msg, err)
	case errors.Is(err, imageio.ErrBusy):
		e := apperr.Wrap(apperr.Unavailable, "overloaded", "the image decoder is busy with large photos; retry shortly", err)
		e.RetryAfter = 2 * time.Second
		return e
	case errors.Is(err, imageio.ErrCorrupt):
		return apperr.Wrap(apperr.Invalid, "corrupt_image", "the image is truncated or corrupt", err)
	case errors.Is(err, ErrInput):
		return apperr.Wrap(apperr.Invalid, "bad_tensor", err.Error(), err)
	case errors.Is(err, ErrOverloaded), errors.Is(err, ErrClosed):
		e := apperr.Wrap(apperr.Unavailable, "overloaded", "the classifier is busy; retry shortly", err)
		e.RetryAfter = time.Second
		return e
	}
	return err
}
