package training

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

func tinyModel(t *testing.T, created time.Time) *modelfile.Model {
	t.Helper()
	arch, err := nn.SmallCNN(16, 16, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := arch.MarshalJSON()
	return &modelfile.Model{
		Meta: modelfile.Metadata{Name: "trained", Version: "1", CreatedAt: created, Architecture: raw,
			Input: modelfile.Input{Channels: 3, Height: 16, Width: 16},
			Mean:  [3]float32{.5, .5, .5}, Std: [3]float32{.25, .25, .25},
			Labels: []modelfile.Label{{Name: "perch"}, {Name: "trout"}}},
		Tensors: arch.Init(1),
	}
}

// An attempt that resumes a job whose model was already written (and
// perhaps registered) registers the same bytes, so the registry answers
// the first record instead of adding a second model.
func TestResumedJobRegistersTheFirstAttemptsFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "job")
	first, err := finalModel(dir, tinyModel(t, time.Unix(1000, 0).UTC()))
	if err != nil {
		t.Fatal(err)
	}
	again, err := finalModel(dir, tinyModel(t, time.Unix(2000, 0).UTC()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("the resumed attempt built a different model file: it would be registered as a second model")
	}
	m, err := modelfile.Read(bytes.NewReader(again))
	if err != nil || !m.Meta.CreatedAt.Equal(time.Unix(1000, 0)) {
		t.Fatalf("read back %v, %v: want the first attempt's model", m.Meta.CreatedAt, err)
	}
	// A file torn by a crash is written anew, not registered.
	if err := os.WriteFile(filepath.Join(dir, finalName), first[:len(first)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	fresh, err := finalModel(dir, tinyModel(t, time.Unix(3000, 0).UTC()))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := modelfile.Read(bytes.NewReader(fresh)); err != nil || !m.Meta.CreatedAt.Equal(time.Unix(3000, 0)) {
		t.Errorf("after a torn file: %v, %v, want the model written anew", m, err)
	}
}
