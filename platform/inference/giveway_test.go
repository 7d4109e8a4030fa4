package inference

import (
	"context"
	"testing"
	"time"
)

// Serving counts the images in flight, and GiveWay waits while there are
// some, never longer than its cap.
func TestGiveWayWaitsWhileServing(t *testing.T) {
	m := testModel(t, 16, 3, 0)
	e := newEngine(t, m, Options{})
	if _, err := e.Classify(context.Background(), photo(t, 2, 30, 30), 1); err != nil {
		t.Fatal(err)
	}
	if n := Serving(); n != 0 {
		t.Fatalf("%d images counted in flight after the call returned", n)
	}
	serving.Add(1) // a request being classified
	start := time.Now()
	GiveWay()
	waited := time.Since(start)
	serving.Add(-1)
	if waited < giveWayMax {
		t.Errorf("GiveWay returned after %v with a request in flight; it waits up to %v", waited, giveWayMax)
	}
}
