package evaluation

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// maxCountLabels is the most classes for which counts are printed in the
// cells; beyond it they would overlap.
const maxCountLabels = 30

// ConfusionSize is the pixel width and height of PlotConfusion's image for
// n classes.
func ConfusionSize(n int) int { return max(480, 260+40*n) }

// PlotConfusion writes a PNG heatmap of r's confusion matrix: true classes
// as rows (top to bottom), predictions as columns, colour by the share of
// each true class (row-normalised), with the counts printed in the cells
// when there are at most 30 classes.
func PlotConfusion(w io.Writer, r *Result) error {
	n := len(r.Labels)
	if n == 0 || len(r.Confusion) != n {
		return fmt.Errorf("%w: confusion matrix has %d rows for %d labels", ErrBadInput, len(r.Confusion), n)
	}
	grid := shareGrid{n: n, share: make([]float64, n*n)}
	for t, row := range r.Confusion {
		if len(row) != n {
			return fmt.Errorf("%w: confusion row %d has %d columns", ErrBadInput, t, len(row))
		}
		sum := 0
		for _, v := range row {
			sum += v
		}
		for p, v := range row {
			grid.share[t*n+p] = float64(v) / float64(max(sum, 1))
		}
	}

	pl := plot.New()
	pl.Title.Text = "Confusion matrix (row-normalised)"
	if r.Split != "" {
		pl.Title.Text += ", " + r.Split
	}
	pl.Title.Padding = vg.Points(8)
	pl.X.Label.Text, pl.Y.Label.Text = "predicted", "true"
	heat := plotter.NewHeatMap(grid, blues{})
	heat.Min, heat.Max = 0, 1
	pl.Add(heat)
	ticks := make([]plot.Tick, n)
	yticks := make([]plot.Tick, n)
	for i, l := range r.Labels {
		ticks[i] = plot.Tick{Value: float64(i), Label: l}
		yticks[i] = plot.Tick{Value: float64(n - 1 - i), Label: l}
	}
	pl.X.Tick.Marker, pl.Y.Tick.Marker = plot.ConstantTicks(ticks), plot.ConstantTicks(yticks)
	pl.X.Tick.Label.Rotation = math.Pi / 2
	pl.X.Tick.Label.XAlign, pl.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	pl.X.Padding, pl.Y.Padding = 0, 0

	if n <= maxCountLabels {
		labels, err := countLabels(r.Confusion, grid, pl.Y.Tick.Label)
		if err != nil {
			return err
		}
		if labels != nil {
			pl.Add(labels)
		}
	}
	side := pixels(ConfusionSize(n))
	canvas := vgimg.New(side, side)
	pl.Draw(draw.New(canvas))
	return writePNG(w, canvas)
}

// countLabels prints each non-zero count centred in its cell, white on dark cells.
func countLabels(confusion [][]int, grid shareGrid, base text.Style) (*plotter.Labels, error) {
	base.Font.Size = vg.Points(min(10, 200/float64(grid.n)+4))
	base.XAlign, base.YAlign = draw.XCenter, draw.YCenter
	n := grid.n
	var xy plotter.XYLabels
	var styles []text.Style
	for t, row := range confusion {
		for p, v := range row {
			if v == 0 {
				continue
			}
			xy.XYs = append(xy.XYs, plotter.XY{X: float64(p), Y: float64(n - 1 - t)})
			xy.Labels = append(xy.Labels, strconv.Itoa(v))
			st := base
			st.Color = color.Black
			if grid.share[t*n+p] > 0.5 {
				st.Color = color.White
			}
			styles = append(styles, st)
		}
	}
	if len(xy.Labels) == 0 {
		return nil, nil
	}
	labels, err := plotter.NewLabels(xy)
	if err != nil {
		return nil, fmt.Errorf("evaluation: count labels: %w", err)
	}
	labels.TextStyle = styles
	return labels, nil
}

// shareGrid presents the row-normalised matrix with true class 0 at the top.
type shareGrid struct {
	n     int
	share []float64 // [truth*n + predicted]
}

// Dims, Z, X and Y implement plotter.GridXYZ.
func (g shareGrid) Dims() (c, r int)   { return g.n, g.n }
func (g shareGrid) Z(c, r int) float64 { return g.share[(g.n-1-r)*g.n+c] }
func (g shareGrid) X(c int) float64    { return float64(c) }
func (g shareGrid) Y(r int) float64    { return float64(r) }

// blues is a sequential white-to-navy palette.
type blues struct{}

// Colors implements palette.Palette.
func (blues) Colors() []color.Color {
	const steps = 64
	from, to := [3]float64{247, 251, 255}, [3]float64{8, 48, 107}
	cs := make([]color.Color, steps)
	for i := range cs {
		f := float64(i) / (steps - 1)
		var c [3]uint8
		for k := range c {
			c[k] = uint8(math.Round(from[k] + f*(to[k]-from[k])))
		}
		cs[i] = color.RGBA{c[0], c[1], c[2], 255}
	}
	return cs
}
