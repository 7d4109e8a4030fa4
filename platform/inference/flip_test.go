package inference

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// mirrored is the PNG data flipped left to right.
func mirrored(t *testing.T, data []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(b.Max.X-1-(x-b.Min.X), y, img.At(x, y))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFlipTTAModelsAverageThePhotoAndItsMirror: a model whose training
// recorded flip_tta answers the mean of the network's probabilities for
// the photo and for its mirror image; one without answers the photo's.
func TestFlipTTAModelsAverageThePhotoAndItsMirror(t *testing.T) {
	img := photo(t, 3, 32, 32)
	plain := testModel(t, 32, 5, 0)
	flipped := testModel(t, 32, 5, 0)
	hp, _ := json.Marshal(map[string]any{"arch": "smallcnn-shallow", "flip_tta": true})
	flipped.Meta.Training = &modelfile.Training{Hyperparameters: hp}

	own, mirror := direct(t, plain, img), direct(t, plain, mirrored(t, img))
	for name, tc := range map[string]struct {
		m    *modelfile.Model
		want func(i int) float32
	}{
		"plain":    {plain, func(i int) float32 { return own[i] }},
		"flip_tta": {flipped, func(i int) float32 { return (own[i] + mirror[i]) / 2 }},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEngine(t, tc.m, Options{})
			res, err := e.Classify(context.Background(), img, 1)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range res.Probabilities {
				if math.Abs(float64(p-tc.want(i))) > 1e-5 {
					t.Errorf("prob[%d] = %v, want %v (photo %v, mirror %v)", i, p, tc.want(i), own[i], mirror[i])
				}
			}
		})
	}
	if math.Abs(float64(own[0]-mirror[0])) < 1e-4 {
		t.Fatal("the photo and its mirror score alike: the test would not see a missing flip")
	}
}
