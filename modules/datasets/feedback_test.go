package datasets_test

import (
	"net/http"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/modules/datasets"
	"github.com/aquaml/aquaml/platform/config"
)

type prediction struct {
	PredictionID string `json:"prediction_id"`
	Predictions  []struct {
		Label string `json:"label"`
	} `json:"predictions"`
	Image struct {
		SHA256 string `json:"sha256"`
	} `json:"image"`
}

// classifyAndCorrect classifies a photo as s and, unless label is empty,
// gives feedback with that correct_label (the k-th candidate's label
// when label is "#k").
func classifyAndCorrect(t testing.TB, ta *apptest.TestApp, s apptest.Session, img []byte, label string) (prediction, string) {
	t.Helper()
	body, ct := apptest.Multipart(t, "file", "fish.jpg", img, map[string]string{"top_k": "3"})
	var p prediction
	ta.Do("POST", ta.API("/classify"), body, with(s.Auth(), "Content-Type", ct)).Want(http.StatusOK).JSON(&p)
	switch label {
	case "":
		return p, ""
	case "#0", "#1":
		label = p.Predictions[int(label[1]-'0')].Label
	}
	ta.Do("POST", ta.API("/predictions/"+p.PredictionID+"/feedback"), map[string]string{"correct_label": label}, s.Auth()).Want(http.StatusCreated)
	return p, label
}

// TestFromFeedback: the photos a user corrected become labelled items of
// their dataset, once each; "unknown", uncorrected predictions and other
// users' corrections stay out.
func TestFromFeedback(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Classify.StoreImages = true })
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	p1, l1 := classifyAndCorrect(t, ta, alice, photo(t, 1), "#0")
	p2, l2 := classifyAndCorrect(t, ta, alice, photo(t, 2), "#1")
	classifyAndCorrect(t, ta, alice, photo(t, 3), "unknown")
	classifyAndCorrect(t, ta, alice, photo(t, 4), "")
	classifyAndCorrect(t, ta, bob, photo(t, 5), "#0")

	d := createDataset(t, ta, alice, "from the field")
	var res added
	ta.Do("POST", ta.API("/datasets/"+d.ID+"/items/from-feedback"), nil, alice.Auth()).Want(http.StatusCreated).JSON(&res)
	if res.Added != 2 || res.Duplicates != 0 {
		t.Fatalf("from feedback: %+v", res)
	}
	want := map[string]prediction{p1.PredictionID: p1, p2.PredictionID: p2}
	wantLabel := map[string]string{p1.PredictionID: l1, p2.PredictionID: l2}
	for _, it := range listItems(t, ta, alice, d.ID, "") {
		p, ok := want[it.PredictionID]
		if !ok || it.Source != "feedback" || it.SHA256 != p.Image.SHA256 || it.Label != wantLabel[it.PredictionID] {
			t.Errorf("item %+v, want one of %+v with labels %v", it, want, wantLabel)
		}
	}
	// Again: nothing new.
	ta.Do("POST", ta.API("/datasets/"+d.ID+"/items/from-feedback"), nil, alice.Auth()).Want(http.StatusCreated).JSON(&res)
	if res.Added != 0 || res.Duplicates != 2 {
		t.Errorf("second time: %+v", res)
	}
	// The dataset keeps its own copy: the photos are readable from it
	// even once the stored originals expire.
	if n := blobFiles(t, ta); n != 2 {
		t.Errorf("%d dataset photo files, want 2", n)
	}
}

// TestFromFeedbackWithoutStoredPhotos: with STORE_IMAGES off there is
// nothing to take, and the answer says so instead of failing.
func TestFromFeedbackWithoutStoredPhotos(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	classifyAndCorrect(t, ta, alice, photo(t, 1), "#0")
	d := createDataset(t, ta, alice, "empty field")
	var res added
	ta.Do("POST", ta.API("/datasets/"+d.ID+"/items/from-feedback"), nil, alice.Auth()).Want(http.StatusCreated).JSON(&res)
	if res.Added != 0 || res.Dataset.Photos != 0 {
		t.Errorf("without stored photos: %+v", res)
	}
}

// TestFromFeedbackReadsPastPagesWithoutPhotos: corrections that give no
// photo ("unknown") can fill whole pages of the reading; the photos
// corrected after them are still taken.
func TestFromFeedbackReadsPastPagesWithoutPhotos(t *testing.T) {
	defer datasets.SetFeedbackPage(2)()
	ta := apptest.New(t, func(c *config.Config) { c.Classify.StoreImages = true })
	alice := ta.NewUser("alice")
	for i := range 3 {
		classifyAndCorrect(t, ta, alice, photo(t, 10+i), "unknown")
	}
	p, label := classifyAndCorrect(t, ta, alice, photo(t, 20), "#0")
	d := createDataset(t, ta, alice, "late corrections")
	var res added
	ta.Do("POST", ta.API("/datasets/"+d.ID+"/items/from-feedback"), nil, alice.Auth()).Want(http.StatusCreated).JSON(&res)
	if res.Added != 1 {
		t.Fatalf("from feedback after two pages without photos: %+v, want the one correction added", res)
	}
	items := listItems(t, ta, alice, d.ID, "")
	if len(items) != 1 || items[0].PredictionID != p.PredictionID || items[0].Label != label {
		t.Errorf("items %+v, want prediction %s as %s", items, p.PredictionID, label)
	}
}
