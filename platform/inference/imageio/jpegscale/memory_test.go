package jpegscale

import (
	"bytes"
	"runtime"
	"testing"
)

// At 1/8 no buffer of even one full-size plane may exist: everything the
// decoder allocates together stays below width x height bytes. A progressive
// decoder that kept all 64 coefficients of every block would need 3 bytes
// per pixel here.
func TestScaledDecodeAllocatesNoFullSizeBuffer(t *testing.T) {
	for _, name := range []string{"big_prog420.jpg", "s444.jpg", "rst420.jpg"} {
		data := readTestdata(t, name)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		img, scale, err := DecodeScaled(bytes.NewReader(data), 1, 1)
		runtime.ReadMemStats(&after)
		if err != nil || scale != 8 {
			t.Fatalf("%s: scale %d, err %v", name, scale, err)
		}
		full := uint64(img.Bounds().Dx() * img.Bounds().Dy() * scale * scale)
		got := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s at 1/8: %d bytes allocated, one full-size plane is %d", name, got, full)
		if got >= full {
			t.Errorf("%s at 1/8 allocated %d bytes, not less than one full-size plane (%d)", name, got, full)
		}
	}
}
