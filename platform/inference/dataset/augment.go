package dataset

import (
	"image"
	"math"
	"math/rand/v2"

	"github.com/aquaml/aquaml/platform/inference/imageio"
)

// Augment describes the random training transforms.
type Augment struct {
	// FlipProb is the probability of a horizontal flip.
	FlipProb float64
	// MinArea is the smallest crop, as a fraction of the image area; the
	// crop area is uniform in [MinArea, 1].
	MinArea float64
	// MaxAspect bounds the crop's aspect-ratio change (log-uniform in
	// [1/MaxAspect, MaxAspect]); 1 keeps the image's aspect ratio.
	MaxAspect float64
	// Brightness, Contrast and Saturation jitter factors are uniform in
	// [1-x, 1+x], as torchvision's ColorJitter, applied in random order.
	Brightness, Contrast, Saturation float64
}

// DefaultAugment is the recipe used for the shared fish data: flip, a crop
// keeping 85-100% of the area, and colour jitter of 0.2.
func DefaultAugment() Augment {
	return Augment{FlipProb: 0.5, MinArea: 0.85, MaxAspect: 1.1, Brightness: 0.2, Contrast: 0.2, Saturation: 0.2}
}

// apply writes an augmented width x height CHW tensor of img in [0,1] to dst.
func (a Augment) apply(img image.Image, width, height int, rng *rand.Rand, dst []float32) error {
	b := img.Bounds()
	t := imageio.Transform{Crop: a.crop(b, rng), FlipH: rng.Float64() < a.FlipProb}
	if err := imageio.Resize(img, width, height, t, dst); err != nil {
		return err
	}
	factors := [3]float64{jitter(rng, a.Brightness), jitter(rng, a.Contrast), jitter(rng, a.Saturation)}
	plane := width * height
	for _, op := range rng.Perm(3) {
		f := float32(factors[op])
		if f == 1 {
			continue
		}
		switch op {
		case 0: // brightness: blend with black
			blendConst(dst, f, 0)
		case 1: // contrast: blend with the mean grey level
			var sum float32
			for i := range plane {
				sum += grey(dst, plane, i)
			}
			blendConst(dst, f, sum/float32(plane))
		case 2: // saturation: blend with each pixel's own grey
			blendGrey(dst, f)
		}
	}
	return nil
}

// crop picks a random sub-rectangle of b.
func (a Augment) crop(b image.Rectangle, rng *rand.Rand) image.Rectangle {
	if a.MinArea >= 1 || a.MinArea <= 0 {
		return b
	}
	area := a.MinArea + rng.Float64()*(1-a.MinArea)
	ratio := 1.0
	if a.MaxAspect > 1 {
		ratio = math.Exp((rng.Float64()*2 - 1) * math.Log(a.MaxAspect))
	}
	w := min(b.Dx(), max(1, int(math.Round(float64(b.Dx())*math.Sqrt(area*ratio)))))
	h := min(b.Dy(), max(1, int(math.Round(float64(b.Dy())*math.Sqrt(area/ratio)))))
	x := b.Min.X + rng.IntN(b.Dx()-w+1)
	y := b.Min.Y + rng.IntN(b.Dy()-h+1)
	return image.Rect(x, y, x+w, y+h)
}

func jitter(rng *rand.Rand, amount float64) float64 {
	if amount <= 0 {
		return 1
	}
	return 1 - amount + 2*amount*rng.Float64()
}

// grey is the ITU-R 601 luma torchvision uses for contrast and saturation.
func grey(t []float32, plane, i int) float32 {
	return 0.299*t[i] + 0.587*t[plane+i] + 0.114*t[2*plane+i]
}

// blendConst sets every value v to ref + f*(v-ref), clamped to [0,1].
func blendConst(t []float32, f, ref float32) {
	for i, v := range t {
		t[i] = min(max(ref+f*(v-ref), 0), 1)
	}
}

// blendGrey moves every pixel towards (f < 1) or away from (f > 1) its own
// grey level, clamped to [0,1].
func blendGrey(t []float32, f float32) {
	plane := len(t) / 3
	r, g, b := t[:plane], t[plane:2*plane], t[2*plane:3*plane]
	for i := range r {
		y := 0.299*r[i] + 0.587*g[i] + 0.114*b[i]
		r[i] = min(max(y+f*(r[i]-y), 0), 1)
		g[i] = min(max(y+f*(g[i]-y), 0), 1)
		b[i] = min(max(y+f*(b[i]-y), 0), 1)
	}
}
