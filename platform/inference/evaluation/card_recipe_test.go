package evaluation

import (
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

func TestModelCardStatesTheRecipe(t *testing.T) {
	card := func(hp string) string {
		meta := &modelfile.Metadata{Name: "m", Version: "1", Input: modelfile.Input{Channels: 3, Height: 64, Width: 64},
			Training: &modelfile.Training{Epochs: 15, Hyperparameters: []byte(hp)}}
		var b strings.Builder
		if err := WriteModelCard(&b, Card{Meta: meta}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	got := card(`{"augmentation":"strong","freeze_layers":2,"mixup":0.4,"average_epochs":3,"flip_tta":true,"patience":8,"refit":true,"best_epoch":11}`)
	for _, want := range []string{
		"- Recipe: strong augmentation, first 2 conv layers of the base frozen, mixup alpha 0.4, moving average of the weights over 3 epochs, early stopping after 8 epochs without progress, flip test-time augmentation, refit on every photo for the run's 11 epochs",
		"validation scores are the held-out run's last epoch's, measured before that refit",
		"the server answers the same way",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("card lacks %q:\n%s", want, got)
		}
	}
	if got := card(`{"arch":"fishnet"}`); strings.Contains(got, "Recipe:") || strings.Contains(got, "mirror") || strings.Contains(got, "refit") {
		t.Errorf("a run without the recipe's ingredients has a recipe line:\n%s", got)
	}
}
