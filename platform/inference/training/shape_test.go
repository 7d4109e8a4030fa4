package training

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/nn"
)

// A wide input trains and is recorded as wide: the model file's input, its
// architecture and its hyperparameters all say 24x12.
func TestRunTrainsANonSquareInput(t *testing.T) {
	o := quick(writeSynthetic(t, 3, 6, 2, 20))
	o.Size, o.Height, o.Epochs = 24, 12, 2
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	in := res.Model.Meta.Input
	if in.Width != 24 || in.Height != 12 || in.Channels != 3 {
		t.Fatalf("model input %+v, want 3 channels, 24 wide, 12 high", in)
	}
	a, err := nn.FromModel(res.Model)
	if err != nil {
		t.Fatalf("the model's architecture does not read back for its input: %v", err)
	}
	if s := a.Input(); s.Width != 24 || s.Height != 12 {
		t.Errorf("architecture input %v", s)
	}
	var hp struct{ Size, Height int }
	if err := json.Unmarshal(res.Model.Meta.Training.Hyperparameters, &hp); err != nil || hp.Size != 24 || hp.Height != 12 {
		t.Errorf("hyperparameters %s (%v), want size 24 and height 12", res.Model.Meta.Training.Hyperparameters, err)
	}
}

func TestOptionsRefuseAnInputTooFlat(t *testing.T) {
	o := quick(t.TempDir())
	o.Size, o.Height = 64, 4
	_, err := Run(context.Background(), o)
	if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "64x4") {
		t.Fatalf("a 64x4 input gave %v, want ErrOptions naming the size (sides start at 8)", err)
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		w, h int
		ok   bool
	}{
		{"64", 64, 64, true}, {"128x64", 128, 64, true}, {"64x128", 64, 128, true},
		{"", 0, 0, false}, {"x64", 0, 0, false}, {"128x", 0, 0, false}, {"128x64x3", 0, 0, false},
		{"0x64", 0, 0, false}, {"-8", 0, 0, false}, {"128X64", 0, 0, false}, {" 64", 0, 0, false},
	} {
		w, h, err := ParseSize(tc.in)
		if (err == nil) != tc.ok || w != tc.w || h != tc.h {
			t.Errorf("ParseSize(%q) = %d, %d, %v; want %d, %d, ok %v", tc.in, w, h, err, tc.w, tc.h, tc.ok)
		}
	}
}

// TestBatchForKeepsEightUpdatesAnEpoch: small sets train in batches of
// 16, or small enough for eight updates an epoch; large sets keep 32; no
// set gets a batch of one.
func TestBatchForKeepsEightUpdatesAnEpoch(t *testing.T) {
	for _, c := range []struct{ photos, want int }{
		{0, 2}, {9, 2}, {24, 3}, {120, 15}, {150, 16}, {580, 16}, {1023, 16}, {1024, 32}, {17_700, 32},
	} {
		got := BatchFor(c.photos)
		if got != c.want {
			t.Errorf("BatchFor(%d) = %d, want %d", c.photos, got, c.want)
		}
		if c.photos >= 16 && c.photos/got < 8 {
			t.Errorf("BatchFor(%d) = %d gives %d updates an epoch, want at least 8", c.photos, got, c.photos/got)
		}
	}
}

// BatchForFolder counts every photo below the folder and leaves out the
// validation fraction, as a training job sees its dataset version.
func TestBatchForFolderCountsThePhotosThatTrain(t *testing.T) {
	dir := t.TempDir()
	for i := range 150 {
		label := filepath.Join(dir, fmt.Sprintf("label%d", i%3))
		if err := os.MkdirAll(label, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(label, fmt.Sprintf("%d.jpg", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := BatchForFolder(dir, 0.2); got != 15 {
		t.Errorf("150 photos, a fifth held out: batches of %d, want 15 (120 photos, eight updates an epoch)", got)
	}
}
