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
	"regexp"
	"strconv"
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
	// The data first: classes, photos per class, the split.
	if !strings.HasPrefix(stdout, "data: 2 classes, ") || !strings.Contains(stdout, "held out, whole groups by --group-by") {
		t.Errorf("train does not start with the data summary:\n%s", stdout)
	}
	summary := regexp.MustCompile(`(?m)^\s+(blue_fish|red_fish)\s+(\d+)\s+(\d+)\s*$`).FindAllStringSubmatch(stdout, -1)
	if len(summary) != 2 {
		t.Errorf("no per-class counts in:\n%s", stdout)
	}
	for _, row := range summary {
		train, _ := strconv.Atoi(row[2])
		val, _ := strconv.Atoi(row[3])
		if train+val != 24 || val == 0 || val%3 != 0 {
			t.Errorf("%s: %d train + %d val, want 24 split by whole groups of 3", row[1], train, val)
		}
	}
	// Not a terminal: one line per epoch, no carriage returns.
	if strings.Contains(stderr, "\r") {
		t.Errorf("progress redraws (\\r) in a non-terminal log:\n%q", stderr)
	}
	for _, e := range []string{"epoch 1/3 loss", "epoch 2/3 loss", "epoch 3/3 loss"} {
		if n := regexp.MustCompile(`(?m)^`+e).FindAllStringIndex(stderr, -1); len(n) != 1 {
			t.Errorf("%d lines starting %q, want 1:\n%s", len(n), e, stderr)
		}
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("model file mode %v, %v; want 0644", st.Mode().Perm(), err)
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
	if o, _ := rep["labels_not_in_model_answers"].(map[string]any); o["photos"] != float64(6) {
		t.Errorf("the green_fish photos were not tried for the unknown flag: %v", rep["labels_not_in_model_answers"])
	}
	code, stdout, _ = runCLI(t, context.Background(), "eval", "--model", out, "--data", evalDir)
	if code != 0 || !strings.Contains(stdout, "accuracy") || !strings.Contains(stdout, "green_fish: 6 images") ||
		!regexp.MustCompile(`the model flagged \d+ of these 6 photos unknown`).MatchString(stdout) {
		t.Errorf("eval text output:\n%s", stdout)
	}

	// A folder of labels the model does not know: nothing to score, and
	// the command says so instead of printing rows of zeros.
	strangers := filepath.Join(dir, "strangers")
	tinyFolder(t, strangers, 3)
	os.Rename(filepath.Join(strangers, "red_fish"), filepath.Join(strangers, "lionfish"))
	os.Rename(filepath.Join(strangers, "blue_fish"), filepath.Join(strangers, "moray"))
	code, stdout, stderr = runCLI(t, context.Background(), "eval", "--model", out, "--data", strangers)
	if code != 1 || strings.Contains(stdout, "precision") ||
		!strings.Contains(stderr, "none of the 2 labels of "+strangers+" is a label of the model") ||
		!strings.Contains(stderr, "lionfish (3 photos), moray (3 photos)") || !strings.Contains(stderr, "the model knows: blue_fish, red_fish") ||
		!regexp.MustCompile(`the model flagged \d+ of 6 photos unknown`).MatchString(stderr) {
		t.Errorf("eval on unknown labels: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// predict, including a file that is not an image.
	bad := filepath.Join(dir, "notes.txt")
	os.WriteFile(bad, []byte("not a photo"), 0o644)
	good := filepath.Join(evalDir, "blue_fish", "fish_0_0.png")
	code, stdout, _ = runCLI(t, context.Background(), "predict", "--model", out, "--top-k", "2", good, bad)
	if code != 1 || !strings.Contains(stdout, "blue_fish") || !strings.Contains(stdout, "notes.txt: error: unsupported image format") {
		t.Errorf("predict exited %d:\n%s", code, stdout)
	}

	// predict on folders: every photo below, nothing else.
	os.WriteFile(filepath.Join(evalDir, "green_fish", "README.txt"), []byte("not a photo"), 0o644)
	os.MkdirAll(filepath.Join(evalDir, ".thumbnails"), 0o755)
	os.WriteFile(filepath.Join(evalDir, ".thumbnails", "x.png"), []byte("hidden"), 0o644)
	code, stdout, stderr = runCLI(t, context.Background(), "predict", "--model", out, "--json", evalDir)
	var answers []struct {
		Image string `json:"image"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(stdout), &answers); err != nil || code != 0 {
		t.Fatalf("predict DIR: exit %d %v\n%s%s", code, err, stdout, stderr)
	}
	if len(answers) != 18 {
		t.Errorf("predict DIR classified %d files, want the 18 photos", len(answers))
	}
	for _, a := range answers {
		if a.Error != "" || !strings.HasSuffix(a.Image, ".png") || strings.Contains(a.Image, ".thumbnails") {
			t.Errorf("predict DIR: %+v", a)
		}
	}
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	if code, _, stderr := runCLI(t, context.Background(), "predict", "--model", out, empty); code != 1 || !strings.Contains(stderr, "no photos") {
		t.Errorf("predict on an empty folder: exit %d %q", code, stderr)
	}
	// --top-k as the API takes it: 1 to the model's classes (2 here).
	for _, k := range []string{"0", "-1", "3", "50"} {
		code, _, stderr := runCLI(t, context.Background(), "predict", "--model", out, "--top-k", k, good)
		if code != 1 || !strings.Contains(stderr, "--top-k "+k+": must be from 1 to 2 (the model knows 2 classes") {
			t.Errorf("--top-k %s: exit %d %q", k, code, stderr)
		}
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

// TestTrainExplainsTheLayout: a data folder without photos in label
// sub-folders gets the layout explained, not just "no images".
func TestTrainExplainsTheLayout(t *testing.T) {
	dir := t.TempDir()
	flat := filepath.Join(dir, "flat")
	tinyFolder(t, flat, 1)
	for _, class := range []string{"red_fish", "blue_fish"} {
		os.Rename(filepath.Join(flat, class, "fish_0_0.png"), filepath.Join(flat, class+".png"))
	}
	for _, data := range []string{flat, t.TempDir()} {
		code, stdout, stderr := runCLI(t, context.Background(), "train", "--data", data, "--out", filepath.Join(dir, "m.aqm"))
		if code != 1 || stdout != "" || !strings.Contains(stderr, "one sub-folder per label") ||
			!strings.Contains(stderr, data+"/amphiprion_clarkii/0001.jpg") {
			t.Errorf("train --data %s: exit %d\n%s%s", data, code, stdout, stderr)
		}
	}
	if _, stdout, stderr := runCLI(t, context.Background(), "train", "--data", flat, "--out", filepath.Join(dir, "m.aqm")); !strings.Contains(stderr, "2 sub-folders with no photos and 2 files directly inside") {
		t.Errorf("what was found is not said:\n%s%s", stdout, stderr)
	}
	if code, _, stderr := runCLI(t, context.Background(), "eval", "--data", flat); code != 1 || !strings.Contains(stderr, "one sub-folder per label") {
		t.Errorf("eval on a flat folder: exit %d %q", code, stderr)
	}
}

func TestLineWriterKeepsFinishedLines(t *testing.T) {
	var buf bytes.Buffer
	w := &lineWriter{w: &buf}
	for _, s := range []string{"\repoch 1/2 [==  ] 50%", "\repoch 1/2 [====] 100%", "\repoch 1/2 loss 0.5        ", "\n",
		"\repoch 2/2 [=   ]", "\repoch 2/2 loss 0.4", "\n"} {
		w.Write([]byte(s))
	}
	if got := buf.String(); got != "epoch 1/2 loss 0.5\nepoch 2/2 loss 0.4\n" {
		t.Errorf("%q", got)
	}
}

func TestRecordedCommandPastesIntoAShell(t *testing.T) {
	got := shellJoin([]string{"train", "--group-by", `^fish_(\d+)_`, "--reference", "Team net:0.9:0.5", "--name", "it's"})
	want := `train --group-by '^fish_(\d+)_' --reference 'Team net:0.9:0.5' --name 'it'\''s'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
