package training

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aquaml/aquaml/platform/testkit/sharedtest"
)

// TestRunOnFishSubset trains briefly on four species of the shared data
// (links to 200 photos each, spread over many tracked fish) and checks the
// model on fish whose trajectories it never saw.
func TestRunOnFishSubset(t *testing.T) {
	src := sharedtest.Fish4Knowledge(t, "train")
	root := t.TempDir()
	for _, class := range []string{"amphiprion_clarkii", "chaetodon_lunulatus", "dascyllus_reticulatus", "plectroglyphidodon_dickii"} {
		files, err := os.ReadDir(filepath.Join(src, class))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, class)
		if err := os.Mkdir(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		const take = 200
		for i := range min(take, len(files)) {
			name := files[i*len(files)/take].Name()
			if err := os.Symlink(filepath.Join(src, class, name), filepath.Join(dst, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, err := Run(context.Background(), Options{
		TrainDir: root, ValFraction: 0.25, GroupRegex: `^fish_(\d+)_`,
		Arch: "smallcnn", Size: 32, Epochs: 4, BatchSize: 16, LearningRate: 2e-3, Seed: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	best := res.History[res.BestEpoch-1]
	t.Logf("held-out accuracy %.3f, macro-F1 %.3f after %d epochs", best.ValAccuracy, best.ValMacroF1, len(res.History))
	if best.ValAccuracy < 0.6 || best.ValMacroF1 < 0.5 {
		t.Errorf("accuracy %.3f and macro-F1 %.3f on 4 species (chance 0.25)", best.ValAccuracy, best.ValMacroF1)
	}
}
