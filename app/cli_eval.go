package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/spf13/cobra"
)

func (c *cli) evalCmd() *cobra.Command {
	var modelPath, dir, confusion string
	var asJSON bool
	var workers int
	cmd := &cobra.Command{
		Use:   "eval [--model FILE] --data DIR",
		Short: "Score a model on a folder of labelled photos: accuracy, macro-F1, per class",
		Long: `Classify every image of DIR/<label>/ the way the server does (decode, resize, batched
inference) and score the top-1 answers. Without --model the bundled model is evaluated. Labels of
DIR the model does not know are reported apart, not counted as errors, with how many of their
photos the model flagged unknown; when it knows none of DIR's labels, nothing is scored and the
command fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, name, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			folderRep, err := evaluate(cmd.Context(), m, dir, workers)
			if err != nil {
				return explainLayout("--data", dir, err)
			}
			folderRep.Model = name
			rep := evalReport{FolderReport: folderRep}
			if rep.OpenSet, err = checkOpenSet(cmd.Context(), m, dir, rep.UnknownLabels, 16); err != nil {
				return err
			}
			nothingScored := rep.Total == 0 && len(rep.UnknownLabels) > 0
			if confusion != "" {
				if err := writePNG(confusion, func(f *os.File) error { return evaluation.PlotConfusion(f, rep.Result) }); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(c.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else if !nothingScored {
				c.printEval(rep)
			}
			if nothingScored {
				return c.nothingScored(m, dir, rep)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelPath, "model", "", "model file (default: the bundled model)")
	f.StringVar(&dir, "data", "", "ImageFolder to score (required)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.StringVar(&confusion, "confusion", "", "write the confusion matrix as a PNG here")
	f.IntVar(&workers, "workers", 0, fmt.Sprintf("images in flight at once (default %d: two batches of 32 running while as many decode)", evaluation.DefaultFolderWorkers))
	cmd.MarkFlagRequired("data")
	return cmd
}

// evaluate is how `aquaml eval` scores a model, shared with the bundled
// model's quality test so that the bar is measured the way users measure.
func evaluate(ctx context.Context, m *modelfile.Model, dir string, workers int) (*evaluation.FolderReport, error) {
	return evaluation.ScoreFolder(ctx, m, dir, workers)
}

// nothingScored explains a folder none of whose labels the model knows:
// a table of zeros would read as a model that is always wrong.
func (c *cli) nothingScored(m *modelfile.Model, dir string, rep evalReport) error {
	known := make([]string, len(m.Meta.Labels))
	for i, l := range m.Meta.Labels {
		known[i] = l.Name
	}
	fmt.Fprintf(c.stderr, "none of the %d labels of %s is a label of the model, so nothing was scored.\n", len(rep.UnknownLabels), dir)
	fmt.Fprintf(c.stderr, "  %s has: %s\n", dir, labelCounts(rep.UnknownLabels))
	fmt.Fprintf(c.stderr, "  the model knows: %s\n", strings.Join(known, ", "))
	if o := rep.OpenSet; o != nil {
		fmt.Fprintf(c.stderr, "the model flagged %d of %d photos unknown (an open-set model should flag them all)\n", o.FlaggedUnknown, o.Photos)
	}
	return errQuiet
}

func labelCounts(counts map[string]int) string {
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s (%d photos)", n, counts[n])
	}
	return strings.Join(parts, ", ")
}

func (c *cli) printEval(rep evalReport) {
	r := rep.Result
	fmt.Fprintf(c.stdout, "model %s on %s: %d images, %.0f images/s\n", rep.Model, r.Split, r.Total, rep.ImagesPerSecond)
	fmt.Fprintf(c.stdout, "accuracy %.4f  macro-F1 %.4f  flagged unknown %d\n\n", r.Accuracy, r.MacroF1, rep.FlaggedUnknown)
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "label\tprecision\trecall\tf1\tsupport\t")
	for _, pc := range r.PerClass {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t\n", pc.Label, pc.Precision, pc.Recall, pc.F1, pc.Support)
	}
	tw.Flush()
	if len(rep.UnknownLabels) > 0 {
		names := make([]string, 0, len(rep.UnknownLabels))
		for n := range rep.UnknownLabels {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintln(c.stdout, "\nlabels the model does not know (not scored):")
		for _, n := range names {
			fmt.Fprintf(c.stdout, "  %s: %d images\n", n, rep.UnknownLabels[n])
		}
		if o := rep.OpenSet; o != nil {
			fmt.Fprintf(c.stdout, "  the model flagged %d of these %d photos unknown\n", o.FlaggedUnknown, o.Photos)
		}
	}
	if len(rep.Failed) > 0 {
		fmt.Fprintf(c.stdout, "\n%d images could not be classified:\n", len(rep.Failed))
		for p, e := range rep.Failed {
			fmt.Fprintf(c.stdout, "  %s: %s\n", p, e)
		}
	}
}

func writePNG(path string, render func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := render(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
