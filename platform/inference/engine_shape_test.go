package inference

import (
	"context"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// A model twice as wide as tall is served: its answers are the network's
// on the photo resized to its own width and height.
func TestClassifyNonSquareMatchesTheNetwork(t *testing.T) {
	m := testModel(t, 16, 4, 0)
	arch, err := nn.SmallCNN(32, 16, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	m.Meta.Architecture, _ = arch.MarshalJSON()
	m.Meta.Input = modelfile.Input{Channels: 3, Height: 16, Width: 32}
	m.Tensors = arch.Init(3)
	e := newEngine(t, m, Options{})
	if w, h := e.InputSize(); w != 32 || h != 16 {
		t.Fatalf("InputSize() = %d, %d, want 32, 16", w, h)
	}
	img := photo(t, 5, 90, 40)
	res, err := e.Classify(context.Background(), img, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := direct(t, m, img)
	for i, p := range res.Probabilities {
		if d := p - want[i]; d > 1e-6 || d < -1e-6 {
			t.Errorf("prob[%d] = %v, the network gives %v", i, p, want[i])
		}
	}
	if _, err := e.ClassifyTensor(context.Background(), make([]float32, 3*32*32), 1); err == nil {
		t.Error("a square 32x32 tensor was accepted by a 32x16 model")
	}
}
