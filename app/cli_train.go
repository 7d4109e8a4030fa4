package app

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
	"github.com/aquaml/aquaml/platform/inference/training"
	"github.com/spf13/cobra"
)

func (c *cli) trainCmd() *cobra.Command {
	var (
		o               training.Options
		labels, licence string
		refs            []string
		noCache         bool
		cacheMB         int64
		warmup          float64
		base            string
	)
	cmd := &cobra.Command{
		Use:   "train --data DIR [--val DIR | --val-split 0.15 --group-by REGEX] --out FILE",
		Short: "Train a model from a folder of labelled photos (one sub-folder per label)",
		Long: `Train a classifier on an ImageFolder: DIR/<label>/<image>. Validation uses --val, or holds out
--val-split of DIR with whole groups kept together (--group-by's first capture group, matched
against the file name, names a file's group; e.g. '^fish_(\d+)_' for tracked fish). The epoch with
the best validation macro-F1 is kept. Writes FILE, a model card FILE.md and PNG plots beside it,
readable by all (0644). It prints the data (classes, photos per class, split) before training,
then one line per epoch; on a terminal a progress bar runs in between.
Ctrl-C stops after the current batch and keeps the best epoch so far.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.Labels, err = readLabels(labels); err != nil {
				return err
			}
			if licence != "" {
				b, err := os.ReadFile(licence)
				if err != nil {
					return fmt.Errorf("--licence: %w", err)
				}
				o.Licence = strings.TrimSpace(string(b))
			}
			if o.References, err = parseReferences(refs); err != nil {
				return err
			}
			if o.Base, err = readBase(base); err != nil {
				return err
			}
			if o.Base != nil && !cmd.Flags().Changed("arch") {
				o.Arch = "" // the base's own
			}
			o.CacheBytes = cacheMB << 20
			if noCache {
				o.CacheBytes = -1
			}
			o.WarmupEpochs = warmup
			if warmup == 0 {
				o.WarmupEpochs = -1 // the flag's 0 means none; the option's 0 means default
			}
			o.Command = "aquaml " + shellJoin(c.args)
			photos, err := c.printDataSummary(o)
			if err != nil {
				return err
			}
			if o.BatchSize == 0 {
				o.BatchSize = training.BatchFor(photos)
				fmt.Fprintf(c.stdout, "batches of %d (without --batch: 16 below 1,024 training photos, fewer below 128, else 32)\n", o.BatchSize)
			}
			o.Progress = c.stderr
			if !isTerminal(c.stderr) {
				o.Progress = &lineWriter{w: c.stderr}
			}
			res, err := training.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if o.Out != "" {
				if err := shareOutputs(o.Out); err != nil {
					return err
				}
			}
			v := res.Validation
			fmt.Fprintf(c.stdout, "best epoch %d: val accuracy %.4f, macro-F1 %.4f, unknown threshold %.3f\n",
				res.BestEpoch, v.Accuracy, v.MacroF1, res.Threshold)
			if res.Interrupted {
				fmt.Fprintln(c.stdout, "interrupted: kept the best epoch finished before the stop")
			}
			if o.Out != "" {
				fmt.Fprintf(c.stdout, "wrote %s (and its model card and plots)\n", o.Out)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.TrainDir, "data", "", "training ImageFolder (required)")
	f.StringVar(&o.ValDir, "val", "", "validation ImageFolder with the same labels")
	f.Float64Var(&o.ValFraction, "val-split", 0.15, "fraction of --data held out when --val is not given")
	f.StringVar(&o.GroupRegex, "group-by", "", "regex whose first group names a file's group; groups never straddle train and validation")
	f.StringVar(&o.Arch, "arch", "fishnet", "architecture: "+nn.ArchNames())
	o.Size = 64
	f.Var(sizeFlag{&o}, "size", "input WIDTHxHEIGHT in pixels (e.g. 128x64 for crops twice as wide as tall), or the side of a square")
	f.IntVar(&o.Epochs, "epochs", 30, "epochs")
	f.IntVar(&o.BatchSize, "batch", 0, "batch size (0: 16 below 1,024 training photos, fewer below 128 for eight updates an epoch, else 32, as training jobs choose)")
	f.Float64Var(&o.LearningRate, "lr", 2e-3, "peak learning rate (Adam)")
	f.StringVar(&o.Schedule, "schedule", training.ScheduleCosine, "learning-rate schedule: cosine, step or constant")
	f.Float64Var(&warmup, "warmup", 1, "warm-up epochs")
	f.Float64Var(&o.WeightDecay, "weight-decay", 1e-4, "decoupled weight decay")
	f.Float64Var(&o.LabelSmoothing, "label-smoothing", 0.05, "label smoothing")
	f.StringVar(&o.Balance, "balance", training.BalanceWeights, "class imbalance: weights, sampler or none")
	f.BoolVar(&o.NoAugment, "no-augment", false, "turn off flips, crops and colour jitter (--augment none)")
	recipeFlags(f, &o.Recipe, &base)
	f.Float64Var(&o.UnknownQuantile, "unknown-quantile", 0.05, "open-set threshold: this quantile of correct validation confidences")
	f.Int64Var(&o.Seed, "seed", 1, "random seed (same seed, same model)")
	f.StringVar(&o.Out, "out", "", "model file to write (required)")
	f.StringVar(&o.Name, "name", "aquaml-fish", "model name")
	f.StringVar(&o.Version, "version", "1", "model version")
	f.StringVar(&labels, "labels", "", "CSV of label,scientific_name,common_name")
	f.StringVar(&licence, "licence", "", "text file with the data's licence notice, copied into the model card")
	f.StringArrayVar(&refs, "reference", nil, "comparison row for the model card: NAME:ACCURACY:MACRO_F1 (repeatable)")
	f.IntVar(&o.Workers, "workers", 0, "image decoding goroutines (default: one per core)")
	f.Int64Var(&cacheMB, "cache-mb", 1024, "decoded-image cache in MB")
	f.BoolVar(&noCache, "no-cache", false, "decode every image every epoch")
	cmd.MarkFlagRequired("data")
	cmd.MarkFlagRequired("out")
	return cmd
}

// sizeFlag reads --size 128x64 or --size 64 into the options' width and height.
type sizeFlag struct{ o *training.Options }

func (f sizeFlag) String() string {
	if f.o == nil {
		return "" // the zero value pflag compares the default with
	}
	if f.o.Height == 0 || f.o.Height == f.o.Size {
		return strconv.Itoa(f.o.Size)
	}
	return fmt.Sprintf("%dx%d", f.o.Size, f.o.Height)
}

func (f sizeFlag) Set(s string) error {
	w, h, err := training.ParseSize(s)
	if err != nil {
		return err
	}
	f.o.Size, f.o.Height = w, h
	return nil
}

func (sizeFlag) Type() string { return "size" }

// shareOutputs makes the model file readable by all, like its card and
// plots: the server usually runs as another user than whoever trained.
func shareOutputs(out string) error {
	if err := os.Chmod(out, 0o644); err != nil {
		return fmt.Errorf("making %s readable: %w", out, err)
	}
	return nil
}

// readLabels reads the --labels file; none given means no names.
func readLabels(path string) (map[string]modelfile.Label, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--labels: %w", err)
	}
	defer f.Close()
	labels, err := training.ReadLabels(f, path)
	if err != nil {
		return nil, fmt.Errorf("--labels: %w", err)
	}
	return labels, nil
}

func parseReferences(refs []string) ([]evaluation.Reference, error) {
	var out []evaluation.Reference
	for _, r := range refs {
		i := strings.LastIndex(r, ":")
		j := strings.LastIndex(r[:max(i, 0)], ":")
		if i < 0 || j < 0 {
			return nil, fmt.Errorf("--reference %q: want NAME:ACCURACY:MACRO_F1", r)
		}
		acc, err1 := strconv.ParseFloat(r[j+1:i], 64)
		f1, err2 := strconv.ParseFloat(r[i+1:], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("--reference %q: accuracy and macro-F1 must be numbers", r)
		}
		out = append(out, evaluation.Reference{Name: r[:j], Accuracy: acc, MacroF1: f1})
	}
	return out, nil
}

// shellJoin quotes arguments so the recorded command can be pasted into a
// shell as is.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,@%+", r))
		}) < 0 {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
