package imageio

import (
	"context"
	"math"
	"testing"
)

// TestCameraFramesDecodeScaled: a 1920x1080 frame for a 64x64 input is
// decoded at 1/8 in the DCT domain, reports the photo's own size, and
// gives the network nearly the tensor a full decode gives (the measured
// gap is written below); a photo too small to reduce keeps the standard
// decoder's exact pixels.
func TestCameraFramesDecodeScaled(t *testing.T) {
	frame := encode(t, FormatJPEG, quadrants(1920, 1080))
	c, err := Estimate(frame, DefaultLimits(), 64)
	if err != nil || c.Scale != 8 || c.Memory > 4<<20 {
		t.Fatalf("1080p frame costed %+v (%v); want 1/8 scale, under 4 MB", c, err)
	}
	scaled := make([]float32, 3*64*64)
	info, err := Preprocess(frame, 64, 64, unitMean, unitStd, DefaultLimits(), scaled)
	if err != nil || info.Width != 1920 || info.Height != 1080 {
		t.Fatalf("info %+v, %v", info, err)
	}
	img, _, err := Decode(frame, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	full := make([]float32, 3*64*64)
	if err := ToTensor(img, 64, 64, unitMean, unitStd, full); err != nil {
		t.Fatal(err)
	}
	d := meanAbs(scaled, full)
	t.Logf("1/8 decode vs full decode + resize: mean |difference| %.5f", d)
	if d > 0.01 {
		t.Errorf("scaled decode differs from a full decode by %.4f on average (values in [0,1])", d)
	}

	small := encode(t, FormatJPEG, quadrants(120, 100))
	viaDecode, _, err := DecodeForSize(context.Background(), small, 64, 64, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	std, _, _ := Decode(small, DefaultLimits())
	a, b := make([]float32, 3*64*64), make([]float32, 3*64*64)
	_ = ToTensor(viaDecode, 64, 64, unitMean, unitStd, a)
	_ = ToTensor(std, 64, 64, unitMean, unitStd, b)
	if d := meanAbs(a, b); d != 0 {
		t.Errorf("a small photo's pixels changed by %.6f", d)
	}
}

func meanAbs(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += math.Abs(float64(a[i] - b[i]))
	}
	return s / float64(len(a))
}
