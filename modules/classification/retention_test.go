package classification_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

// TestRetention ages three predictions and their stored photos: the old
// one without feedback leaves the history for the daily counts and its
// photo goes; the old one with feedback (training data) and the recent
// one stay, with their photos.
func TestRetention(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) {
		c.Worker.Enabled, c.Classify.StoreImages, c.Classify.CacheTTL = true, true, 0
		c.Retention.Interval = time.Second
	})
	alice := ta.NewUser("alice")
	var got [3]classification
	for i := range got {
		classify(t, ta, alice, apptest.Photo(t, 70+i, 40, 40, "png"), nil).Want(200).JSON(&got[i])
	}
	ta.Do("POST", ta.API("/predictions/"+got[1].PredictionID+"/feedback"),
		map[string]string{"correct_label": "unknown"}, alice.Auth()).Want(201)

	old := time.Now().UTC().AddDate(-2, 0, 0)
	for _, p := range got[:2] {
		if err := ta.DB.DB.Exec("UPDATE predictions SET created_at = ? WHERE id = ?", old, p.PredictionID).Error; err != nil {
			t.Fatal(err)
		}
	}
	blob := func(p classification) string {
		return filepath.Join(ta.Config().Classify.ImageDir, p.Image.SHA256[:2], p.Image.SHA256)
	}
	for _, p := range got { // every file is old; the recent prediction still keeps its own
		if err := os.Chtimes(blob(p), old, old); err != nil {
			t.Fatal(err)
		}
	}

	deadline := time.Now().Add(20 * time.Second)
	var page historyPage
	for {
		ta.Do("GET", ta.API("/predictions"), nil, alice.Auth()).Want(200).JSON(&page)
		if page.Total == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if page.Total != 2 || page.Items[0].ID != got[2].PredictionID || page.Items[1].ID != got[1].PredictionID {
		t.Fatalf("history after retention: %+v", page)
	}
	var daily struct {
		Items []struct {
			Day   string
			Label string
			Count int
		}
	}
	ta.Do("GET", ta.API("/predictions/daily"), nil, alice.Auth()).Want(200).JSON(&daily)
	if len(daily.Items) != 1 || daily.Items[0].Day != old.Format(time.DateOnly) ||
		daily.Items[0].Label != got[0].Predictions[0].Label || daily.Items[0].Count != 1 {
		t.Errorf("daily counts %+v, want one %s on %s", daily.Items, got[0].Predictions[0].Label, old.Format(time.DateOnly))
	}
	waitUntil := time.Now().Add(10 * time.Second)
	for fileExists(blob(got[0])) && time.Now().Before(waitUntil) {
		time.Sleep(100 * time.Millisecond)
	}
	if fileExists(blob(got[0])) {
		t.Error("the expired prediction's photo is still stored")
	}
	for _, p := range got[1:] {
		if !fileExists(blob(p)) {
			t.Errorf("photo of %s was removed though still in use", p.PredictionID)
		}
	}
	if res := ta.Do("GET", ta.API("/predictions/daily?from=yesterday"), nil, alice.Auth()); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad date: %d %s", res.Status, res.Body)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
