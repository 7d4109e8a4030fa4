package batch_test

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
)

type groupJSON struct {
	Group       string
	Photos      int
	Failed      int
	Label       string
	Confidence  float64
	Unknown     bool
	Predictions []struct {
		Label      string
		Confidence float64
	}
}

// TestPhotosOfOneFish groups the frames of fish tracks by file name and by
// a CSV: each group answers one species from its frames' summed
// probabilities. Three copies of one frame must answer exactly what the
// frame alone does.
func TestPhotosOfOneFish(t *testing.T) {
	ta := apptest.New(t, withWorker(nil))
	alice := ta.NewUser("alice")
	same := apptest.Photo(t, 11, 48, 40, "jpeg")
	files := []file{
		{"track1_a.jpg", same}, {"track1_b.jpg", same}, {"track1_c.jpg", same},
		{"track2_a.jpg", apptest.Photo(t, 12, 48, 40, "jpeg")}, {"track2_b.jpg", apptest.Photo(t, 13, 48, 40, "jpeg")},
		{"loose.jpg", apptest.Photo(t, 14, 48, 40, "jpeg")}, {"alone.jpg", apptest.Photo(t, 15, 48, 40, "jpeg")},
		{"notes.txt", []byte("not a photo")},
	}
	b := submitPhotos(t, ta, alice, files, map[string]string{
		"group_by": `^(track[0-9]+)_`, "groups": "filename,group\nloose.jpg,track2\nnotes.txt,track3\n", "top_k": "2"})
	waitEnded(t, ta, alice, b.ID, 30*time.Second)

	var page struct {
		Items []groupJSON
		Total int
	}
	ta.Do("GET", ta.API("/batches/"+b.ID+"/groups"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 3 || len(page.Items) != 3 {
		t.Fatalf("groups %+v, want track1, track2, track3", page)
	}
	byName := map[string]groupJSON{}
	for _, g := range page.Items {
		byName[g.Group] = g
	}
	if g := byName["track1"]; g.Photos != 3 || byName["track2"].Photos != 3 || byName["track3"].Failed != 1 || byName["track3"].Photos != 0 {
		t.Errorf("frames per group: %+v", page.Items)
	}
	results := allResults(t, ta, alice, b.ID)
	frame := results[0]
	t1 := byName["track1"]
	if t1.Label != frame.Label || math.Abs(t1.Confidence-float64(*frame.Confidence)) > 1e-5 || len(t1.Predictions) != 2 {
		t.Errorf("three copies of a frame answer %s %.5f, the frame alone %s %.5f", t1.Label, t1.Confidence, frame.Label, *frame.Confidence)
	}
	for _, g := range page.Items[:2] {
		sum := 0.0
		for i, p := range g.Predictions {
			sum += p.Confidence
			if i > 0 && p.Confidence > g.Predictions[i-1].Confidence {
				t.Errorf("%s: predictions not best first: %+v", g.Group, g.Predictions)
			}
		}
		if g.Confidence <= 0 || sum > 1+1e-5 || g.Predictions[0].Label != g.Label {
			t.Errorf("%s: mean probabilities out of range: %+v", g.Group, g)
		}
	}
	for _, it := range results {
		if it.Filename == "alone.jpg" && it.Group != "" || it.Filename == "loose.jpg" && it.Group != "track2" {
			t.Errorf("%s is in group %q", it.Filename, it.Group)
		}
		if it.Status == "done" && len(it.Predictions) != 2 {
			t.Errorf("%s shows %d predictions, want its top_k 2", it.Filename, len(it.Predictions))
		}
	}
	csv := string(ta.Do("GET", ta.API("/batches/"+b.ID+"/results?format=csv"), nil, alice.Auth()).Want(http.StatusOK).Body)
	if !strings.Contains(strings.SplitN(csv, "\n", 2)[0], ",group") || !strings.Contains(csv, ",track2\n") && !strings.Contains(csv, ",track2\r\n") {
		t.Errorf("the CSV has no group column:\n%s", csv)
	}

	for _, fields := range []map[string]string{
		{"group_by": "(unclosed"}, {"group_by": "no-capture"}, {"groups": "a.jpg,b,c\n"}, {"groups": "a.jpg,\n"},
	} {
		body, ct := form(t, photos(t, 1, 32), fields)
		if res := submit(t, ta, alice, body, ct); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d %s, want 422", fields, res.Status, res.Body)
		}
	}
}
