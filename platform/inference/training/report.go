package training

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// reportPaths are the files written next to a model file "dir/name.ext":
// the model card dir/name.md and its figures dir/name-curves.png and
// dir/name-confusion.png.
func reportPaths(model string) (card, curves, confusion string) {
	base := strings.TrimSuffix(model, filepath.Ext(model))
	return base + ".md", base + "-curves.png", base + "-confusion.png"
}

// writeReport writes the model card and its plots next to the model file.
func writeReport(model, archName string, arch *nn.Arch, res *Result, refs []evaluation.Reference) error {
	cardPath, curvesPath, confPath := reportPaths(model)
	meta := &res.Model.Meta
	err := writeFile(curvesPath, func(w io.Writer) error { return evaluation.PlotCurves(w, meta.Training.History) })
	if err == nil {
		err = writeFile(confPath, func(w io.Writer) error { return evaluation.PlotConfusion(w, res.Validation) })
	}
	if err != nil {
		return err
	}
	params := 0
	for _, p := range arch.Params() {
		params += p.Len()
	}
	card := evaluation.Card{
		Meta: meta,
		Architecture: fmt.Sprintf("%s: %d layers, %.2f M parameters, %.0f MFLOPs per image",
			archName, len(arch.Layers()), float64(params)/1e6, float64(arch.FLOPs())/1e6),
		Result:     res.Validation,
		References: refs,
		Figures: []evaluation.Figure{
			{Title: "Training curves", Path: filepath.Base(curvesPath)},
			{Title: fmt.Sprintf("Validation confusion (epoch %d)", res.BestEpoch), Path: filepath.Base(confPath)},
		},
	}
	return writeFile(cardPath, func(w io.Writer) error { return evaluation.WriteModelCard(w, card) })
}

// writeFile renders into memory and writes the file only when that worked.
func writeFile(path string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return fmt.Errorf("training: %s: %w", filepath.Base(path), err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	return nil
}
