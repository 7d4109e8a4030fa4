package imageio

import (
	"context"
	"errors"
	"fmt"
	"image"
)

// ErrBadArgument reports a caller mistake (size, buffer length, std), not bad image data.
var ErrBadArgument = errors.New("imageio: bad argument")

// Transform is the geometric part of training augmentation, applied inside
// the resize so no intermediate image is allocated.
type Transform struct {
	// Crop selects a region in img.Bounds() coordinates; it is clipped to the
	// bounds, and an empty result means the whole image.
	Crop image.Rectangle
	// FlipH mirrors the result left to right.
	FlipH bool
}

// ToTensor resizes img to width x height and writes it to dst as CHW
// float32 RGB normalised as (v/255 - mean)/std. dst must hold
// 3*width*height values. Alpha is dropped by compositing over black; grey
// and palette images are expanded to RGB.
//
// The resize is plain, not letterboxed: the whole photo is stretched to the
// input. Training, evaluation and every serving path share this one resize,
// so a model sees at serving the geometry it learned; a letterbox would
// spend input pixels on padding, and a model whose input has the aspect of
// its photos (128x64 for crops of a swimming fish) is barely stretched.
func ToTensor(img image.Image, width, height int, mean, std [3]float32, dst []float32) error {
	mul, add, err := normalisation(mean, std)
	if err != nil {
		return err
	}
	return resize(img, width, height, Transform{}, mul, add, dst)
}

// Resize writes the Transform'ed img, resized to width x height, to dst as
// CHW float32 RGB in [0,1], for augmentation steps that work on
// unnormalised values. Resize followed by Normalize matches ToTensor up to
// float rounding.
func Resize(img image.Image, width, height int, t Transform, dst []float32) error {
	return resize(img, width, height, t, [3]float32{1. / 255, 1. / 255, 1. / 255}, [3]float32{}, dst)
}

// Normalize maps CHW [0,1] values in place to (v - mean)/std per channel.
func Normalize(t []float32, mean, std [3]float32) error {
	if len(t)%3 != 0 {
		return fmt.Errorf("%w: tensor length %d is not 3 planes", ErrBadArgument, len(t))
	}
	if err := checkStd(std); err != nil {
		return err
	}
	plane := len(t) / 3
	for c := range 3 {
		inv, m := 1/std[c], mean[c]
		p := t[c*plane : (c+1)*plane]
		for i, v := range p {
			p[i] = (v - m) * inv
		}
	}
	return nil
}

// Preprocess decodes data and writes its normalised width x height tensor
// (the resize of ToTensor) to dst: the whole serving path in one call.
func Preprocess(data []byte, width, height int, mean, std [3]float32, lim Limits, dst []float32) (Info, error) {
	return PreprocessContext(context.Background(), data, width, height, mean, std, lim, dst)
}

// PreprocessContext is Preprocess that stops waiting for the decode budget
// when ctx ends. The decode is admitted with the memory Estimate gives
// (ErrTooLarge at once when it alone exceeds the budget, ErrBusy when no
// room came within lim.Wait). A non-interlaced PNG is streamed row by row
// into the resize, so only its rows are ever in memory.
func PreprocessContext(ctx context.Context, data []byte, width, height int, mean, std [3]float32, lim Limits, dst []float32) (Info, error) {
	if err := checkArgs(width, height, dst); err != nil {
		return Info{}, err
	}
	mul, add, err := normalisation(mean, std)
	if err != nil {
		return Info{}, err
	}
	info, c, err := probe(data, lim)
	if err != nil {
		return Info{}, err
	}
	side := coverSide(width, height)
	cost := estimate(data, info, side)
	release, err := lim.budget().admit(ctx, cost, lim.wait())
	if err != nil {
		return Info{}, err
	}
	defer release()
	if cost.Streamed {
		return info, streamPNG(data, width, height, mul, add, dst)
	}
	img, info, err := decode(data, info, c, lim, cost.scaledFor(side))
	if err != nil {
		return Info{}, err
	}
	return info, resize(img, width, height, Transform{}, mul, add, dst)
}

// coverSide is the square a reduced JPEG decode must cover for a width x
// height input. The scale is chosen before the EXIF orientation turns the
// photo, which may swap its axes, so both axes cover the longer side.
func coverSide(width, height int) int { return max(width, height) }

// streamPNG decodes a non-interlaced PNG straight into the resize.
func streamPNG(data []byte, width, height int, mul, add [3]float32, dst []float32) error {
	return guard(FormatPNG, func() error {
		p, err := newPNGStream(data)
		if err != nil {
			return err
		}
		defer p.zr.Close()
		if err := resampleRows(image.Rect(0, 0, p.w, p.h), width, height, false, mul, add, dst, func(_ int, line []float32) error {
			return p.next(line)
		}); err != nil {
			return err
		}
		return p.finish()
	})
}

func resize(img image.Image, width, height int, t Transform, mul, add [3]float32, dst []float32) error {
	if err := checkArgs(width, height, dst); err != nil {
		return err
	}
	if img == nil || img.Bounds().Empty() {
		return fmt.Errorf("%w: empty image", ErrBadArgument)
	}
	crop := t.Crop.Intersect(img.Bounds())
	if crop.Empty() {
		crop = img.Bounds()
	}
	resample(img, crop, width, height, t.FlipH, mul, add, dst)
	return nil
}

func checkArgs(width, height int, dst []float32) error {
	if width < 1 || width > 4096 || height < 1 || height > 4096 {
		return fmt.Errorf("%w: size %dx%d outside 1..4096", ErrBadArgument, width, height)
	}
	if len(dst) < 3*width*height {
		return fmt.Errorf("%w: dst holds %d values, need %d", ErrBadArgument, len(dst), 3*width*height)
	}
	return nil
}

func checkStd(std [3]float32) error {
	for _, s := range std {
		if !(s > 0) {
			return fmt.Errorf("%w: std %v must be positive", ErrBadArgument, std)
		}
	}
	return nil
}

// normalisation folds /255, -mean and /std into one multiply-add per value.
func normalisation(mean, std [3]float32) (mul, add [3]float32, err error) {
	if err := checkStd(std); err != nil {
		return mul, add, err
	}
	for c := range 3 {
		mul[c] = 1 / (255 * std[c])
		add[c] = -mean[c] / std[c]
	}
	return mul, add, nil
}
