package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"time"

	"golang.org/x/image/bmp"
	"golang.org/x/image/webp"
)

// Format names reported in Info.Format.
const (
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
	FormatGIF  = "gif"
	FormatBMP  = "bmp"
	FormatWebP = "webp"
)

// Limits bounds the resources one image may claim.
type Limits struct {
	// MaxPixels caps width*height as declared in the header; <= 0 means unlimited.
	MaxPixels int64
	// MaxBytes caps the encoded size; <= 0 means unlimited (the HTTP layer
	// usually enforces its own body limit).
	MaxBytes int64
	// Budget admits every decode against memory and CPU; nil means the
	// process-wide SharedBudget.
	Budget *Budget
	// Wait is how long a decode waits for room in the budget before
	// ErrBusy: 0 means DefaultAdmitWait, negative waits as long as the
	// context allows (training, where the next image can wait).
	Wait time.Duration
}

func (l Limits) budget() *Budget {
	if l.Budget == nil {
		return shared
	}
	return l.Budget
}

func (l Limits) wait() time.Duration {
	if l.Wait == 0 {
		return DefaultAdmitWait
	}
	return l.Wait
}

// DefaultLimits allows up to 40 megapixels and leaves the byte size to the caller.
func DefaultLimits() Limits {
	return Limits{MaxPixels: 40_000_000}
}

// Info describes an image as it will be displayed: Width and Height are after
// the EXIF orientation has been applied.
type Info struct {
	Format      string `json:"format"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Orientation int    `json:"orientation"` // EXIF orientation 1-8; 1 when absent
}

type codec struct {
	name   string
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = [...]codec{
	{FormatJPEG, jpeg.DecodeConfig, jpeg.Decode},
	{FormatPNG, png.DecodeConfig, png.Decode},
	{FormatGIF, gif.DecodeConfig, gif.Decode},
	{FormatBMP, bmp.DecodeConfig, bmp.Decode},
	{FormatWebP, webp.DecodeConfig, webp.Decode},
}

// sniff picks the codec from magic bytes; the file name is never trusted.
func sniff(data []byte) (*codec, bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return &codecs[0], true
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return &codecs[1], true
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return &codecs[2], true
	case bytes.HasPrefix(data, []byte("BM")):
		return &codecs[3], true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return &codecs[4], true
	}
	return nil, false
}

// Probe validates the header of an image and reports its format and upright
// size without decoding pixels. It applies the same checks as Decode.
func Probe(data []byte, lim Limits) (Info, error) {
	info, _, err := probe(data, lim)
	return info, err
}

func probe(data []byte, lim Limits) (Info, *codec, error) {
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		return Info{}, nil, newError(ErrTooLarge, "", fmt.Sprintf("%d bytes exceeds the limit of %d", len(data), lim.MaxBytes), nil)
	}
	c, ok := sniff(data)
	if !ok {
		return Info{}, nil, newError(ErrUnsupportedFormat, "", "unrecognised magic bytes", nil)
	}
	var cfg image.Config
	err := guard(c.name, func() error {
		var err error
		cfg, err = c.config(bytes.NewReader(data))
		return err
	})
	if err != nil {
		return Info{}, nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Info{}, nil, newError(ErrCorrupt, c.name, fmt.Sprintf("empty dimensions %dx%d", cfg.Width, cfg.Height), nil)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); lim.MaxPixels > 0 && px > lim.MaxPixels {
		return Info{}, nil, newError(ErrTooLarge, c.name, fmt.Sprintf("%dx%d is %d pixels, limit %d", cfg.Width, cfg.Height, px, lim.MaxPixels), nil)
	}
	if c.name == FormatBMP {
		if err := checkBMPLength(data, cfg); err != nil {
			return Info{}, nil, err
		}
	}
	info := Info{Format: c.name, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	if c.name == FormatJPEG {
		info.Orientation = jpegOrientation(data)
		if info.Orientation >= 5 {
			info.Width, info.Height = info.Height, info.Width
		}
	}
	return info, c, nil
}

// guard runs one decoder call, turning its errors and, as a last line of
// defence, its panics into typed errors.
func guard(format string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newError(ErrCorrupt, format, fmt.Sprintf("decoder panic: %v", r), nil)
		}
	}()
	if err = fn(); err == nil {
		return nil
	}
	if e, ok := err.(*Error); ok {
		return e
	}
	var jpegUnsupported jpeg.UnsupportedError
	var pngUnsupported png.UnsupportedError
	if errors.As(err, &jpegUnsupported) || errors.As(err, &pngUnsupported) || errors.Is(err, bmp.ErrUnsupported) {
		return newError(ErrUnsupportedFormat, format, "unsupported variant", err)
	}
	return newError(ErrCorrupt, format, "", err)
}

// checkBMPLength rejects an uncompressed BMP whose pixel array is shorter than
// its header promises, so a tiny file cannot make the decoder allocate a
// large image before failing.
func checkBMPLength(data []byte, cfg image.Config) error {
	if len(data) < 30 {
		return newError(ErrCorrupt, FormatBMP, "short header", nil)
	}
	offset := int64(binary.LittleEndian.Uint32(data[10:14]))
	bpp := int64(binary.LittleEndian.Uint16(data[28:30]))
	rowBytes := (int64(cfg.Width)*bpp + 31) / 32 * 4
	if need := offset + rowBytes*int64(cfg.Height); int64(len(data)) < need {
		return newError(ErrCorrupt, FormatBMP, fmt.Sprintf("pixel data needs %d bytes, file has %d", need, len(data)), io.ErrUnexpectedEOF)
	}
	return nil
}
