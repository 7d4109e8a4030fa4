package training

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aquaml/aquaml/platform/inference/training"
)

// reproduce is the command line that trains the same model from the same
// data: the API request, and the equivalent `aquaml train` run on the
// version's photos laid out as the job lays them out.
func reproduce(j jobRow, req jobRequest, batch int) string {
	body, _ := json.Marshal(req)
	args := []string{"aquaml", "train", "--data", "<dataset version " + j.DatasetVersion + " as <label>/<group>~<sha256>.<ext>>",
		"--val-split", strconv.FormatFloat(req.Validation.Fraction, 'g', -1, 64), "--group-by", shellQuote(groupRegex(req)),
		"--size", req.Input, "--epochs", strconv.Itoa(req.Epochs), "--batch", strconv.Itoa(batch),
		"--lr", strconv.FormatFloat(learningRate, 'g', -1, 64), "--weight-decay", strconv.FormatFloat(weightDecay, 'g', -1, 64),
		"--label-smoothing", strconv.FormatFloat(labelSmoothing, 'g', -1, 64), "--seed", strconv.FormatInt(*req.Seed, 10)}
	if req.Architecture != "" {
		args = append(args, "--arch", req.Architecture)
	}
	args = append(args, req.recipeArgs()...)
	line := "POST /api/v1/training-jobs " + string(body)
	if req.Base != defaultBase {
		return line + " ; or: " + strings.Join(args, " ") + " --base <model " + req.Base + " as a file>"
	}
	return line + " ; or: " + strings.Join(args, " ")
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// modelCard is the markdown card registered with the model: the data it
// came from, the seed, the per-class scores, the curves and the command
// that reproduces it.
func modelCard(j jobRow, req jobRequest, res *training.Result) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	meta := res.Model.Meta
	p("# %s %s\n\n", meta.Name, meta.Version)
	p("Trained by training job `%s` for user `%s`.\n\n", j.ID, j.UserID)
	p("## Data\n\n")
	p("- Dataset version: `%s`\n", j.DatasetVersion)
	p("- Validation: %.0f%% held out by group (`%s`)\n", 100*req.Validation.Fraction, groupRegex(req))
	base := "none (trained from scratch)"
	if req.Base != defaultBase {
		base = "model `" + req.Base + "`"
	}
	p("- Base: %s\n", base)
	arch, batch := hyperparameters(res)
	p("- Architecture: %s, input %s, %d epochs (best: %d), batches of %d, augmentation %s\n", arch, req.Input, len(res.History), res.BestEpoch, batch, req.Augmentation)
	p("- Recipe: %s\n", req.recipeLine())
	p("- Seed: %d\n\n", *req.Seed)
	if meta.Training != nil {
		names := map[string]string{}
		for _, l := range meta.Labels {
			names[l.Name] = strings.TrimSpace(l.ScientificName + " " + parenthesised(l.CommonName))
		}
		p("| Label | Species | Train | Validation |\n|---|---|---:|---:|\n")
		for _, c := range meta.Training.Classes {
			p("| %s | %s | %d | %d |\n", c.Label, names[c.Label], c.Train, c.Val)
		}
		p("\n")
	}
	v := res.Validation
	p("## Validation scores (epoch %d)\n\n", res.BestEpoch)
	p("Accuracy %.4f, macro-F1 %.4f on %d photos; unknown threshold %.3f.\n\n", v.Accuracy, v.MacroF1, v.Total, res.Threshold)
	if res.Refitted {
		p("These are the held-out run's scores. The registered weights were then trained again from the same start on every photo, these %d included, for %d epochs (`refit`): no photo is left to score them on.\n\n", v.Total, res.BestEpoch)
	}
	p("| Label | Precision | Recall | F1 | Support |\n|---|---:|---:|---:|---:|\n")
	for _, c := range v.PerClass {
		p("| %s | %.3f | %.3f | %.3f | %d |\n", c.Label, c.Precision, c.Recall, c.F1, c.Support)
	}
	p("\n## Curves\n\n| Epoch | Train loss | Val loss | Val accuracy | Val macro-F1 |\n|---:|---:|---:|---:|---:|\n")
	for _, e := range res.History {
		p("| %d | %.4f | %.4f | %.4f | %.4f |\n", e.Epoch, e.TrainLoss, e.ValLoss, e.ValAccuracy, e.ValMacroF1)
	}
	p("\nThe confusion matrix is in `GET /api/v1/training-jobs/%s/report`.\n\n", j.ID)
	p("## Reproduce\n\n```\n%s\n```\n", meta.Training.Command)
	return b.String()
}

func parenthesised(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

// hyperparameters reads back the network and batch size the run recorded.
func hyperparameters(res *training.Result) (arch string, batch int) {
	if res.Model.Meta.Training == nil {
		return "?", 0
	}
	var hp struct {
		Arch      string `json:"arch"`
		BatchSize int    `json:"batch_size"`
	}
	_ = json.Unmarshal(res.Model.Meta.Training.Hyperparameters, &hp)
	return hp.Arch, hp.BatchSize
}
