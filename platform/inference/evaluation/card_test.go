package evaluation

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

func TestWriteModelCard(t *testing.T) {
	r, _ := Evaluate([]string{"dascyllus_reticulatus", "zanclus_cornutus"}, []int{0, 0, 1}, []int{0, 0, 0}, "val")
	meta := &modelfile.Metadata{
		Name: "fishnet", Version: "1.2.0", CreatedAt: time.Date(2024, 6, 2, 9, 30, 0, 0, time.UTC),
		Input: modelfile.Input{Channels: 3, Height: 64, Width: 64},
		Mean:  [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.25, 0.25, 0.25},
		Labels: []modelfile.Label{
			{Name: "dascyllus_reticulatus", ScientificName: "Dascyllus reticulatus", CommonName: "reticulate dascyllus"},
			{Name: "zanclus_cornutus", ScientificName: "Zanclus cornutus", CommonName: "Moorish | idol"},
		},
		UnknownThreshold: 0.4,
		Training: &modelfile.Training{
			TrainDir: "data/train", ValDir: "data/val", Epochs: 12, BatchSize: 64, Seed: 3,
			Command: "aquaml train --epochs 12", WallTimeSeconds: 3725.4,
			Classes: []modelfile.ClassCount{{Label: "dascyllus_reticulatus", Train: 7872, Val: 1817}},
			Licence: "Permission is granted for anyone to copy...\nsecond line",
		},
	}
	var b strings.Builder
	err := WriteModelCard(&b, Card{Meta: meta, Architecture: "SmallCNN, 3 conv blocks", Result: r,
		References: []Reference{{Name: "PyTorch SmallCNN", Accuracy: 0.91, MacroF1: 0.62, Notes: "train.py, 12 epochs"}},
		Figures:    []Figure{{Title: "Training curves", Path: "curves.png"}}})
	if err != nil {
		t.Fatal(err)
	}
	card := b.String()
	for _, want := range []string{
		"# fishnet 1.2.0", "2024-06-02 09:30 UTC", "SmallCNN, 3 conv blocks", "3 x 64 x 64",
		"Open-set threshold: 0.4", "`data/train`", "`data/val`",
		"| dascyllus_reticulatus | Dascyllus reticulatus | reticulate dascyllus | 7872 | 1817 |",
		`Moorish \| idol`, "`aquaml train --epochs 12`", "Wall time: 1h2m5s",
		"## Metrics (val)", "Accuracy: 0.6667", "| zanclus_cornutus | 0.000 | 0.000 | 0.000 | 1 |",
		"| this model | 0.6667 |", "| PyTorch SmallCNN | 0.9100 | 0.6200 | train.py, 12 epochs |",
		"![Training curves](curves.png)", "> Permission is granted", "> second line",
	} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q", want)
		}
	}

	// Without a Result the metadata's metrics are used; without references
	// or a licence those sections are left out.
	meta.Metrics = &modelfile.Metrics{Split: "test", Accuracy: 0.8, MacroF1: 0.5}
	meta.Training.Licence = ""
	b.Reset()
	if err := WriteModelCard(&b, Card{Meta: meta}); err != nil {
		t.Fatal(err)
	}
	card = b.String()
	if !strings.Contains(card, "## Metrics (test)") || !strings.Contains(card, "Macro-F1: 0.5000") {
		t.Errorf("metadata metrics missing:\n%s", card)
	}
	for _, absent := range []string{"## Comparison", "## Data licence", "## Figures"} {
		if strings.Contains(card, absent) {
			t.Errorf("card has an empty %q section", absent)
		}
	}
	if err := WriteModelCard(&b, Card{}); !errors.Is(err, ErrBadInput) {
		t.Errorf("no metadata: %v", err)
	}
}
