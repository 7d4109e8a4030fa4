package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/dataset"
	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/spf13/cobra"
)

// evalReport is what eval prints with --json: the evaluation package's
// scores (accuracy, macro_f1, per_class, confusion, ...) plus the run.
type evalReport struct {
	*evaluation.Result
	Model           string            `json:"model"`
	ImagesPerSecond float64           `json:"images_per_second"`
	FlaggedUnknown  int               `json:"flagged_unknown"`
	UnknownLabels   map[string]int    `json:"labels_not_in_model,omitempty"`
	Failed          map[string]string `json:"failed,omitempty"`
}

func (c *cli) evalCmd() *cobra.Command {
	var modelPath, dir, confusion string
	var asJSON bool
	var workers int
	cmd := &cobra.Command{
		Use:   "eval [--model FILE] --data DIR",
		Short: "Score a model on a folder of labelled photos: accuracy, macro-F1, per class",
		Long: `Classify every image of DIR/<label>/ the way the server does (decode, resize, batched
inference) and score the top-1 answers. Without --model the bundled model is evaluated. Labels of
DIR the model does not know are reported apart, not counted as errors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, name, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			rep, err := evaluate(cmd.Context(), m, dir, workers)
			if err != nil {
				return err
			}
			rep.Model = name
			if confusion != "" {
				if err := writePNG(confusion, func(f *os.File) error { return evaluation.PlotConfusion(f, rep.Result) }); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(c.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			c.printEval(rep)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelPath, "model", "", "model file (default: the bundled model)")
	f.StringVar(&dir, "data", "", "ImageFolder to score (required)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.StringVar(&confusion, "confusion", "", "write the confusion matrix as a PNG here")
	f.IntVar(&workers, "workers", 0, "images in flight at once (default 48, enough to fill batches of 32)")
	cmd.MarkFlagRequired("data")
	return cmd
}

// evaluate classifies every image through the engine, so the numbers are
// those the server would give, batching included.
func evaluate(ctx context.Context, m *modelfile.Model, dir string, workers int) (*evalReport, error) {
	folder, err := dataset.Scan(dir)
	if err != nil {
		return nil, err
	}
	labels := make([]string, len(m.Meta.Labels))
	index := map[string]int{}
	for i, l := range m.Meta.Labels {
		labels[i], index[l.Name] = l.Name, i
	}
	if workers <= 0 {
		// Enough images in flight to fill the engine's batches; decoding
		// itself is bounded by the engine to a few per core.
		workers = 48
	}
	eng, err := inference.New(m, inference.Options{QueueSize: 4 * workers})
	if err != nil {
		return nil, err
	}
	defer eng.Close()

	rep := &evalReport{UnknownLabels: map[string]int{}, Failed: map[string]string{}}
	conf := evaluation.NewConfusion(labels)
	var mu sync.Mutex
	jobs := make(chan dataset.Sample)
	var wg sync.WaitGroup
	start := time.Now()
	scored := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				truth := index[folder.Classes[s.Label]]
				data, err := os.ReadFile(s.Path)
				var res inference.Result
				if err == nil {
					res, err = eng.Classify(ctx, data, 1)
				}
				mu.Lock()
				if err != nil {
					rep.Failed[s.Path] = err.Error()
				} else {
					conf.Add(truth, index[res.Predictions[0].Label])
					scored++
					if res.Unknown {
						rep.FlaggedUnknown++
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, s := range folder.Samples {
		name := folder.Classes[s.Label]
		if _, ok := index[name]; !ok {
			rep.UnknownLabels[name]++
			continue
		}
		select {
		case jobs <- s:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.ImagesPerSecond = float64(scored) / time.Since(start).Seconds()
	rep.Result = conf.Result(filepath.Base(filepath.Clean(dir)))
	return rep, nil
}

func (c *cli) printEval(rep *evalReport) {
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
