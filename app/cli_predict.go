package app

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aquaml/aquaml/app/bundled"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/spf13/cobra"
)

func (c *cli) predictCmd() *cobra.Command {
	var modelPath string
	var topK int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "predict [--model FILE] [--top-k 3] IMAGE|DIR...",
		Short: "Classify photos without a server",
		Long: `Classify each IMAGE, and every photo below each DIR (recursively; files named ` + extList() + `),
with the bundled model or --model.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, name, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("top-k") {
				topK = min(topK, len(m.Meta.Labels)) // the default asks for 3, a model may know fewer
			}
			if err := checkTopK(topK, len(m.Meta.Labels)); err != nil {
				return err
			}
			if args, err = expandPhotos(args); err != nil {
				return err
			}
			eng, err := inference.New(m, inference.Options{})
			if err != nil {
				return err
			}
			defer eng.Close()
			type answer struct {
				Image       string                 `json:"image"`
				Predictions []inference.Prediction `json:"predictions,omitempty"`
				Unknown     bool                   `json:"unknown"`
				Error       string                 `json:"error,omitempty"`
			}
			failed := 0
			var answers []answer
			for _, path := range args {
				a := answer{Image: path}
				data, err := os.ReadFile(path)
				var res inference.Result
				if err == nil {
					res, err = eng.Classify(cmd.Context(), data, topK)
				}
				if err != nil {
					a.Error, failed = err.Error(), failed+1
				} else {
					a.Predictions, a.Unknown = res.Predictions, res.Unknown
				}
				answers = append(answers, a)
			}
			if asJSON {
				enc := json.NewEncoder(c.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(answers); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(c.stdout, "model %s\n", name)
				for _, a := range answers {
					c.printAnswer(a.Image, a.Predictions, a.Unknown, a.Error)
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d images could not be classified", failed, len(args))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelPath, "model", "", "model file (default: the bundled model)")
	f.IntVar(&topK, "top-k", 3, fmt.Sprintf("candidates per image (1-%d, and at most the model's classes)", maxTopK))
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (c *cli) printAnswer(path string, preds []inference.Prediction, unknown bool, errMsg string) {
	if errMsg != "" {
		fmt.Fprintf(c.stdout, "%s: error: %s\n", path, errMsg)
		return
	}
	verdict := ""
	if unknown {
		verdict = " (unknown: not confidently any known species)"
	}
	fmt.Fprintf(c.stdout, "%s%s\n", path, verdict)
	for _, p := range preds {
		fmt.Fprintf(c.stdout, "  %-28s %6.2f%%  %s (%s)\n", p.Label, 100*p.Confidence, p.CommonName, p.ScientificName)
	}
}

// maxTopK is the most candidates the API gives (top_k of /classify).
const maxTopK = 10

// checkTopK refuses what the API refuses, and more candidates than the
// model has classes.
func checkTopK(k, classes int) error {
	most := min(maxTopK, classes)
	if k < 1 || k > most {
		return fmt.Errorf("--top-k %d: must be from 1 to %d (the model knows %d classes; the API gives at most %d)",
			k, most, classes, maxTopK)
	}
	return nil
}

// loadModel reads a model file, or the bundled model when path is empty,
// and names it for reports.
func loadModel(path string) (*modelfile.Model, string, error) {
	if path == "" {
		m, err := bundled.Model()
		if err != nil {
			return nil, "", err
		}
		return m, fmt.Sprintf("%s %s (bundled)", m.Meta.Name, m.Meta.Version), nil
	}
	m, err := modelfile.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	return m, fmt.Sprintf("%s %s (%s)", m.Meta.Name, m.Meta.Version, path), nil
}
