//go:build !race

// The race detector slows inference tenfold; CI runs this in its second,
// race-free pass.

package app

import (
	"context"
	"math"
	"testing"

	"github.com/aquaml/aquaml/app/bundled"
	"github.com/aquaml/aquaml/platform/testkit/sharedtest"
)

// TestBundledModelQuality is the quality bar of the model shipped in the
// binary, measured the way `aquaml eval` measures it, on fish it never
// trained on; and the numbers in its model card must be the ones it gets.
func TestBundledModelQuality(t *testing.T) {
	val := sharedtest.Fish4Knowledge(t, "val")
	m, err := bundled.Model()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := evaluate(context.Background(), m, val, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bundled %s %s on val: accuracy %.4f, macro-F1 %.4f, %d images, %.0f images/s",
		m.Meta.Name, m.Meta.Version, rep.Accuracy, rep.MacroF1, rep.Total, rep.ImagesPerSecond)
	if rep.Total != 4117 || len(rep.Failed) > 0 || len(rep.UnknownLabels) > 0 {
		t.Fatalf("scored %d images, %d failed, unknown labels %v", rep.Total, len(rep.Failed), rep.UnknownLabels)
	}
	if rep.Accuracy < 0.96 || rep.MacroF1 < 0.75 {
		t.Errorf("below the bar: accuracy %.4f (want >= 0.96), macro-F1 %.4f (want >= 0.75)", rep.Accuracy, rep.MacroF1)
	}
	card := m.Meta.Metrics
	if card == nil || math.Abs(card.Accuracy-rep.Accuracy) > 1e-3 || math.Abs(card.MacroF1-rep.MacroF1) > 1e-3 {
		t.Errorf("model card says %+v, eval gets accuracy %.4f macro-F1 %.4f", card, rep.Accuracy, rep.MacroF1)
	}
}
