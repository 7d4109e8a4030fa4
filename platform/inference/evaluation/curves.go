package evaluation

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// pixels converts an image size in pixels to a length at vgimg's 96 DPI.
func pixels(n int) vg.Length { return vg.Length(n) * vg.Inch / vgimg.DefaultDPI }

// CurvesWidth and CurvesHeight are the pixel size of PlotCurves' image.
const (
	CurvesWidth  = 1200
	CurvesHeight = 450
)

var (
	colourTrain = color.RGBA{31, 119, 180, 255}
	colourVal   = color.RGBA{255, 127, 14, 255}
	colourF1    = color.RGBA{44, 160, 44, 255}
)

// PlotCurves writes a PNG of the training history: train and validation
// loss on the left, validation accuracy and macro-F1 on the right, per
// epoch. NaN values (not measured) are left out of their curve.
func PlotCurves(w io.Writer, history []modelfile.Epoch) error {
	if len(history) == 0 {
		return fmt.Errorf("%w: empty history", ErrBadInput)
	}
	loss := newPlot("Loss", "epoch", "loss")
	score := newPlot("Validation scores", "epoch", "score")
	score.Y.Min, score.Y.Max = 0, 1
	score.Legend.Top = false // scores rise towards the top right; losses fall away from it
	series := []struct {
		p      *plot.Plot
		name   string
		colour color.Color
		value  func(modelfile.Epoch) float64
	}{
		{loss, "train loss", colourTrain, func(e modelfile.Epoch) float64 { return e.TrainLoss }},
		{loss, "val loss", colourVal, func(e modelfile.Epoch) float64 { return e.ValLoss }},
		{score, "val accuracy", colourVal, func(e modelfile.Epoch) float64 { return e.ValAccuracy }},
		{score, "val macro-F1", colourF1, func(e modelfile.Epoch) float64 { return e.ValMacroF1 }},
	}
	for _, s := range series {
		var xys plotter.XYs
		for _, e := range history {
			if v := s.value(e); !math.IsNaN(v) && !math.IsInf(v, 0) {
				xys = append(xys, plotter.XY{X: float64(e.Epoch), Y: v})
			}
		}
		if len(xys) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("evaluation: %s curve: %w", s.name, err)
		}
		line.Color, points.Color = s.colour, s.colour
		points.Shape = draw.CircleGlyph{}
		s.p.Add(line, points)
		s.p.Legend.Add(s.name, line, points)
	}

	canvas := vgimg.New(pixels(CurvesWidth), pixels(CurvesHeight))
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(20), PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(8), PadRight: vg.Points(8)}
	plots := [][]*plot.Plot{{loss, score}}
	for i, c := range plot.Align(plots, tiles, dc)[0] {
		plots[0][i].Draw(c)
	}
	return writePNG(w, canvas)
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

func writePNG(w io.Writer, c *vgimg.Canvas) error {
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("evaluation: write png: %w", err)
	}
	return nil
}
