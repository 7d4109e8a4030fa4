package evaluation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// folderModel is a small SmallCNN with random weights over species_0..2:
// its answers are arbitrary but fixed, which is all counting needs. The
// seed is one whose answers on writeFolder's photos spread over classes.
func folderModel(t *testing.T, threshold float32) *modelfile.Model {
	t.Helper()
	const size, classes = 16, 3
	arch, err := nn.SmallCNN(size, size, classes, false)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := arch.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]modelfile.Label, classes)
	for i := range labels {
		labels[i] = modelfile.Label{Name: fmt.Sprintf("species_%d", i)}
	}
	return &modelfile.Model{
		Meta: modelfile.Metadata{
			Name: "test", Version: "2", Architecture: raw,
			Input: modelfile.Input{Channels: 3, Height: size, Width: size},
			Mean:  [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.25, 0.25, 0.25},
			Labels: labels, UnknownThreshold: threshold,
		},
		Tensors: arch.Init(2),
	}
}

// writeFolder writes perClass PNGs under dir/<class>/ for each class, each
// drawn from its own seed so the model gives them different answers.
func writeFolder(t *testing.T, dir string, perClass int, classes ...string) {
	t.Helper()
	for ci, class := range classes {
		if err := os.MkdirAll(filepath.Join(dir, class), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range perClass {
			seed := 1 + ci*perClass + i
			img := image.NewRGBA(image.Rect(0, 0, 20, 18))
			for y := range 18 {
				for x := range 20 {
					img.Set(x, y, color.RGBA{uint8(x*seed + y), uint8(y * (seed + 3)), uint8((x + y) * seed), 255})
				}
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, class, fmt.Sprintf("img_%d.png", i)), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// oneByOne scores the folder the slow obvious way, one image at a time,
// as the reference the concurrent loop must agree with.
func oneByOne(t *testing.T, m *modelfile.Model, dir string) (*Result, int) {
	t.Helper()
	eng, err := inference.New(m, inference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	labels := []string{"species_0", "species_1", "species_2"}
	conf := NewConfusion(labels)
	flagged := 0
	for truth, class := range labels {
		paths, _ := filepath.Glob(filepath.Join(dir, class, "img_*.png"))
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.Classify(context.Background(), data, 1)
			if err != nil {
				t.Fatal(err)
			}
			var pred int
			fmt.Sscanf(res.Predictions[0].Label, "species_%d", &pred)
			if err := conf.Add(truth, pred); err != nil {
				t.Fatal(err)
			}
			if res.Unknown {
				flagged++
			}
		}
	}
	return conf.Result(filepath.Base(dir)), flagged
}

func TestScoreFolderCountsWhatOneByOneGives(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "val")
	// species_2 has no folder: it still counts in macro-F1, as in the
	// PyTorch reference. eel is a folder the model does not know.
	writeFolder(t, dir, 9, "species_0", "species_1", "eel")
	broken := filepath.Join(dir, "species_1", "broken.png")
	if err := os.WriteFile(broken, []byte("not a photo"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := folderModel(t, 0.5)
	want, flagged := oneByOne(t, m, dir)
	if predicted := want.Confusion[0][1] + want.Confusion[1][1]; predicted == 0 || predicted == 18 || flagged == 0 {
		t.Fatalf("the test model's answers (%v, %d flagged) would not catch a miscount; pick another seed", want.Confusion, flagged)
	}

	for _, workers := range []int{0, 1, 5} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			rep, err := ScoreFolder(context.Background(), m, dir, workers)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rep.Result, want) {
				t.Errorf("scores\n got %+v\nwant %+v", rep.Result, want)
			}
			if rep.Total != 18 || rep.Split != "val" || rep.Model != "test 2" {
				t.Errorf("total %d, split %q, model %q", rep.Total, rep.Split, rep.Model)
			}
			if rep.FlaggedUnknown != flagged {
				t.Errorf("flagged %d unknown, one by one %d", rep.FlaggedUnknown, flagged)
			}
			if !reflect.DeepEqual(rep.UnknownLabels, map[string]int{"eel": 9}) {
				t.Errorf("labels not in model: %v", rep.UnknownLabels)
			}
			if len(rep.Failed) != 1 || !strings.HasPrefix(rep.Failed[broken], "unsupported image format") {
				t.Errorf("failed: %v", rep.Failed)
			}
			if rep.ImagesPerSecond <= 0 {
				t.Errorf("%v images/s", rep.ImagesPerSecond)
			}
		})
	}
}

func TestScoreFolderFlagsAnswersUnderTheThreshold(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, dir, 4, "species_0", "species_2")
	for _, tc := range []struct {
		threshold float32
		want      int
	}{
		{0, 0},    // no answer is under 0
		{1.01, 8}, // every answer is under a confidence above 1
	} {
		rep, err := ScoreFolder(context.Background(), folderModel(t, tc.threshold), dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Flagged answers are scored on their top-1 label all the same.
		if rep.FlaggedUnknown != tc.want || rep.Total != 8 || rep.Unknown != nil {
			t.Errorf("threshold %v: flagged %d, total %d, unknown %v; want %d flagged of 8, none declined",
				tc.threshold, rep.FlaggedUnknown, rep.Total, rep.Unknown, tc.want)
		}
	}
}

func TestScoreFolderStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, dir, 3, "species_0")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if rep, err := ScoreFolder(ctx, folderModel(t, 0), dir, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("got %+v, %v; want context.Canceled", rep, err)
	}
}

func TestScoreFolderRefusesWhatItCannotScore(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, dir, 1, "species_0")
	if _, err := ScoreFolder(context.Background(), folderModel(t, 0), filepath.Join(dir, "missing"), 0); err == nil {
		t.Error("no error for a missing folder")
	}
	bad := folderModel(t, 0)
	bad.Meta.Labels = bad.Meta.Labels[:2] // three outputs, two labels
	if _, err := ScoreFolder(context.Background(), bad, dir, 0); !errors.Is(err, inference.ErrModel) {
		t.Errorf("unusable model: %v, want inference.ErrModel", err)
	}
}
