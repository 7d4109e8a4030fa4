package imageio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/aquaml/aquaml/platform/inference/imageio/jpegscale"
)

// Decode validates and decodes an image, returning it upright (EXIF
// orientation applied) with its Info. Header checks run before any pixel
// memory is allocated, so oversized or malformed input costs almost nothing.
// Animated GIFs yield their first frame. The decode is admitted against the
// Limits' Budget first (see DecodeContext). Every error is an *Error whose
// kind is ErrUnsupportedFormat, ErrTooLarge, ErrCorrupt or ErrBusy.
func Decode(data []byte, lim Limits) (image.Image, Info, error) {
	return DecodeContext(context.Background(), data, lim)
}

// DecodeContext is Decode that stops waiting for the budget when ctx ends.
// The claim is given back on return: the caller then owns the image.
func DecodeContext(ctx context.Context, data []byte, lim Limits) (image.Image, Info, error) {
	info, c, err := probe(data, lim)
	if err != nil {
		return nil, Info{}, err
	}
	release, err := lim.budget().admit(ctx, estimate(data, info, 0), lim.wait())
	if err != nil {
		return nil, Info{}, err
	}
	defer release()
	return decode(data, info, c, lim, 0)
}

// DecodeForSize is DecodeContext for an image that will be resampled to
// width x height: a JPEG is decoded in the DCT domain at the smallest scale
// that still covers jpegMargin times the input's longer side, as
// Preprocess does, so training (which crops and flips the decoded image)
// sees the pixels serving sees. Other formats decode in full.
func DecodeForSize(ctx context.Context, data []byte, width, height int, lim Limits) (image.Image, Info, error) {
	size := coverSide(width, height)
	info, c, err := probe(data, lim)
	if err != nil {
		return nil, Info{}, err
	}
	if c.name != FormatJPEG {
		size = 0
	}
	cost := estimate(data, info, size)
	release, err := lim.budget().admit(ctx, cost, lim.wait())
	if err != nil {
		return nil, Info{}, err
	}
	defer release()
	return decode(data, info, c, lim, cost.scaledFor(size))
}

// jpegMargin is how much larger than the model input a scaled JPEG decode
// stays, so the resize still averages several pixels into each input one
// (a 1920x1080 frame for a 64x64 input decodes at 1/8: 240x135).
const jpegMargin = 2

// decodeScaledJPEG decodes at reduced scale; files it does not support
// (not corrupt ones) report ok false and take the standard decoder.
func decodeScaledJPEG(data []byte, size int) (img image.Image, ok bool, err error) {
	// The resize shrinks the output again, so chroma need only cover the
	// input itself.
	img, _, err = jpegscale.DecodeScaledWith(bytes.NewReader(data), jpegMargin*size, jpegMargin*size,
		jpegscale.Options{ChromaW: size, ChromaH: size})
	switch {
	case err == nil:
		return img, true, nil
	case errors.Is(err, jpegscale.ErrUnsupported):
		return nil, false, nil
	case errors.Is(err, jpegscale.ErrTooLarge):
		return nil, true, newError(ErrTooLarge, FormatJPEG, err.Error(), nil)
	}
	return nil, true, newError(ErrCorrupt, FormatJPEG, err.Error(), err)
}

// decode runs the codec once the header is probed and the decode admitted.
// scaledFor > 0 decodes a JPEG at reduced scale for a scaledFor x
// scaledFor input (the estimate decides when: Cost.scaledFor); info keeps
// the photo's dimensions either way.
func decode(data []byte, info Info, c *codec, lim Limits, scaledFor int) (image.Image, Info, error) {
	var img image.Image
	scaled := false
	err := guard(c.name, func() error {
		var err error
		if c.name == FormatJPEG && scaledFor > 0 {
			if img, scaled, err = decodeScaledJPEG(data, scaledFor); scaled || err != nil {
				return err
			}
		}
		img, err = c.decode(bytes.NewReader(data))
		return err
	})
	if err != nil {
		return nil, Info{}, err
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, Info{}, newError(ErrCorrupt, c.name, "decoded image is empty", nil)
	}
	if px := int64(b.Dx()) * int64(b.Dy()); lim.MaxPixels > 0 && px > lim.MaxPixels {
		// The header was checked, but never trust a decoder to honour it.
		return nil, Info{}, newError(ErrTooLarge, c.name, fmt.Sprintf("decoded %dx%d", b.Dx(), b.Dy()), nil)
	}
	if c.name == FormatWebP {
		img = webpToRGB(img)
	}
	if info.Orientation != 1 {
		img = Orient(img, info.Orientation)
	}
	if scaled {
		return img, info, nil // the photo's dimensions, not the reduced decode's
	}
	// A GIF's first frame may be smaller than its logical screen: report
	// what was actually decoded.
	b = img.Bounds()
	info.Width, info.Height = b.Dx(), b.Dy()
	return img, info, nil
}

// Orient returns img transformed as the EXIF orientation o (1-8) prescribes,
// as an opaque *image.RGBA (alpha composited over black). Orientation 1 or an
// invalid value returns img unchanged.
func Orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	rows := newRowReader(img)
	line := make([]uint8, 3*w)
	for sy := range h {
		readRow(rows, b.Min.Y+sy, b.Min.X, b.Max.X, line)
		for sx := range w {
			x, y := orientedPos(o, sx, sy, w, h)
			i := out.PixOffset(x, y)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = line[3*sx], line[3*sx+1], line[3*sx+2], 0xFF
		}
	}
	return out
}

// orientedPos maps stored pixel (sx,sy) of a w x h image to its displayed
// position under EXIF orientation o. The EXIF table says where the stored
// 0th row and 0th column end up; e.g. 6 puts row 0 on the right-hand side.
func orientedPos(o, sx, sy, w, h int) (x, y int) {
	switch o {
	case 2: // mirrored horizontally
		return w - 1 - sx, sy
	case 3: // rotated 180
		return w - 1 - sx, h - 1 - sy
	case 4: // mirrored vertically
		return sx, h - 1 - sy
	case 5: // transposed: row 0 on the left, column 0 on top
		return sy, sx
	case 6: // row 0 on the right, column 0 on top (rotate 90 clockwise)
		return h - 1 - sy, sx
	case 7: // row 0 on the right, column 0 at the bottom
		return h - 1 - sy, w - 1 - sx
	case 8: // row 0 on the left, column 0 at the bottom (rotate 90 counter-clockwise)
		return sy, w - 1 - sx
	}
	return sx, sy
}
