package imageio

import (
	"image/color"
	"sync"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/imageio/imagetest"
)

// The photos of the attack, generated once per test binary.
const (
	giantPNGSide  = imagetest.GiantPNGSide
	giantJPEGSide = imagetest.GiantJPEGSide
)

var giantPNGBytes = sync.OnceValue(func() []byte { return imagetest.GiantPNG(giantPNGSide, giantPNGSide) })

var giantJPEGBytes = sync.OnceValue(func() []byte { return imagetest.ProgressiveJPEG(giantJPEGSide, giantJPEGSide) })

func TestGiantPhotosGenerateSmall(t *testing.T) {
	if n := len(giantPNGBytes()); n > 1<<20 {
		t.Fatalf("giant PNG is %d bytes; the attack sends about 300 KB", n)
	}
	if n := len(giantJPEGBytes()); n > 1<<20 {
		t.Fatalf("giant JPEG is %d bytes; the attack sends about 470 KB", n)
	}
	// The small JPEG of the same construction decodes, so the giant one
	// is a real image and not just a header.
	small := imagetest.ProgressiveJPEG(40, 24)
	img, info, err := Decode(small, Limits{})
	if err != nil || info.Width != 40 || info.Height != 24 {
		t.Fatalf("decode %+v: %v", info, err)
	}
	if p := pixel(img, 20, 12); !near(p, color.RGBA{128, 128, 128, 255}, 1) {
		t.Fatalf("pixel %v, want mid grey", p)
	}
}
