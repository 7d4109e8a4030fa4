package classification

import (
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/aquaml/aquaml/platform/inference"
)

// A cache entry gives back the probabilities bit for bit, including the
// values a decimal round trip could bend.
func TestCacheEntryKeepsProbabilitiesExactly(t *testing.T) {
	probs := []float32{0, 1, 0.1, 1.0 / 3, math.SmallestNonzeroFloat32, math.MaxFloat32, 0.99999994}
	raw, err := json.Marshal(cachedResult{Predictions: []inference.Prediction{{Label: "a", Confidence: 0.5}}, Probabilities: probs})
	if err != nil {
		t.Fatal(err)
	}
	var got cachedResult
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal([]float32(got.Probabilities), probs) {
		t.Errorf("probabilities %v, want %v", got.Probabilities, probs)
	}
}

// An entry an earlier release wrote (probabilities as a number array) or a
// damaged one is no answer: the photo is classified again.
func TestCacheEntryOfAnotherFormatIsNoAnswer(t *testing.T) {
	for name, raw := range map[string]string{
		"number array": `{"p":[{"label":"a","confidence":0.5}],"u":false,"pr":[0.5,0.5]}`,
		"odd length":   `{"p":[{"label":"a","confidence":0.5}],"pb":"AAAA"}`,
		"not base64":   `{"p":[{"label":"a","confidence":0.5}],"pb":"%%%"}`,
	} {
		var a cachedResult
		err := json.Unmarshal([]byte(raw), &a)
		if err == nil && len(a.Probabilities) > 0 {
			t.Errorf("%s: read as %d probabilities", name, len(a.Probabilities))
		}
	}
}
