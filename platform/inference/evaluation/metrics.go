package evaluation

import (
	"errors"
	"fmt"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// ErrBadInput reports labels or predictions that cannot be scored.
var ErrBadInput = errors.New("evaluation: bad input")

// Unknown is the prediction of an open-set classifier that declined to
// name a class (top-1 probability under the threshold).
const Unknown = -1

// Confusion counts predictions per true class: Counts[truth][predicted].
// Unknown predictions are counted apart, per true class.
type Confusion struct {
	Labels  []string
	Counts  [][]int
	Unknown []int
}

// NewConfusion returns an empty matrix over labels.
func NewConfusion(labels []string) *Confusion {
	c := &Confusion{Labels: labels, Counts: make([][]int, len(labels)), Unknown: make([]int, len(labels))}
	for i := range c.Counts {
		c.Counts[i] = make([]int, len(labels))
	}
	return c
}

// Add records one prediction; pred may be Unknown.
func (c *Confusion) Add(truth, pred int) error {
	n := len(c.Labels)
	if truth < 0 || truth >= n || pred < Unknown || pred >= n {
		return fmt.Errorf("%w: truth %d, prediction %d with %d classes", ErrBadInput, truth, pred, n)
	}
	if pred == Unknown {
		c.Unknown[truth]++
	} else {
		c.Counts[truth][pred]++
	}
	return nil
}

// AddAll records paired slices of true labels and predictions.
func (c *Confusion) AddAll(truth, pred []int) error {
	if len(truth) != len(pred) {
		return fmt.Errorf("%w: %d labels, %d predictions", ErrBadInput, len(truth), len(pred))
	}
	for i := range truth {
		if err := c.Add(truth[i], pred[i]); err != nil {
			return err
		}
	}
	return nil
}

// Result is a JSON-ready evaluation report.
type Result struct {
	Split     string                   `json:"split,omitempty"`
	Labels    []string                 `json:"labels"`
	Total     int                      `json:"total"`
	Accuracy  float64                  `json:"accuracy"`
	MacroF1   float64                  `json:"macro_f1"`
	PerClass  []modelfile.ClassMetrics `json:"per_class"`
	Confusion [][]int                  `json:"confusion"`
	// Unknown counts, per true class, the predictions declined by the
	// open-set threshold; they count as errors.
	Unknown []int `json:"unknown,omitempty"`
}

// Result computes the scores. Like the PyTorch reference, precision and
// recall divide by max(count, 1) and F1 by max(p+r, 1e-9), so a class with
// no support or no predictions scores 0 instead of NaN, and macro-F1 is the
// mean over every label, including labels absent from the split.
func (c *Confusion) Result(split string) *Result {
	n := len(c.Labels)
	r := &Result{Split: split, Labels: c.Labels, PerClass: make([]modelfile.ClassMetrics, n), Confusion: make([][]int, n)}
	predicted := make([]int, n)
	correct, unknown := 0, 0
	for t := range n {
		r.Confusion[t] = append([]int(nil), c.Counts[t]...)
		for p, v := range c.Counts[t] {
			predicted[p] += v
			r.Total += v
		}
		correct += c.Counts[t][t]
		unknown += c.Unknown[t]
	}
	r.Total += unknown
	if unknown > 0 {
		r.Unknown = append([]int(nil), c.Unknown...)
	}
	if r.Total > 0 {
		r.Accuracy = float64(correct) / float64(r.Total)
	}
	for t := range n {
		tp := float64(c.Counts[t][t])
		support := c.Unknown[t]
		for _, v := range c.Counts[t] {
			support += v
		}
		prec := tp / float64(max(predicted[t], 1))
		rec := tp / float64(max(support, 1))
		f1 := 2 * prec * rec / max(prec+rec, 1e-9)
		r.PerClass[t] = modelfile.ClassMetrics{Label: c.Labels[t], Precision: prec, Recall: rec, F1: f1, Support: support}
		r.MacroF1 += f1
	}
	if n > 0 {
		r.MacroF1 /= float64(n)
	}
	return r
}

// Evaluate scores paired true labels and predictions in one call.
func Evaluate(labels []string, truth, pred []int, split string) (*Result, error) {
	c := NewConfusion(labels)
	if err := c.AddAll(truth, pred); err != nil {
		return nil, err
	}
	return c.Result(split), nil
}

// Metrics is the summary stored in a model file's metadata.
func (r *Result) Metrics() modelfile.Metrics {
	return modelfile.Metrics{Split: r.Split, Accuracy: r.Accuracy, MacroF1: r.MacroF1, PerClass: r.PerClass}
}
