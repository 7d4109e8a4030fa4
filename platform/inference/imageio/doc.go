// Package imageio turns untrusted image bytes into normalised float32 tensors.
//
// It is the single preprocessing path shared by training, evaluation and
// serving, so a model sees exactly the same pixels in every setting:
//
//	info, err := imageio.Preprocess(data, 64, mean, std, imageio.DefaultLimits(), dst)
//
// Decoding is defensive. The format is sniffed from magic bytes (JPEG, PNG,
// GIF, BMP, WebP), the declared dimensions are checked against Limits before
// any pixel memory is allocated, and every failure is one of three kinds that
// callers test with errors.Is: ErrUnsupportedFormat, ErrTooLarge and
// ErrCorrupt. JPEG EXIF orientation is applied, so Info and the decoded image
// are always upright.
//
// A small file can decode to a huge image, so every decode is first costed
// from its header (Estimate: bit depth, subsampling, progressive JPEG,
// interlaced PNG) and admitted against a process-wide Budget of memory and
// heavy-decode slots: ErrTooLarge when the estimate alone exceeds it,
// ErrBusy when no room comes in time. Preprocess streams non-interlaced
// PNGs row by row into the resize, with the pixels png.Decode would give.
//
// Tensors are CHW float32 in RGB order. Alpha is dropped by compositing over
// black (premultiplied colour), grey and palette images are expanded to RGB.
// Resizing is separable: area averaging on an axis that shrinks, bilinear
// interpolation with half-pixel centres on an axis that grows.
//
// Training augmentation needs the resize step to crop and flip, and colour
// jitter needs the unnormalised [0,1] values: Resize with a Transform followed
// by Normalize is the documented equivalent of ToTensor with augmentation.
package imageio
