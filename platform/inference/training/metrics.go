package training

import (
	"math"
	"slices"

	"github.com/aquaml/aquaml/platform/inference/evaluation"
)

// scores holds one validation pass of a model.
type scores struct {
	loss      float64 // summed cross-entropy, unweighted
	confusion *evaluation.Confusion
	top1      []float32
	correct   []bool
}

func newScores(labels []string) *scores {
	return &scores{confusion: evaluation.NewConfusion(labels)}
}

// add records one image's class probabilities and true label.
func (s *scores) add(probs []float32, label int) error {
	pred := 0
	for j, p := range probs {
		if p > probs[pred] {
			pred = j
		}
	}
	if err := s.confusion.Add(label, pred); err != nil {
		return err
	}
	s.loss -= math.Log(max(float64(probs[label]), 1e-12))
	s.top1 = append(s.top1, probs[pred])
	s.correct = append(s.correct, pred == label)
	return nil
}

func (s *scores) meanLoss() float64 { return s.loss / float64(max(len(s.top1), 1)) }

// result is accuracy, macro-F1 and per-class scores, as evaluation computes
// them for every report.
func (s *scores) result() *evaluation.Result { return s.confusion.Result("val") }

// threshold applies the package's open-set rule: the q quantile of the
// top-1 probabilities of correct predictions (0, i.e. off, when q is 0 or
// nothing was right).
func (s *scores) threshold(q float64) float32 {
	var right []float32
	for i, ok := range s.correct {
		if ok {
			right = append(right, s.top1[i])
		}
	}
	if q == 0 || len(right) == 0 {
		return 0
	}
	slices.Sort(right)
	return right[int(q*float64(len(right)))]
}
