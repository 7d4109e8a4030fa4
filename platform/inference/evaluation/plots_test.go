package evaluation

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// countNear counts pixels within tol of c in every channel.
func countNear(img image.Image, c color.RGBA, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			d := func(v uint32, w uint8) bool { return math.Abs(float64(v>>8)-float64(w)) <= float64(tol) }
			if d(r, c.R) && d(g, c.G) && d(bl, c.B) {
				n++
			}
		}
	}
	return n
}

func decodePNG(t *testing.T, data []byte, w, h int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("PNG is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	return img
}

func TestPlotCurves(t *testing.T) {
	var history []modelfile.Epoch
	for e := 1; e <= 6; e++ {
		history = append(history, modelfile.Epoch{Epoch: e, TrainLoss: 2 / float64(e), ValLoss: 2.2 / float64(e),
			ValAccuracy: 0.5 + 0.05*float64(e), ValMacroF1: 0.2 + 0.08*float64(e)})
	}
	history[2].ValLoss = math.NaN() // not measured that epoch
	var buf bytes.Buffer
	if err := PlotCurves(&buf, history); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, buf.Bytes(), CurvesWidth, CurvesHeight)
	for name, c := range map[string]color.RGBA{"train": colourTrain, "val": colourVal, "macro-F1": colourF1} {
		if n := countNear(img, c, 10); n < 200 {
			t.Errorf("%s curve colour covers only %d pixels", name, n)
		}
	}
	if err := PlotCurves(&buf, nil); !errors.Is(err, ErrBadInput) {
		t.Errorf("empty history: %v", err)
	}
}

func TestPlotConfusion(t *testing.T) {
	labels := []string{"dascyllus", "chromis", "zanclus"}
	r, _ := Evaluate(labels, []int{0, 0, 0, 1, 1, 2}, []int{0, 0, 0, 1, 0, 1}, "val")
	var buf bytes.Buffer
	if err := PlotConfusion(&buf, r); err != nil {
		t.Fatal(err)
	}
	size := ConfusionSize(3)
	img := decodePNG(t, buf.Bytes(), size, size)
	// Rows a (3/3 right) and c (1/1 wrong) each have a full-share cell in navy.
	navy := color.RGBA{8, 48, 107, 255}
	if n := countNear(img, navy, 6); n < size*size/40 {
		t.Errorf("full-share cells cover only %d navy pixels", n)
	}

	many := make([]string, 40)
	truth, pred := make([]int, 40), make([]int, 40)
	for i := range many {
		many[i], truth[i], pred[i] = fmt.Sprintf("class%02d", i), i, (i+1)%40
	}
	big, _ := Evaluate(many, truth, pred, "")
	buf.Reset()
	if err := PlotConfusion(&buf, big); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, buf.Bytes(), ConfusionSize(40), ConfusionSize(40))

	if err := PlotConfusion(&buf, &Result{Labels: []string{"a"}}); !errors.Is(err, ErrBadInput) {
		t.Errorf("missing matrix: %v", err)
	}
}
