package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// tinyFolder writes an ImageFolder of two easy classes (reddish vs bluish
// noise), groups of three frames per "fish" as in the shared data.
func tinyFolder(t *testing.T, dir string, perClass int, extra ...string) {
	t.Helper()
	classes := append([]string{"red_fish", "blue_fish"}, extra...)
	for ci, class := range classes {
		os.MkdirAll(filepath.Join(dir, class), 0o755)
		for i := range perClass {
			img := image.NewRGBA(image.Rect(0, 0, 24, 20))
			for y := range 20 {
				for x := range 24 {
					v := uint8((x*7 + y*13 + i*31) % 90)
					c := color.RGBA{160 + v, 40 + v/2, 40, 255}
					if ci%2 == 1 {
						c = color.RGBA{40, 40 + v/2, 160 + v, 255}
					}
					img.Set(x, y, c)
				}
			}
			var buf bytes.Buffer
			png.Encode(&buf, img)
			os.WriteFile(filepath.Join(dir, class, fmt.Sprintf("fish_%d_%d.png", i/3, i%3)), buf.Bytes(), 0o644)
		}
	}
}

func TestTrainEvalPredictCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tinyFolder(t, data, 24)
	out := filepath.Join(dir, "models", "tiny.aqm")
	os.MkdirAll(filepath.Dir(out), 0o755)
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte("label,scientific_name,common_name\nred_fish,Rubrum piscis,red fish\nblue_fish,Caeruleus piscis,blue fish\n"), 0o644)
	licence := filepath.Join(dir, "NOTICE")
	os.WriteFile(licence, []byte("Test photos, free to use.\n"), 0o644)

	code, stdout, stderr := runCLI(t, context.Background(), "train", "--data", data, "--val-split", "0.25",
		"--group-by", `^fish_(\d+)_`, "--arch", "smallcnn-shallow", "--size", "16", "--epochs", "3",
		"--batch", "8", "--lr", "0.01", "--seed", "3", "--labels", labels, "--licence", licence,
		"--reference", "Coin flip:0.5:0.33", "--out", out)
	if code != 0 {
		t.Fatalf("train exited %d: %s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "best epoch") || !strings.Contains(stderr, "epoch 3/3") {
		t.Errorf("train output:\n%s\n%s", stdout, stderr)
	}
	m, err := modelfile.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.Labels[0].ScientificName == "" || m.Meta.Training == nil || !strings.Contains(m.Meta.Training.Command, "train") {
		t.Errorf("metadata %+v", m.Meta)
	}
	card, err := os.ReadFile(strings.TrimSuffix(out, ".aqm") + ".md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Test photos, free to use.", "Coin flip", "Macro-F1", "red_fish", "Rubrum piscis"} {
		if !strings.Contains(string(card), want) {
			t.Errorf("model card lacks %q", want)
		}
	}
	for _, png := range []string{"-curves.png", "-confusion.png"} {
		if _, err := os.Stat(strings.TrimSuffix(out, ".aqm") + png); err != nil {
			t.Errorf("plot %s: %v", png, err)
		}
	}

	// eval scores the folder, reports labels the model does not know
	// apart, and writes JSON with the documented top-level keys.
	evalDir := filepath.Join(dir, "eval")
	tinyFolder(t, evalDir, 6, "green_fish")
	confusion := filepath.Join(dir, "confusion.png")
	code, stdout, stderr = runCLI(t, context.Background(), "eval", "--model", out, "--data", evalDir, "--json", "--confusion", confusion)
	if code != 0 {
		t.Fatalf("eval exited %d: %s", code, stderr)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, stdout)
	}
	for _, key := range []string{"accuracy", "macro_f1", "per_class", "confusion"} {
		if _, ok := rep[key]; !ok {
			t.Errorf("eval JSON lacks %q", key)
		}
	}
	if rep["total"].(float64) != 12 {
		t.Errorf("scored %v images, want the 12 of known labels", rep["total"])
	}
	if unknown, _ := rep["labels_not_in_model"].(map[string]any); unknown["green_fish"] != float64(6) {
		t.Errorf("green_fish not reported apart: %v", rep["labels_not_in_model"])
	}
	if acc := rep["accuracy"].(float64); acc < 0.9 {
		t.Errorf("accuracy %.2f on two trivially separable classes", acc)
	}
	if _, err := os.Stat(confusion); err != nil {
		t.Error("no confusion PNG")
	}
	code, stdout, _ = runCLI(t, context.Background(), "eval", "--model", out, "--data", evalDir)
	if code != 0 || !strings.Contains(stdout, "accuracy") || !strings.Contains(stdout, "green_fish: 6 images") {
		t.Errorf("eval text output:\n%s", stdout)
	}

	// predict, including a file that is not an image.
	bad := filepath.Join(dir, "notes.txt")
	os.WriteFile(bad, []byte("not a photo"), 0o644)
	good := filepath.Join(evalDir, "blue_fish", "fish_0_0.png")
	code, stdout, _ = runCLI(t, context.Background(), "predict", "--model", out, "--top-k", "2", good, bad)
	if code != 1 || !strings.Contains(stdout, "blue_fish") || !strings.Contains(stdout, "notes.txt: error: unsupported image format") {
		t.Errorf("predict exited %d:\n%s", code, stdout)
	}
}

func TestTrainRefusesBadArguments(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"train", "--out", filepath.Join(dir, "m.aqm")},                             // no --data
		{"train", "--data", filepath.Join(dir, "missing"), "--out", dir + "/m.aqm"}, // no such folder
		{"train", "--data", dir, "--out", dir + "/m.aqm", "--reference", "x:y"},     // bad reference
		{"eval", "--model", filepath.Join(dir, "missing.aqm"), "--data", dir},       // no model
	} {
		if code, _, stderr := runCLI(t, context.Background(), args...); code != 1 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestRecordedCommandPastesIntoAShell(t *testing.T) {
	got := shellJoin([]string{"train", "--group-by", `^fish_(\d+)_`, "--reference", "Team net:0.9:0.5", "--name", "it's"})
	want := `train --group-by '^fish_(\d+)_' --reference 'Team net:0.9:0.5' --name 'it'\''s'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
