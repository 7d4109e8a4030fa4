package training

import "testing"

// Flip TTA is on by default only where the job names SmallCNN, whose two
// passes cost less than one of the others; a request that says flip_tta
// keeps what it says.
func TestFlipTTADefaultFollowsTheNetwork(t *testing.T) {
	off, on := false, true
	for _, c := range []struct {
		name string
		req  jobRequest
		want bool
	}{
		{"from scratch, no network named (smallcnn-wide)", jobRequest{}, false},
		{"smallcnn-wide", jobRequest{Architecture: "smallcnn-wide"}, false},
		{"smallcnn named", jobRequest{Architecture: "smallcnn"}, true},
		{"smallcnn with flip_tta false", jobRequest{Architecture: "smallcnn", Recipe: recipeRequest{FlipTTA: &off}}, false},
		{"smallcnn-wide with flip_tta true", jobRequest{Recipe: recipeRequest{FlipTTA: &on}}, true},
		{"fishnet from scratch", jobRequest{Architecture: "fishnet"}, false},
		{"smallcnn-shallow", jobRequest{Architecture: "smallcnn-shallow"}, false},
		{"fine-tuning a base in its own network", jobRequest{Base: "reef-fish"}, false},
	} {
		r := c.req
		r.DatasetVersion = "v1"
		if _, fields := r.normalise(100); len(fields) != 0 {
			t.Fatalf("%s: refused: %v", c.name, fields)
		}
		if got := *r.Recipe.FlipTTA; got != c.want {
			t.Errorf("%s: flip_tta %t, want %t", c.name, got, c.want)
		}
		if got := r.trainingRecipe().FlipTTA; got != c.want {
			t.Errorf("%s: the trainer's recipe has flip TTA %t, want %t", c.name, got, c.want)
		}
	}
}
