package training

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// writeSynthetic writes a small ImageFolder whose classes differ in colour
// and stripe direction, with noise: groups of `perGroup` near-identical
// images named img_<group>_<n>.png, as tracked objects would be.
func writeSynthetic(t *testing.T, classes, groups, perGroup, side int) string {
	t.Helper()
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	for c := range classes {
		dir := filepath.Join(root, fmt.Sprintf("class%d", c))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for g := range groups {
			phase := rng.IntN(4)
			for n := range perGroup {
				img := image.NewNRGBA(image.Rect(0, 0, side, side))
				for y := range side {
					for x := range side {
						stripe := (x+phase)/2%2 == 0 // vertical stripes
						if c%2 == 1 {
							stripe = (y+phase)/2%2 == 0 // horizontal
						}
						v := uint8(60 + rng.IntN(40))
						if stripe {
							v += 120
						}
						px := color.NRGBA{v / 2, v / 2, v / 2, 255}
						switch c / 2 {
						case 0:
							px.R = v
						case 1:
							px.G = v
						default:
							px.B = v
						}
						img.Set(x, y, px)
					}
				}
				f, err := os.Create(filepath.Join(dir, fmt.Sprintf("img_%d%d_%d.png", c, g, n)))
				if err != nil {
					t.Fatal(err)
				}
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
				f.Close()
			}
		}
	}
	return root
}
