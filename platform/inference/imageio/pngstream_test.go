package imageio

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/imageio/imagetest"
)

// rawPNG writes a PNG of any colour type and depth from unfiltered rows,
// cycling through the five row filters so unfiltering is exercised.
// extra chunks (name, body) go between IHDR and IDAT.
func rawPNG(t testing.TB, w, h, depth, ct int, interlace byte, rows [][]byte, extra ...[2]string) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(name string, body []byte) { imagetest.PNGChunk(&out, name, body) }
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9], ihdr[12] = byte(depth), byte(ct), interlace
	chunk("IHDR", ihdr)
	for _, e := range extra {
		chunk(e[0], []byte(e[1]))
	}
	bpp := max(1, depth*pngHead{colorType: ct}.channels()/8)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	prev := make([]byte, len(rows[0]))
	for y, raw := range rows {
		ft := byte(y % 5)
		line := []byte{ft}
		for i, v := range raw {
			var a, b, c int
			b = int(prev[i])
			if i >= bpp {
				a, c = int(raw[i-bpp]), int(prev[i-bpp])
			}
			var pred int
			switch ft {
			case 1:
				pred = a
			case 2:
				pred = b
			case 3:
				pred = (a + b) / 2
			case 4:
				pa, pb, pc := abs(b-c), abs(a-c), abs(a+b-2*c)
				switch {
				case pa <= pb && pa <= pc:
					pred = a
				case pb <= pc:
					pred = b
				default:
					pred = c
				}
			}
			line = append(line, v-byte(pred))
		}
		zw.Write(line)
		prev = raw
	}
	zw.Close()
	chunk("IDAT", z.Bytes()[:z.Len()/2])
	chunk("IDAT", z.Bytes()[z.Len()/2:])
	chunk("IEND", nil)
	return out.Bytes()
}

// noiseRows makes h rows of random bytes for a w-pixel row at depth and ct;
// a few values repeat so tRNS colours and palette indices occur.
func noiseRows(w, h, depth, ct int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 1))
	n := (depth*pngHead{colorType: ct}.channels()*w + 7) / 8
	rows := make([][]byte, h)
	for y := range rows {
		rows[y] = make([]byte, n)
		for i := range rows[y] {
			if r.IntN(4) == 0 {
				rows[y][i] = 0x10
			} else {
				rows[y][i] = byte(r.IntN(256))
			}
			if ct == 3 && depth == 8 {
				rows[y][i] %= 6 // some indices beyond the 4-entry palette
			}
		}
	}
	return rows
}

// fullDecode is the reference: png.Decode's image and the existing resize.
func fullDecode(t *testing.T, data []byte, size int) []float32 {
	t.Helper()
	img, _, err := decode(data, Info{Format: FormatPNG}, &codecs[1], Limits{}, 0)
	if err != nil {
		t.Fatalf("full decode: %v", err)
	}
	want := make([]float32, 3*size*size)
	if err := ToTensor(img, size, size, unitMean, unitStd, want); err != nil {
		t.Fatal(err)
	}
	return want
}

func TestStreamedPNGMatchesFullDecode(t *testing.T) {
	plte := [2]string{"PLTE", "\x10\x20\x30\xff\x00\x00\x00\xff\x00\x80\x80\x80"}
	cases := []struct {
		name      string
		depth, ct int
		extra     [][2]string
	}{
		{"grey1", 1, 0, nil}, {"grey2", 2, 0, nil}, {"grey4", 4, 0, nil}, {"grey8", 8, 0, nil}, {"grey16", 16, 0, nil},
		{"grey2 tRNS", 2, 0, [][2]string{{"tRNS", "\x00\x01"}}},
		{"grey8 tRNS", 8, 0, [][2]string{{"tRNS", "\x00\x10"}}},
		{"grey16 tRNS", 16, 0, [][2]string{{"tRNS", "\x10\x10"}}},
		{"rgb8", 8, 2, nil}, {"rgb16", 16, 2, nil},
		{"rgb8 tRNS", 8, 2, [][2]string{{"tRNS", "\x00\x10\x00\x10\x00\x10"}}},
		{"rgb16 tRNS", 16, 2, [][2]string{{"tRNS", "\x10\x10\x10\x10\x10\x10"}}},
		{"palette1", 1, 3, [][2]string{{"PLTE", "\x10\x20\x30\xff\x00\x00"}}}, {"palette2", 2, 3, [][2]string{plte}},
		{"palette4", 4, 3, [][2]string{plte}},
		{"palette8 tRNS", 8, 3, [][2]string{plte, {"tRNS", "\x80\x00\xff\x40\x20"}}},
		{"grey+alpha8", 8, 4, nil}, {"grey+alpha16", 16, 4, nil},
		{"rgba8", 8, 6, nil}, {"rgba16", 16, 6, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// 37x23 shrinks on one axis and grows on the other at 29.
			for _, size := range []int{8, 29} {
				data := rawPNG(t, 37, 23, c.depth, c.ct, 0, noiseRows(37, 23, c.depth, c.ct, uint64(c.depth*10+c.ct)), c.extra...)
				want := fullDecode(t, data, size)
				got := make([]float32, 3*size*size)
				info, err := PreprocessContext(t.Context(), data, size, size, unitMean, unitStd, Limits{Budget: NewBudget(0, 0)}, got)
				if err != nil {
					t.Fatal(err)
				}
				if info.Width != 37 || info.Height != 23 || info.Format != FormatPNG {
					t.Fatalf("info %+v", info)
				}
				if d := maxDiff(got, want); d > 1e-6 {
					t.Fatalf("size %d: streamed pixels differ from full decode by %g", size, d)
				}
			}
		})
	}
}

func TestStreamedPNGMatchesGoEncoder(t *testing.T) {
	// Go's encoder picks filters adaptively per row, unlike rawPNG.
	r := rand.New(rand.NewPCG(7, 7))
	rgba := image.NewNRGBA64(image.Rect(0, 0, 120, 70))
	for i := range rgba.Pix {
		rgba.Pix[i] = byte(r.IntN(256) / 16 * 16)
	}
	gray := image.NewGray(image.Rect(0, 0, 200, 3))
	for i := range gray.Pix {
		gray.Pix[i] = byte(i)
	}
	for _, img := range []image.Image{rgba, gray, quadrants(9, 5)} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		want := fullDecode(t, buf.Bytes(), 16)
		got := make([]float32, 3*16*16)
		if _, err := Preprocess(buf.Bytes(), 16, 16, unitMean, unitStd, Limits{}, got); err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(got, want); d > 1e-6 {
			t.Fatalf("%T: streamed pixels differ by %g", img, d)
		}
	}
}

func TestStreamedPNGRefusesWhatFullDecodeRefuses(t *testing.T) {
	good := rawPNG(t, 10, 4, 8, 2, 0, noiseRows(10, 4, 8, 2, 1))
	idat := bytes.Index(good, []byte("IDAT"))
	badCRC := bytes.Clone(good)
	badCRC[idat+6] ^= 0xFF
	noIEND := good[:len(good)-12]
	short := rawPNG(t, 10, 4, 8, 2, 0, noiseRows(10, 3, 8, 2, 1))
	badFilter := rawPNG(t, 10, 2, 8, 0, 0, [][]byte{make([]byte, 10), make([]byte, 10)})
	// Rewrite the second row's filter byte to 9 and fix up zlib and CRC.
	badFilter = func() []byte {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(append(append([]byte{0}, make([]byte, 10)...), append([]byte{9}, make([]byte, 10)...)...))
		zw.Close()
		head := badFilter[:33]
		var out bytes.Buffer
		out.Write(head)
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(z.Len()))
		out.Write(n[:])
		out.WriteString("IDAT")
		out.Write(z.Bytes())
		binary.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(append([]byte("IDAT"), z.Bytes()...)))
		out.Write(n[:])
		out.Write(good[len(good)-12:])
		return out.Bytes()
	}()
	for name, data := range map[string][]byte{"bad CRC": badCRC, "no IEND": noIEND, "short rows": short, "bad filter": badFilter} {
		t.Run(name, func(t *testing.T) {
			if _, err := png.Decode(bytes.NewReader(data)); err == nil {
				t.Fatal("png.Decode accepts the test input; it proves nothing")
			}
			_, err := Preprocess(data, 8, 8, unitMean, unitStd, Limits{}, make([]float32, 3*8*8))
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestInterlacedPNGIsDecodedInFull(t *testing.T) {
	var buf bytes.Buffer
	// Go cannot write Adam7; a one-row image has the same bytes in both
	// layouts except the passes, so build the 1x1 case by hand.
	data := rawPNG(t, 1, 1, 8, 2, 1, [][]byte{{0x10, 0x80, 0xF0}})
	buf.Write(data)
	c, err := Estimate(data, Limits{}, 8)
	if err != nil || c.Streamed || !c.Interlaced {
		t.Fatalf("estimate %+v, %v: an interlaced PNG must be costed in full", c, err)
	}
	got := make([]float32, 3*8*8)
	if _, err := Preprocess(buf.Bytes(), 8, 8, unitMean, unitStd, Limits{}, got); err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(got[0])-0x10/255.) > 1e-6 || math.Abs(float64(got[64])-0x80/255.) > 1e-6 {
		t.Fatalf("pixel %v %v", got[0], got[64])
	}
}

func maxDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// FuzzStreamedPNG checks the streaming decoder against png.Decode: both
// accept the same files, and give the same pixels.
func FuzzStreamedPNG(f *testing.F) {
	f.Add(rawPNG(f, 5, 3, 8, 2, 0, noiseRows(5, 3, 8, 2, 1)))
	f.Add(rawPNG(f, 7, 4, 2, 3, 0, noiseRows(7, 4, 2, 3, 2), [2]string{"PLTE", "\x10\x20\x30\xff\x00\x00\x00\xff\x00"}, [2]string{"tRNS", "\x80"}))
	f.Add(rawPNG(f, 6, 2, 16, 6, 0, noiseRows(6, 2, 16, 6, 3)))
	f.Add(rawPNG(f, 9, 3, 4, 0, 0, noiseRows(9, 3, 4, 0, 4), [2]string{"tRNS", "\x00\x01"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, c, err := probe(data, Limits{MaxPixels: 1 << 16})
		if err != nil || info.Format != FormatPNG || pngInfo(data).interlaced {
			return
		}
		want := make([]float32, 3*8*8)
		img, _, errFull := decode(data, info, c, Limits{}, 0)
		if errFull == nil {
			errFull = ToTensor(img, 8, 8, unitMean, unitStd, want)
		}
		mul, add, _ := normalisation(unitMean, unitStd)
		got := make([]float32, 3*8*8)
		errStream := streamPNG(data, 8, 8, mul, add, got)
		if (errFull == nil) != (errStream == nil) {
			t.Fatalf("png.Decode: %v; streamed: %v", errFull, errStream)
		}
		if errFull == nil {
			if d := maxDiff(got, want); d > 1e-6 {
				t.Fatalf("streamed pixels differ by %g", d)
			}
		}
	})
}
