package dataset

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/imageio"
)

func TestBlend(t *testing.T) {
	// One pixel per plane: R=0.5, G=0.25, B=1.
	pix := func() []float32 { return []float32{0.5, 0.25, 1} }
	b := pix()
	blendConst(b, 1.2, 0)          // brightness
	want := []float32{0.6, 0.3, 1} // blue clamps at 1
	for i := range want {
		if math.Abs(float64(b[i]-want[i])) > 1e-6 {
			t.Fatalf("brightness: %v, want %v", b, want)
		}
	}
	s := pix()
	blendGrey(s, 0) // full desaturation
	g := float32(0.299*0.5 + 0.587*0.25 + 0.114*1)
	for _, v := range s {
		if math.Abs(float64(v-g)) > 1e-6 {
			t.Fatalf("desaturated pixel %v, want all %v", s, g)
		}
	}
	c := pix()
	blendConst(c, 0.5, 0.5) // contrast halved around 0.5
	for i, want := range []float32{0.5, 0.375, 0.75} {
		if math.Abs(float64(c[i]-want)) > 1e-6 {
			t.Fatalf("contrast: %v", c)
		}
	}
}

func TestCropStaysInside(t *testing.T) {
	a := DefaultAugment()
	rng := rand.New(rand.NewPCG(1, 2))
	b := image.Rect(10, 20, 110, 110)
	for range 1000 {
		c := a.crop(b, rng)
		if !c.In(b) || c.Empty() {
			t.Fatalf("crop %v outside %v", c, b)
		}
		area := float64(c.Dx()*c.Dy()) / float64(b.Dx()*b.Dy())
		if area < 0.75 || area > 1 {
			t.Fatalf("crop %v keeps %.2f of the area", c, area)
		}
	}
	if c := (Augment{}).crop(b, rng); c != b {
		t.Errorf("MinArea 0 cropped to %v", c)
	}
}

func TestApplyFlipOnly(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 8 * 30)
	}
	a := Augment{FlipProb: 1}
	got, want := make([]float32, 3*4*4), make([]float32, 3*4*4)
	if err := a.apply(img, 4, 4, rand.New(rand.NewPCG(1, 1)), got); err != nil {
		t.Fatal(err)
	}
	if err := imageio.Resize(img, 4, 4, imageio.Transform{FlipH: true}, want); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("value %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got[0] <= got[3] {
		t.Errorf("row not mirrored: %v", got[:4])
	}
}
