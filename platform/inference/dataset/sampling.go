package dataset

import (
	"math"
	"sort"
)

// ClassWeights returns loss weights for unbalanced classes: inverse
// frequency, square-root dampened and normalised to mean 1, as the PyTorch
// reference computes them ((total/count).sqrt(), then divided by the mean).
// A class without samples is weighted as if it had one, instead of infinity.
func ClassWeights(counts []int) []float32 {
	total := 0
	for _, c := range counts {
		total += max(c, 0)
	}
	w := make([]float64, len(counts))
	sum := 0.0
	for i, c := range counts {
		w[i] = math.Sqrt(float64(max(total, 1)) / float64(max(c, 1)))
		sum += w[i]
	}
	out := make([]float32, len(counts))
	for i := range w {
		out[i] = float32(w[i] * float64(len(w)) / sum)
	}
	return out
}

// Sampling chooses how the samples of an epoch are ordered.
type Sampling struct {
	// Shuffle permutes the samples each epoch; without it (and without
	// Balanced) the folder order is kept, as evaluation wants.
	Shuffle bool
	// Balanced draws as many samples as the folder holds, with replacement,
	// picking class c with probability proportional to count_c^Alpha and
	// then a uniform sample of that class.
	Balanced bool
	// Alpha is 0 for uniform classes, 1 for the natural frequencies;
	// 0.5 is a common compromise.
	Alpha float64
}

// EpochOrder returns the sample indices of one epoch, determined only by the
// folder, the sampling, the seed and the epoch number.
func EpochOrder(f *Folder, s Sampling, seed int64, epoch int) []int {
	n := len(f.Samples)
	rng := newRand(seed, streamOrder, uint64(epoch), 0)
	if !s.Balanced {
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		if s.Shuffle {
			rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		return order
	}

	byClass := make([][]int, len(f.Classes))
	for i, smp := range f.Samples {
		if smp.Label >= 0 && smp.Label < len(byClass) {
			byClass[smp.Label] = append(byClass[smp.Label], i)
		}
	}
	// Cumulative class probabilities over the non-empty classes.
	var classes []int
	var cum []float64
	total := 0.0
	for c, members := range byClass {
		if len(members) == 0 {
			continue
		}
		total += math.Pow(float64(len(members)), s.Alpha)
		classes = append(classes, c)
		cum = append(cum, total)
	}
	order := make([]int, n)
	if len(classes) == 0 {
		return order[:0]
	}
	for i := range order {
		u := rng.Float64() * total
		k := min(sort.SearchFloat64s(cum, u), len(cum)-1)
		members := byClass[classes[k]]
		order[i] = members[rng.IntN(len(members))]
	}
	return order
}
