package training

import (
	"math"
	"slices"
)

// scores holds one validation pass of a model.
type scores struct {
	loss      float64 // mean cross-entropy, unweighted
	confusion [][]int // [true][predicted]
	top1      []float32
	correct   []bool
}

func newScores(classes int) *scores {
	s := &scores{confusion: make([][]int, classes)}
	for i := range s.confusion {
		s.confusion[i] = make([]int, classes)
	}
	return s
}

// add records one image's class probabilities and true label.
func (s *scores) add(probs []float32, label int) {
	pred := 0
	for j, p := range probs {
		if p > probs[pred] {
			pred = j
		}
	}
	s.confusion[label][pred]++
	s.loss -= math.Log(max(float64(probs[label]), 1e-12))
	s.top1 = append(s.top1, probs[pred])
	s.correct = append(s.correct, pred == label)
}

func (s *scores) images() int { return len(s.top1) }

func (s *scores) meanLoss() float64 { return s.loss / float64(max(s.images(), 1)) }

func (s *scores) accuracy() float64 {
	right := 0
	for i := range s.confusion {
		right += s.confusion[i][i]
	}
	return float64(right) / float64(max(s.images(), 1))
}

// perClass returns precision, recall and F1 of class c (0 where undefined,
// as the PyTorch reference scores them).
func (s *scores) perClass(c int) (precision, recall, f1 float64) {
	tp := s.confusion[c][c]
	predicted, actual := 0, 0
	for i := range s.confusion {
		predicted += s.confusion[i][c]
		actual += s.confusion[c][i]
	}
	precision = float64(tp) / float64(max(predicted, 1))
	recall = float64(tp) / float64(max(actual, 1))
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f1
}

func (s *scores) macroF1() float64 {
	sum := 0.0
	for c := range s.confusion {
		_, _, f1 := s.perClass(c)
		sum += f1
	}
	return sum / float64(max(len(s.confusion), 1))
}

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
