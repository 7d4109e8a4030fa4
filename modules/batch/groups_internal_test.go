package batch

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/aquaml/aquaml/platform/inference"
)

// TestSummedProbabilities: a track of three frames, two leaning to perch
// and one confident roach, is perch: the sum, not the most confident
// frame, decides. Unknown needs a majority of frames.
func TestSummedProbabilities(t *testing.T) {
	frame := func(perch, roach, pike float32, unknown bool) itemRow {
		s, _ := json.Marshal([]inference.Prediction{{Label: "perch", Confidence: perch}, {Label: "roach", Confidence: roach}, {Label: "pike", Confidence: pike}})
		return itemRow{GroupName: "t1", Status: itemDone, Scores: string(s), Unknown: unknown}
	}
	got := summarise([]itemRow{
		frame(0.7, 0.2, 0.1, true), frame(0.7, 0.2, 0.1, false), frame(0.05, 0.9, 0.05, false),
		{GroupName: "t1", Status: itemFailed},
	}, 2)
	if len(got) != 1 {
		t.Fatalf("%+v", got)
	}
	g := got[0]
	if g.Label != "perch" || math.Abs(float64(g.Confidence)-1.45/3) > 1e-6 || g.Photos != 3 || g.Failed != 1 || g.Unknown {
		t.Errorf("group %+v, want perch at 0.4833 from 3 frames, 1 failed, not unknown", g)
	}
	if len(g.Predictions) != 2 || g.Predictions[1].Label != "roach" || math.Abs(float64(g.Predictions[1].Confidence)-1.3/3) > 1e-6 {
		t.Errorf("top-2 %+v, want perch then roach at 0.4333", g.Predictions)
	}
}
