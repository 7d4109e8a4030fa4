package inference

import "sort"

// Prediction is one candidate species. It is the one shape of a
// prediction everywhere: engine results, /classify answers, history and
// batch results, in Go and in JSON.
type Prediction struct {
	Label          string  `json:"label"`
	ScientificName string  `json:"scientific_name"`
	CommonName     string  `json:"common_name"`
	Confidence     float32 `json:"confidence"`
}

// ModelRef names the registered model that produced an answer.
type ModelRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// TopK returns the indexes of the k largest probabilities, best first.
// Ties keep label order, so the same probabilities always give the same
// answer. k is clamped to [1, len(probs)].
func TopK(probs []float32, k int) []int {
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return probs[idx[a]] > probs[idx[b]] })
	return idx[:max(1, min(k, len(probs)))]
}
