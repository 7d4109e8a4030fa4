package inference

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference/imageio"
	"github.com/aquaml/aquaml/platform/inference/imageio/imagetest"
)

// TestDecodeBudgetErrorsReachTheClient classifies the attack's JPEG on an
// engine whose decode budget is smaller than the photo (413 with the
// figures) and on one whose budget is held by another decode (503
// overloaded with Retry-After).
func TestDecodeBudgetErrorsReachTheClient(t *testing.T) {
	m := testModel(t, 16, 3, 0)
	jpg := imagetest.ProgressiveJPEG(imagetest.GiantJPEGSide, imagetest.GiantJPEGSide)

	small := imageio.DefaultLimits()
	small.Budget = imageio.NewBudget(8<<20, 1)
	e := newEngine(t, m, Options{Limits: small})
	_, err := e.Classify(t.Context(), jpg, 1)
	ae, ok := apperr.As(APIError(err))
	if !ok || ae.Kind != apperr.TooLarge || ae.Code != "image_too_large" {
		t.Fatalf("over the budget: %v", err)
	}
	for _, want := range []string{"6300x6300", "progressive", "MB", "budget of 8 MB"} {
		if !strings.Contains(ae.Message, want) {
			t.Errorf("message %q does not say %q", ae.Message, want)
		}
	}

	busy := imageio.DefaultLimits()
	busy.Budget, busy.Wait = imageio.NewBudget(0, 1), 10*time.Millisecond
	e = newEngine(t, m, Options{Limits: busy})
	// Another giant holds the only heavy slot for as long as this test runs.
	hold, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		lim := busy
		lim.Wait = -1
		imageio.PreprocessContext(hold, imagetest.GiantPNG(imagetest.GiantPNGSide, imagetest.GiantPNGSide), 16, 16, m.Meta.Mean, m.Meta.Std, lim, make([]float32, 3*16*16))
	}()
	for busy.Budget.Stats().Heavy == 0 {
		time.Sleep(time.Millisecond)
	}
	_, err = e.Classify(t.Context(), jpg, 1)
	ae, ok = apperr.As(APIError(err))
	if !ok || ae.Kind != apperr.Unavailable || ae.Code != "overloaded" || ae.RetryAfter <= 0 {
		t.Fatalf("budget full: %v (%+v)", err, ae)
	}
	// An ordinary photo is answered meanwhile.
	if _, err := e.Classify(t.Context(), photo(t, 2, 320, 240), 1); err != nil {
		t.Fatalf("ordinary photo while a giant decodes: %v", err)
	}
	<-done
}
