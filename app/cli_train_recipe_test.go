package app

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// TestTrainFineTunesWithTheRecipe: --base with the small-data flags
// fine-tunes, keeps the frozen conv as the base had it and records the
// recipe in the model; bad recipe flags are refused.
func TestTrainFineTunesWithTheRecipe(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tinyFolder(t, data, 24)
	base := filepath.Join(dir, "base.aqm")
	common := []string{"--data", data, "--val-split", "0.25", "--group-by", `^fish_(\d+)_`, "--size", "16",
		"--epochs", "2", "--batch", "8", "--seed", "3"}
	if code, stdout, stderr := runCLI(t, context.Background(), append([]string{"train", "--arch", "smallcnn-shallow", "--out", base}, common...)...); code != 0 {
		t.Fatalf("training the base exited %d: %s\n%s", code, stdout, stderr)
	}
	tuned := filepath.Join(dir, "tuned.aqm")
	args := append([]string{"train", "--base", base, "--freeze", "1", "--augment", "strong", "--mixup", "0.3",
		"--average-epochs", "1", "--flip-tta", "--patience", "5", "--refit", "--out", tuned}, common...)
	if code, stdout, stderr := runCLI(t, context.Background(), args...); code != 0 {
		t.Fatalf("fine-tuning exited %d: %s\n%s", code, stdout, stderr)
	}
	b, err := modelfile.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	m, err := modelfile.ReadFile(tuned)
	if err != nil {
		t.Fatal(err)
	}
	bw, _ := b.Tensor("layers.0.weight")
	mw, _ := m.Tensor("layers.0.weight")
	if !slices.Equal(bw.Data, mw.Data) {
		t.Error("the frozen first conv changed")
	}
	var hp map[string]any
	if err := json.Unmarshal(m.Meta.Training.Hyperparameters, &hp); err != nil {
		t.Fatal(err)
	}
	if hp["arch"] != "smallcnn-shallow" || hp["augmentation"] != "strong" || hp["freeze_layers"] != 1.0 || hp["mixup"] != 0.3 ||
		hp["average_epochs"] != 1.0 || hp["flip_tta"] != true || hp["patience"] != 5.0 || hp["refit"] != true {
		t.Errorf("hyperparameters %v do not record the recipe", hp)
	}

	for _, bad := range [][]string{
		{"--augment", "heavy"},
		{"--freeze", "1"}, // without --base
		{"--mixup", "-1"},
		{"--base", filepath.Join(dir, "missing.aqm")},
	} {
		args := append(append([]string{"train", "--out", filepath.Join(dir, "bad.aqm")}, common...), bad...)
		if code, _, stderr := runCLI(t, context.Background(), args...); code != 1 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", bad, code, stderr)
		} else if strings.Contains(stderr, "panic") {
			t.Errorf("%v: %s", bad, stderr)
		}
	}
}
