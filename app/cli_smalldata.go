package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/training"
	"github.com/aquaml/aquaml/platform/inference/training/smalldata"
	"github.com/spf13/cobra"
)

// smalldataCmd runs the small-data protocol that chose the training
// recipe (BENCHMARKS.md, "Small-data recipe").
func (c *cli) smalldataCmd() *cobra.Command {
	var (
		p                   smalldata.Protocol
		labels, recipes     string
		base, makeBase      string
		basePer, baseEpochs int
		summary             bool
	)
	cmd := &cobra.Command{
		Use:   "smalldata --train DIR --val DIR --labels A,B,... --work DIR [--make-base FILE | --base FILE] [--recipes ...]",
		Short: "Compare training recipes on a few photos per label, scored on photos no run trains or chooses on",
		Long: `Draws --per-label photos of each --labels from --train, whole tracks at a time (--group-by), once
per --seeds, trains each --recipes on every draw (the epoch and threshold chosen on a validation
split carved from the draw by track) and scores the model on those labels' photos in --val,
with and without flip test-time augmentation. Results go to WORK/results.jsonl, one line per run,
and a table of mean ± standard deviation over seeds to stdout. --make-base trains the base for the
fine-tuning recipes on the other labels of --train only, so it never saw a target label.
--summary prints the table of WORK/results.jsonl without training.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := os.MkdirAll(p.Work, 0o755); err != nil {
				return err
			}
			if !summary && (p.Train == "" || p.Val == "" || labels == "") {
				return fmt.Errorf("--train, --val and --labels are required (except with --summary)")
			}
			p.Labels = strings.Split(labels, ",")
			if summary {
				runs, err := smalldata.ReadRuns(filepath.Join(p.Work, "results.jsonl"))
				if err != nil {
					return err
				}
				smalldata.Markdown(c.stdout, smalldata.Summarise(runs))
				return nil
			}
			p.Template = training.Options{
				Arch: "fishnet", Size: 64, Epochs: p.Template.Epochs, BatchSize: 32, LearningRate: 2e-3,
				WeightDecay: 1e-4, LabelSmoothing: 0.05, ValFraction: 0.2, CacheBytes: 256 << 20,
			}
			p.Progress = c.stderr
			if makeBase != "" {
				res, err := p.MakeBase(cmd.Context(), makeBase, basePer, baseEpochs)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "wrote %s: best epoch %d, val accuracy %.4f, macro-F1 %.4f\n",
					makeBase, res.BestEpoch, res.Validation.Accuracy, res.Validation.MacroF1)
				return nil
			}
			if base != "" {
				m, err := modelfile.ReadFile(base)
				if err != nil {
					return fmt.Errorf("--base: %w", err)
				}
				for _, l := range m.Meta.Labels {
					for _, t := range p.Labels {
						if l.Name == t {
							return fmt.Errorf("--base %s knows the target label %s: the protocol needs a base that never saw one", base, t)
						}
					}
				}
				p.Base = m
			}
			runs, err := p.Bench(cmd.Context(), strings.Split(recipes, ","))
			if len(runs) > 0 {
				smalldata.Markdown(c.stdout, smalldata.Summarise(runs))
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&p.Train, "train", "", "ImageFolder the photos are drawn from (required)")
	f.StringVar(&p.Val, "val", "", "ImageFolder the models are scored on (required)")
	f.StringVar(&labels, "labels", "", "comma-separated target labels (required)")
	f.IntVar(&p.PerLabel, "per-label", 30, "photos drawn per label, whole tracks")
	f.StringVar(&p.GroupRegex, "group-by", `^fish_(\d+)_`, "regex whose first group names a photo's track")
	f.Int64SliceVar(&p.Seeds, "seeds", []int64{1, 2, 3}, "one draw and one run of every recipe per seed")
	f.StringVar(&p.Work, "work", "", "folder for the draws, the base's data and results.jsonl (required)")
	f.StringVar(&base, "base", "", "base model for the fine-tuning recipes (made by --make-base)")
	f.StringVar(&recipes, "recipes", "baseline,strong,mixup,average,finetune,finetune-freeze,combined", "recipes to run")
	f.IntVar(&p.Template.Epochs, "epochs", 20, "epochs per run")
	f.StringVar(&makeBase, "make-base", "", "train the base on the other labels into this file, then stop")
	f.IntVar(&basePer, "base-per-label", 600, "--make-base: photos per label at most")
	f.IntVar(&baseEpochs, "base-epochs", 8, "--make-base: epochs")
	f.BoolVar(&summary, "summary", false, "print the table of WORK/results.jsonl and stop")
	cmd.MarkFlagRequired("work")
	return cmd
}
