package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// --size takes WIDTHxHEIGHT as well as a side, and the model is that wide.
func TestTrainTakesAWidthAndAHeight(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tinyFolder(t, data, 12)
	out := filepath.Join(dir, "wide.aqm")
	code, stdout, stderr := runCLI(t, context.Background(), "train", "--data", data, "--val-split", "0.25",
		"--group-by", `^fish_(\d+)_`, "--arch", "smallcnn-shallow", "--size", "32x16", "--epochs", "1",
		"--batch", "4", "--out", out)
	if code != 0 {
		t.Fatalf("train --size 32x16 exited %d: %s\n%s", code, stdout, stderr)
	}
	m, err := modelfile.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if in := m.Meta.Input; in.Width != 32 || in.Height != 16 {
		t.Errorf("model input %+v, want 32 wide and 16 high", in)
	}
	if !strings.Contains(m.Meta.Training.Command, "--size 32x16") {
		t.Errorf("the recorded command %q lacks the size", m.Meta.Training.Command)
	}

	for _, bad := range []string{"32x", "wide", "0x16"} {
		code, _, stderr := runCLI(t, context.Background(), "train", "--data", data, "--size", bad, "--out", filepath.Join(dir, "bad.aqm"))
		if code == 0 || !strings.Contains(stderr, "--size") {
			t.Errorf("--size %s: exit %d, stderr %q; want a failure naming --size", bad, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.aqm")); err == nil {
		t.Error("a refused size still wrote a model")
	}
}

// Without --batch a small folder trains in batches small enough for eight
// updates an epoch, says so, and the model records the batch it used.
func TestTrainChoosesASmallBatchForFewPhotos(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tinyFolder(t, data, 24)
	out := filepath.Join(dir, "small.aqm")
	code, stdout, stderr := runCLI(t, context.Background(), "train", "--data", data, "--val-split", "0.25",
		"--group-by", `^fish_(\d+)_`, "--arch", "smallcnn-shallow", "--size", "16", "--epochs", "1", "--out", out)
	if code != 0 {
		t.Fatalf("train exited %d: %s\n%s", code, stdout, stderr)
	}
	var photos, batch int
	for _, line := range strings.Split(stdout, "\n") {
		fmt.Sscanf(line, "data: 2 classes, %d photos for training", &photos)
		fmt.Sscanf(line, "batches of %d", &batch)
	}
	if photos < 16 || batch < 2 || batch > 32 || photos/batch < 8 {
		t.Fatalf("%d training photos in batches of %d: want at least eight updates an epoch\n%s", photos, batch, stdout)
	}
	m, err := modelfile.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var hp struct {
		BatchSize int `json:"batch_size"`
	}
	if err := json.Unmarshal(m.Meta.Training.Hyperparameters, &hp); err != nil || hp.BatchSize != batch {
		t.Errorf("the model records batch %d (%v), the command said %d", hp.BatchSize, err, batch)
	}
}
