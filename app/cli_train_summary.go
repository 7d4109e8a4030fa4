package app

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/aquaml/aquaml/platform/inference/dataset"
	"github.com/aquaml/aquaml/platform/inference/training"
)

// printDataSummary reads the data as training will (same scan, same
// split, same seed) and prints it before the first epoch, so a wrong
// folder or a lopsided split shows at once rather than after an hour. It
// returns how many photos train.
func (c *cli) printDataSummary(o training.Options) (trainPhotos int, err error) {
	all, err := dataset.Scan(o.TrainDir)
	if err != nil {
		return 0, explainLayout("--data", o.TrainDir, err)
	}
	var train, val *dataset.Folder
	how := ""
	if o.ValDir != "" {
		if val, err = dataset.Scan(o.ValDir); err != nil {
			return 0, explainLayout("--val", o.ValDir, err)
		}
		train, how = all, "validation from --val "+o.ValDir
	} else {
		frac := o.ValFraction
		if frac == 0 {
			frac = 0.15 // training's default for an unset fraction
		}
		if train, val, err = dataset.Split(all, frac, o.GroupRegex, o.Seed); err != nil {
			return 0, err
		}
		how = fmt.Sprintf("--val-split %g of %s held out", frac, o.TrainDir)
		if o.GroupRegex != "" {
			how += ", whole groups by --group-by " + o.GroupRegex
		}
	}
	fmt.Fprintf(c.stdout, "data: %d classes, %d photos for training, %d for validation (%s)\n",
		len(all.Classes), len(train.Samples), len(val.Samples), how)
	if all.Skipped > 0 {
		fmt.Fprintf(c.stdout, "  %d files in %s are not photos and were skipped\n", all.Skipped, o.TrainDir)
	}
	tc, vc := train.Counts(), val.Counts()
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  class\ttrain\tval\t")
	for i, class := range all.Classes {
		v := 0
		if i < len(vc) {
			v = vc[i]
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t\n", class, tc[i], v)
	}
	return len(train.Samples), tw.Flush()
}

// isTerminal reports whether w is a terminal, where a redrawn progress
// bar makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// lineWriter keeps only the finished lines of output drawn with \r
// redraws: in a log or a pipe a progress bar would make one endless line,
// and only the per-epoch lines that end each bar are worth keeping.
type lineWriter struct {
	w    io.Writer
	line []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	for _, b := range p {
		switch b {
		case '\r':
			l.line = l.line[:0]
		case '\n':
			end := len(l.line)
			for end > 0 && l.line[end-1] == ' ' {
				end-- // the padding that blanked out a longer bar
			}
			if _, err := l.w.Write(append(l.line[:end:end], '\n')); err != nil {
				return 0, err
			}
			l.line = l.line[:0]
		default:
			l.line = append(l.line, b)
		}
	}
	return len(p), nil
}
