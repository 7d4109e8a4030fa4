package jpegscale

import (
	"image"
	"image/color"
	"io"
)

// MaxPixels bounds the declared width x height accepted before anything is
// allocated. At this bound a progressive image holds at most
// 2 bytes x MaxPixels x (1 + chroma share) of coefficients.
var MaxPixels = 64 << 20

// Marker codes (T.81 Table B.1).
const (
	mSOF0 = 0xC0
	mSOF1 = 0xC1
	mSOF2 = 0xC2
	mDHT  = 0xC4
	mSOI  = 0xD8
	mEOI  = 0xD9
	mSOS  = 0xDA
	mDQT  = 0xDB
	mDNL  = 0xDC
	mDRI  = 0xDD
	mAPP0 = 0xE0
	mAPPE = 0xEE
	mCOM  = 0xFE
)

type component struct {
	id     uint8
	h, v   int // sampling factors
	tq     uint8
	bw, bh int     // blocks per line / rows, padded to whole MCUs
	nx, ny int     // inverse DCT output size at the chosen scale
	used   []uint8 // zig-zag indices inside the nx x ny corner
	// When the image needs more than one pass (progressive or multi-scan
	// sequential) each block keeps the values of the coefficients the
	// output reads (used, in that order) and a bit per zig-zag index saying
	// whether the coefficient is non-zero: refinement scans need that
	// history for all 64, but the values only where they reach the output.
	vals []int16
	mask []uint64
	pos  [64]int8 // index into a block's vals by zig-zag index, -1 if unused
	// Where a sequential block decode puts each zig-zag coefficient: its
	// natural index when streaming, its vals index when storing; 64 (a
	// slot nobody reads) when the output does not need it.
	natIdx, storeIdx [64]uint8
}

// decoder keeps the state shared by the marker parser and the scans.
type decoder struct {
	src         source
	opt         Options
	width       int
	height      int
	progressive bool
	comps       []component
	hmax, vmax  int
	mcusX       int
	mcusY       int
	quant       [4][64]uint16
	haveQuant   [4]bool
	dc, ac      [4]*huffTable
	restartInt  int
	adobe       bool
	adobeXform  uint8
	bits        bitReader
	pendingMark byte // marker already consumed by the entropy decoder
	cur         scan
	stream      bool    // decode straight to pixels, no coefficient store
	planes      []plane // output planes by component
	interleave  func()  // packs separate planes into the output, if needed
}

func (d *decoder) u16() (int, error) {
	var b [2]byte
	if err := d.src.readFull(b[:]); err != nil {
		return 0, err
	}
	return int(b[0])<<8 | int(b[1]), nil
}

// nextMarker returns the next marker code, skipping fill bytes.
func (d *decoder) nextMarker() (byte, error) {
	if m := d.pendingMark; m != 0 {
		d.pendingMark = 0
		return m, nil
	}
	c, err := d.src.readByte()
	if err != nil {
		return 0, corrupt("missing marker: %v", err)
	}
	if c != 0xFF {
		return 0, corrupt("expected marker, found byte %#x", c)
	}
	for c == 0xFF {
		if c, err = d.src.readByte(); err != nil {
			return 0, corrupt("missing marker: %v", err)
		}
	}
	if c == 0 {
		return 0, corrupt("stuffed byte outside scan data")
	}
	return c, nil
}

// segmentLen reads a segment's length field and returns the payload size.
func (d *decoder) segmentLen() (int, error) {
	n, err := d.u16()
	if err != nil {
		return 0, err
	}
	if n < 2 {
		return 0, corrupt("segment length %d", n)
	}
	return n - 2, nil
}

func (d *decoder) readSOI() error {
	var b [2]byte
	if err := d.src.readFull(b[:]); err != nil {
		return err
	}
	if b[0] != 0xFF || b[1] != mSOI {
		return corrupt("missing SOI marker")
	}
	return nil
}

func (d *decoder) readSOF(n int, marker byte) error {
	if d.comps != nil {
		return corrupt("more than one frame header")
	}
	if n < 6 {
		return corrupt("short frame header")
	}
	var b [6]byte
	if err := d.src.readFull(b[:]); err != nil {
		return err
	}
	if b[0] != 8 {
		return unsupported("%d-bit samples", b[0])
	}
	d.height = int(b[1])<<8 | int(b[2])
	d.width = int(b[3])<<8 | int(b[4])
	nc := int(b[5])
	if d.height == 0 {
		return unsupported("height defined by DNL")
	}
	if d.width == 0 {
		return corrupt("zero width")
	}
	if nc != 1 && nc != 3 && nc != 4 {
		return unsupported("%d components", nc)
	}
	if n != 6+3*nc {
		return corrupt("frame header length %d for %d components", n, nc)
	}
	d.progressive = marker == mSOF2
	d.comps = make([]component, nc)
	for i := range d.comps {
		var c [3]byte
		if err := d.src.readFull(c[:]); err != nil {
			return err
		}
		h, v := int(c[1]>>4), int(c[1]&15)
		if h < 1 || h > 4 || v < 1 || v > 4 || c[2] > 3 {
			return corrupt("component %d: sampling %dx%d, table %d", i, h, v, c[2])
		}
		for j := 0; j < i; j++ {
			if d.comps[j].id == c[0] {
				return corrupt("duplicate component id %d", c[0])
			}
		}
		d.comps[i] = component{id: c[0], h: h, v: v, tq: c[2]}
		d.hmax, d.vmax = max(d.hmax, h), max(d.vmax, v)
	}
	if nc == 1 {
		// A single-component scan is never interleaved (A.2.2): its MCU is
		// one block whatever the declared factors.
		d.comps[0].h, d.comps[0].v, d.hmax, d.vmax = 1, 1, 1, 1
	}
	d.mcusX = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcusY = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	for i := range d.comps {
		c := &d.comps[i]
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
	}
	return nil
}

// readHeaders parses markers up to the first SOS (returning true) or, when
// stopAtFrame is set, up to the frame header.
func (d *decoder) readHeaders(stopAtFrame bool) (sos bool, err error) {
	for {
		m, err := d.nextMarker()
		if err != nil {
			return false, err
		}
		if m == mEOI {
			return false, nil
		}
		if m >= 0xD0 && m <= 0xD7 || m == 0x01 {
			continue // stray RST or TEM: no payload
		}
		n, err := d.segmentLen()
		if err != nil {
			return false, err
		}
		switch {
		case m == mSOF0 || m == mSOF1 || m == mSOF2:
			if err := d.readSOF(n, m); err != nil {
				return false, err
			}
			if stopAtFrame {
				return false, nil
			}
		case m >= 0xC3 && m <= 0xCF && m != mDHT && m != 0xC8 && m != 0xCC:
			return false, unsupported("frame type SOF%d (lossless, hierarchical or arithmetic)", m-0xC0)
		case m == 0xCC:
			return false, unsupported("arithmetic coding")
		case m == mDHT:
			err = d.readDHT(n)
		case m == mDQT:
			err = d.readDQT(n)
		case m == mDRI:
			if n != 2 {
				return false, corrupt("DRI length %d", n)
			}
			d.restartInt, err = d.u16()
		case m == mSOS:
			if d.comps == nil {
				return false, corrupt("scan before frame header")
			}
			return true, d.readSOS(n)
		case m == mDNL:
			return false, unsupported("DNL marker")
		case m == mAPPE:
			err = d.readApp14(n)
		default:
			err = d.src.skip(n)
		}
		if err != nil {
			return false, err
		}
	}
}

func (d *decoder) colorModel() color.Model {
	switch {
	case len(d.comps) == 1:
		return color.GrayModel
	case len(d.comps) == 4:
		return color.CMYKModel
	case d.adobe && d.adobeXform == 0:
		return color.RGBAModel
	}
	return color.YCbCrModel
}

// DecodeConfig returns the colour model and full-size dimensions of a JPEG
// without decoding any pixel.
func DecodeConfig(r io.Reader) (image.Config, error) {
	d := &decoder{src: source{r: r}}
	if err := d.readSOI(); err != nil {
		return image.Config{}, err
	}
	if _, err := d.readHeaders(true); err != nil {
		return image.Config{}, err
	}
	if d.comps == nil {
		return image.Config{}, corrupt("no frame header")
	}
	return image.Config{ColorModel: d.colorModel(), Width: d.width, Height: d.height}, nil
}
