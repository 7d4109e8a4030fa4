package evaluation

import (
	"encoding/json"
	"fmt"
	"strings"
)

// writeRecipe writes the small-data ingredients a training run recorded in
// its hyperparameters, one line, and says how a flip-TTA model is served;
// nothing when the run used none of them.
func writeRecipe(p printer, hyperparameters json.RawMessage) {
	var hp struct {
		Augmentation  string  `json:"augmentation"`
		FreezeLayers  int     `json:"freeze_layers"`
		Mixup         float64 `json:"mixup"`
		AverageEpochs float64 `json:"average_epochs"`
		FlipTTA       bool    `json:"flip_tta"`
		Patience      int     `json:"patience"`
		Refit         bool    `json:"refit"`
		BestEpoch     int     `json:"best_epoch"`
	}
	if json.Unmarshal(hyperparameters, &hp) != nil {
		return
	}
	var parts []string
	if hp.Augmentation != "" {
		parts = append(parts, hp.Augmentation+" augmentation")
	}
	if hp.FreezeLayers > 0 {
		parts = append(parts, fmt.Sprintf("first %d conv layers of the base frozen", hp.FreezeLayers))
	}
	if hp.Mixup > 0 {
		parts = append(parts, fmt.Sprintf("mixup alpha %g", hp.Mixup))
	}
	if hp.AverageEpochs > 0 {
		parts = append(parts, fmt.Sprintf("moving average of the weights over %g epochs", hp.AverageEpochs))
	}
	if hp.Patience > 0 {
		parts = append(parts, fmt.Sprintf("early stopping after %d epochs without progress", hp.Patience))
	}
	if hp.FlipTTA {
		parts = append(parts, "flip test-time augmentation")
	}
	if hp.Refit {
		parts = append(parts, fmt.Sprintf("refit on every photo for the run's %d epochs", hp.BestEpoch))
	}
	if len(parts) == 0 {
		return
	}
	p("- Recipe: %s\n", strings.Join(parts, ", "))
	if hp.FlipTTA {
		p("- Scores are of each photo averaged with its mirror image, and the server answers the same way (two network passes per photo)\n")
	}
	if hp.Refit {
		p("- The weights were trained again, for the whole run, on the validation photos too once they had scored it: validation scores are the held-out run's last epoch's, measured before that refit\n")
	}
}
